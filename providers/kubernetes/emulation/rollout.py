"""The deployment controller's rollout arithmetic and status, as upstream
(https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment and
#progress-deadline-seconds):

- ``maxSurge`` is rounded up and ``maxUnavailable`` down when they are percentages of the desired replicas;
  when both come to 0, ``maxUnavailable`` is 1.
- The new ReplicaSet is scaled up only while all ReplicaSets together want fewer than desired + maxSurge
  pods; old ReplicaSets are scaled down (unhealthy pods first, oldest ReplicaSet first) only as far as
  keeps desired - maxUnavailable pods available, counting the new ReplicaSet's unavailable pods.
- The Progressing condition: ``NewReplicaSetCreated`` when the new ReplicaSet is created,
  ``ReplicaSetUpdated`` (with a fresh lastUpdateTime) whenever the rollout makes progress (more updated,
  ready or available pods, fewer old ones), ``NewReplicaSetAvailable`` once complete, and False with
  ``ProgressDeadlineExceeded`` when ``progressDeadlineSeconds`` pass without progress.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

NO_DEADLINE = 2**31 - 1  # progressDeadlineSeconds at MaxInt32 means "never time out", as upstream


def resolve(value: Any, total: int, round_up: bool) -> int:
    """An intOrString such as maxSurge "25%" against ``total``."""
    if isinstance(value, str) and value.endswith("%"):
        share = total * float(value[:-1]) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value or 0)


def fenceposts(spec: dict[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as pod counts for a deployment spec; (0, 0) for Recreate."""
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, 0
    desired = spec.get("replicas", 1)
    rolling = strategy.get("rollingUpdate") or {}
    surge = resolve(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = resolve(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, desired)


@dataclass
class RS:
    """What the rollout needs of one ReplicaSet: its name, wanted replicas and available pods."""

    name: str
    replicas: int
    available: int
    revision: int = 0


def new_replicas(desired: int, surge: int, everyone: list[RS], new: RS) -> int:
    """The new ReplicaSet's next size: up to desired, never past desired + maxSurge pods in all."""
    if new.replicas >= desired:
        return desired
    current = sum(rs.replicas for rs in everyone)
    room = desired + surge - current
    if room <= 0:
        return new.replicas
    return new.replicas + min(room, desired - new.replicas)


def old_scale_down(desired: int, unavailable: int, old: list[RS], new: RS) -> dict[str, int]:
    """New sizes for old ReplicaSets (by name), keeping desired - maxUnavailable pods available: first
    the pods that are not available anyway, then available ones, oldest ReplicaSet first."""
    if not sum(rs.replicas for rs in old):
        return {}
    minimum = desired - unavailable
    all_pods = sum(rs.replicas for rs in old) + new.replicas
    budget = all_pods - minimum - max(new.replicas - new.available, 0)
    if budget <= 0:
        return {}
    sizes: dict[str, int] = {}
    ordered = sorted(old, key=lambda rs: rs.revision)
    for rs in ordered:  # unhealthy replicas first
        if budget <= 0:
            break
        unhealthy = rs.replicas - rs.available
        if rs.replicas and unhealthy > 0:
            cut = min(budget, unhealthy)
            sizes[rs.name] = rs.replicas - cut
            budget -= cut
    available = sum(rs.available for rs in old) + new.available
    excess = available - minimum
    for rs in ordered:
        if excess <= 0:
            break
        size = sizes.get(rs.name, rs.replicas)
        if not size:
            continue
        cut = min(size, excess, rs.available)
        if cut:
            sizes[rs.name] = size - cut
            excess -= cut
    return sizes


def _set(conditions: list[dict[str, Any]], kind: str, ok: bool, reason: str, message: str, now: str,
         refresh: bool = False) -> None:
    """Set a condition, keeping lastTransitionTime while its status stays; lastUpdateTime changes when
    anything does (or with ``refresh``: progress noticed with the same reason)."""
    status = "True" if ok else "False"
    old = next((c for c in conditions if c.get("type") == kind), None)
    if old and not refresh and (old.get("status"), old.get("reason"), old.get("message")) == (status, reason,
                                                                                               message):
        return
    new = {"type": kind, "status": status, "lastUpdateTime": now,
           "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") == status else now,
           "reason": reason, "message": message}
    if old:
        conditions[conditions.index(old)] = new
    else:
        conditions.append(new)


def _progressed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    def old_pods(s: dict[str, Any]) -> int:
        return s.get("replicas", 0) - s.get("updatedReplicas", 0)
    return (after.get("updatedReplicas", 0) > before.get("updatedReplicas", 0)
            or old_pods(after) < old_pods(before)
            or after.get("readyReplicas", 0) > before.get("readyReplicas", 0)
            or after.get("availableReplicas", 0) > before.get("availableReplicas", 0))


def deployment_status(deployment: dict[str, Any], new_name: str, created: bool, counts: dict[str, int],
                      now: float, stamp: str, last_progress: float | None) -> tuple[dict[str, Any], float]:
    """The deployment's next status from pod ``counts`` (replicas, updated, ready, available) and when it
    last progressed; returns the status and the new last-progress time."""
    meta, spec = deployment["metadata"], deployment["spec"]
    desired = spec.get("replicas", 1)
    before = deployment.get("status") or {}
    status: dict[str, Any] = copy.deepcopy(before)
    status["observedGeneration"] = meta.get("generation", 1)
    for key, value in (("replicas", counts["replicas"]), ("updatedReplicas", counts["updated"]),
                       ("readyReplicas", counts["ready"]), ("availableReplicas", counts["available"]),
                       ("unavailableReplicas", max(counts["replicas"] - counts["available"], 0))):
        if value:
            status[key] = value
        else:
            status.pop(key, None)
    conditions = status.setdefault("conditions", [])
    if counts["available"] >= desired - fenceposts(spec)[1]:
        _set(conditions, "Available", True, "MinimumReplicasAvailable", "Deployment has minimum availability.",
             stamp)
    else:
        _set(conditions, "Available", False, "MinimumReplicasUnavailable",
             "Deployment does not have minimum availability.", stamp)
    current = next((c for c in conditions if c.get("type") == "Progressing"), None)
    deadline = spec.get("progressDeadlineSeconds", 600)
    complete = (counts["updated"] == desired and counts["replicas"] == desired and counts["available"] == desired)
    if created:  # the pass that creates the new ReplicaSet (it has no pods yet)
        _set(conditions, "Progressing", True, "NewReplicaSetCreated", f'Created new replica set "{new_name}"', stamp)
        last_progress = now
    elif current is None:
        _set(conditions, "Progressing", True, "FoundNewReplicaSet", f'Found new replica set "{new_name}"', stamp)
        last_progress = now
    if created:
        pass
    elif complete:
        _set(conditions, "Progressing", True, "NewReplicaSetAvailable",
             f'ReplicaSet "{new_name}" has successfully progressed.', stamp)
        last_progress = now
    elif _progressed(before, status):
        _set(conditions, "Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{new_name}" is progressing.',
             stamp, refresh=True)
        last_progress = now
    elif deadline < NO_DEADLINE and last_progress is not None and now - last_progress > deadline:
        _set(conditions, "Progressing", False, "ProgressDeadlineExceeded",
             f'ReplicaSet "{new_name}" has timed out progressing.', stamp)
    conditions.sort(key=lambda c: c["type"] != "Available")
    return status, last_progress if last_progress is not None else now

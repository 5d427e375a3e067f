"""Health: one classifier from what a provider read about a service to its State and message, and
the app's state from its services'.

A provider reads its cloud (Deployments and pods, ECS services and tasks, container groups...) and
states the facts in the kit's terms, as :class:`Facts`; :func:`classify` applies the one
precedence every provider shares, and :func:`service_status` builds the ServiceStatus::

    facts = Facts(desired=3, running=2, pending=1, rolling=True,
                  progress="rolling out: 2 of 3 updated, 2 available")
    status = service_status("web", facts, image="nginx:1.27", revision="7")   # PROGRESSING
    missing = service_status("web", None, desired=2)                          # MISSING, "not deployed"

**The precedence** (the first that holds decides):

1. MISSING: the provider found no resource for the service (``facts`` is None);
2. PROGRESSING: the platform has not taken in the latest change yet (``settled`` False: e.g. a
   Deployment's ``observedGeneration`` behind its ``generation``); failures it reports still belong
   to the previous version, so they do not fail a deploy of a fix;
3. FAILED: replicas of the current version cannot run (``failures``: crash loop, image pull,
   missing secret, provisioning failed...), or the platform gave the rollout up (``gave_up``:
   ProgressDeadlineExceeded, an ECS rollout FAILED or rolled back by the circuit breaker) -- also at
   desired 0: a failed release is never reported as stopped;
4. STOPPED: ``desired`` is 0 and no replica is left (PROGRESSING "stopping" while some are);
5. HEALTHY: ``running >= desired`` and no rollout under way (``rolling`` False);
6. PROGRESSING: a rollout or scale-down is under way (``rolling``);
7. DEGRADED: some but not all replicas run;
8. PENDING: none runs yet.

Failures of replicas that are history (a task of the current version that stopped while others
run, a pod of an older ReplicaSet) are not ``failures``; a provider may give them as ``waiting``,
the reason shown while DEGRADED or PENDING.

**The app's state** (:func:`app_state`, used by ``AppStatus.state``): the worst state of its
services, worst first FAILED, MISSING, DEGRADED, PENDING, PROGRESSING, HEALTHY; a service STOPPED on
purpose (scaled to 0) does not count, so an app whose other services serve is not STOPPED; the app
is STOPPED only when every service is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudorch.provider import ServiceStatus, State

#: services' states, worst first (STOPPED is not among them: see :func:`app_state`)
WORST_FIRST = (State.FAILED, State.MISSING, State.DEGRADED, State.PENDING, State.PROGRESSING, State.HEALTHY)


@dataclass
class Facts:
    """What a provider read about one service."""

    #: replicas the platform is asked to run now
    desired: int
    #: replicas of the current version that run (available, passing health checks)
    running: int = 0
    #: replicas being started (shown as a count)
    pending: int = 0
    #: replicas that cannot run (shown as a count; ``failures`` says why)
    failed: int = 0
    #: why replicas of the current version cannot run, most relevant first
    failures: list[str] = field(default_factory=list)
    #: the platform gave the rollout up: why ("" when it did not)
    gave_up: str = ""
    #: the platform has taken in the latest change
    settled: bool = True
    #: a rollout or scale-down is under way (old-version or surplus replicas remain, or new ones
    #: are still being made)
    rolling: bool = False
    #: replicas still present, whatever their version (None: ``running + pending``)
    present: int | None = None
    #: the message while rolling ("rolling out: 2 of 3 updated")
    progress: str = ""
    #: why replicas are not up yet (a pod's scheduling reason, a recent task failure)
    waiting: str = ""


def classify(facts: Facts | None) -> tuple[State, str]:
    """``(state, message)`` by the precedence in the module docstring."""
    if facts is None:
        return State.MISSING, "not deployed"
    desired, running = facts.desired, facts.running
    if not facts.settled:
        return State.PROGRESSING, facts.progress or "waiting for the platform to take in the change"
    if facts.failures:
        more = f" (and {len(facts.failures) - 1} more)" if len(facts.failures) > 1 else ""
        return State.FAILED, facts.failures[0] + more
    if facts.gave_up:
        return State.FAILED, facts.gave_up
    if desired == 0:
        present = facts.present if facts.present is not None else running + facts.pending
        if present == 0:
            return State.STOPPED, ""
        return State.PROGRESSING, facts.progress or f"stopping: {present} replicas left"
    if running >= desired and not facts.rolling:
        return State.HEALTHY, ""
    if facts.rolling:
        return State.PROGRESSING, facts.progress or facts.waiting or f"rolling out: {running} of {desired} running"
    if running > 0:
        return State.DEGRADED, facts.waiting or f"{desired - running} of {desired} replicas not running"
    return State.PENDING, facts.waiting or f"0 of {desired} replicas running"


def service_status(name: str, facts: Facts | None, *, desired: int = 0, **fields: Any) -> ServiceStatus:
    """The ServiceStatus of ``name``: counts from ``facts`` (``desired`` when missing), state and
    message from :func:`classify`; ``fields`` fill the rest (image, revision, endpoints, extra)."""
    state, message = classify(facts)
    if facts is None:
        return ServiceStatus(name, state, desired=desired, message=message, **fields)
    return ServiceStatus(name, state, desired=facts.desired, running=facts.running, pending=facts.pending,
                         failed=facts.failed, message=message, **fields)


def app_state(states: Iterable[State]) -> State:
    """The app's state from its services' (see the module docstring)."""
    found = set(states)
    if not found:
        return State.MISSING
    serving = found - {State.STOPPED}
    if not serving:
        return State.STOPPED
    return next(s for s in WORST_FIRST if s in serving)

"""Azure status: each service's container groups (one per replica) mapped onto the common model.

Per group: ``provisioningState`` Failed, or a container crash-looping (restarted and not running,
or a BackOff / CrashLoopBackOff event or state) makes it *failed*; a group whose instance view says
Stopped is *stopped*; a group whose containers all run (provisioning Succeeded) is *running*;
anything else is *pending*. Per service:

- desired: the ``cloudorch-replicas`` tag the groups were deployed or scaled with (the highest one
  seen), else the spec's replicas; 0 when ``scale SERVICE=0`` stopped the last group;
- state: by the kit's one precedence (:func:`cloudorch.live.health.classify`) from these facts:
  running groups; failures: why each failed replica failed (e.g. ``CrashLoopBackOff``); rolling
  while a group is being created or updated, or more groups exist than desired;
- image: the main container's (named after the service); revision: a short hash of the group's
  managed body (:func:`providers.azure.live.compare.revision`), comma-separated when replicas differ;
- endpoints: ``ip:port`` and ``fqdn:port`` of each running group's public ports.
"""

from __future__ import annotations

from typing import Any

from cloudorch.live import health
from cloudorch.provider import AppStatus, ServiceStatus
from cloudorch.spec.models import App
from cloudorch_providers.azure.live.compare import revision
from cloudorch_providers.azure.live.plan import failure_reason
from cloudorch_providers.azure.live.state import REPLICAS_TAG, Live, is_stopped, props, replica_of, service_of, tags_of

CRASH_WORDS = ("backoff", "crashloop")


def _view(container: dict[str, Any]) -> dict[str, Any]:
    return (container.get("properties") or {}).get("instanceView") or {}


def crash_reason(group: dict[str, Any]) -> str | None:
    """Why a container of the group is crash-looping, or None."""
    for container in props(group).get("containers") or []:
        view = _view(container)
        current = view.get("currentState") or {}
        restarts = int(view.get("restartCount") or 0)
        state, detail = current.get("state") or "", current.get("detailStatus") or ""
        backoff = [e for e in view.get("events") or []
                   if any(w in (e.get("name") or "").lower() for w in CRASH_WORDS)]
        if state == "Running":
            continue  # running now, whatever happened before
        if (restarts > 0 and state != "Running") or backoff or any(w in detail.lower() for w in CRASH_WORDS):
            previous = view.get("previousState") or current
            code = previous.get("exitCode")
            exit_text = f", exit code {code}" if code is not None else ""
            return (f"container {container['name']} of {group['name']}: CrashLoopBackOff "
                    f"(restarted {restarts} times{exit_text})")
        if state == "Waiting" and "errimagepull" in detail.lower().replace(" ", ""):
            return f"container {container['name']} of {group['name']}: {detail}"
    return None


def group_phase(group: dict[str, Any]) -> tuple[str, str]:
    """``(phase, reason)``: phase is running | failed | stopped | progressing | pending."""
    state = props(group).get("provisioningState") or ""
    if state == "Failed":
        return "failed", f"{group['name']}: {failure_reason(group)}"
    crash = crash_reason(group)
    if crash:
        return "failed", crash
    if is_stopped(group):
        return "stopped", ""
    containers = props(group).get("containers") or []
    if state == "Succeeded" and containers and all(
            (_view(c).get("currentState") or {}).get("state") == "Running" for c in containers):
        return "running", ""
    if state in ("Creating", "Updating", "Pending", "Repairing"):
        return "progressing", ""
    return "pending", ""


def _endpoints(group: dict[str, Any]) -> list[str]:
    ip = props(group).get("ipAddress") or {}
    if (ip.get("type") or "").lower() != "public":
        return []
    found = []
    for port in ip.get("ports") or []:
        if ip.get("ip"):
            found.append(f"{ip['ip']}:{port['port']}")
        if ip.get("fqdn"):
            found.append(f"{ip['fqdn']}:{port['port']}")
    return found


def service_status(app: App, name: str, groups: list[dict[str, Any]]) -> ServiceStatus:
    spec = app.services.get(name)
    spec_count = spec.desired_replicas if spec else 0
    if not groups:
        return health.service_status(name, None, desired=spec_count)
    groups = sorted(groups, key=replica_of)
    counts = [int(t) for t in (tags_of(g).get(REPLICAS_TAG) for g in groups) if t and t.isdigit()]
    desired = max(counts) if counts else spec_count
    phases = [(g, *group_phase(g)) for g in groups]
    running = [g for g, phase, _ in phases if phase == "running"]
    failed = [(g, reason) for g, phase, reason in phases if phase == "failed"]
    stopped = [g for g, phase, _ in phases if phase == "stopped"]
    progressing = [g for g, phase, _ in phases if phase == "progressing"]
    revisions = list(dict.fromkeys(revision(g) for g in groups))
    main = next((c for c in props(groups[0]).get("containers") or [] if c.get("name") == name),
                (props(groups[0]).get("containers") or [{}])[0])
    # the facts; the state follows by the kit's one precedence (cloudorch.live.health)
    facts = health.Facts(
        desired=desired, running=len(running), failed=len(failed), failures=[reason for _, reason in failed],
        pending=len(groups) - len(running) - len(failed) - len(stopped),
        rolling=bool(progressing) or len(groups) > desired, present=len(running),
        progress=f"{len(running)} of {desired} replicas running; {len(progressing)} being provisioned"
        if progressing else "",
        waiting=f"{len(running)} of {desired} replicas running",
    )
    return health.service_status(
        name, facts, image=(main.get("properties") or {}).get("image", ""), revision=",".join(revisions),
        endpoints=[e for g in running for e in _endpoints(g)],
        extra={"groups": {g["name"]: phase for g, phase, _ in phases}},
    )


def app_status(app: App, live: Live, names: list[str]) -> AppStatus:
    by_service: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for group in live.owned_groups(app.name, names).values():
        by_service.setdefault(service_of(group) or "", []).append(group)
    return AppStatus(app.name, "azure", [service_status(app, n, by_service[n]) for n in names])

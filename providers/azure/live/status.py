"""Azure status: each service's container groups (one per replica) mapped onto the common model.

Per group: ``provisioningState`` Failed, or a container crash-looping (restarted and not running,
or a BackOff / CrashLoopBackOff event or state) makes it *failed*; a group whose instance view says
Stopped is *stopped*; a group whose containers all run (provisioning Succeeded) is *running*;
anything else is *pending*. Per service:

- desired: the ``cloudorch-replicas`` tag the groups were deployed or scaled with (the highest one
  seen), else the spec's replicas; 0 when ``scale SERVICE=0`` stopped the last group;
- state: MISSING without groups; STOPPED at desired 0; FAILED when a replica failed (the message
  says why, e.g. ``CrashLoopBackOff``); HEALTHY when ``desired`` groups run and no other exists;
  PROGRESSING while a group is being created or updated; DEGRADED when some run; else PENDING;
- image: the main container's (named after the service); revision: a short hash of the group's
  managed body (:func:`providers.azure.live.compare.revision`), comma-separated when replicas differ;
- endpoints: ``ip:port`` and ``fqdn:port`` of each running group's public ports; in the app's private
  network, the Application Gateway's public IP and DNS name with the service's public ports;
- in the private network, a HEALTHY service whose A record set does not list exactly its running
  groups' IPs is DEGRADED (its name would not reach every replica); ``extra["dns"]`` shows the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudorch.provider import AppStatus, ServiceStatus, State
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
        return ServiceStatus(name, State.MISSING, desired=spec_count, message="not deployed")
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
    status = ServiceStatus(
        name, State.PENDING, desired=desired, running=len(running), failed=len(failed),
        pending=len(groups) - len(running) - len(failed) - len(stopped),
        image=(main.get("properties") or {}).get("image", ""),
        revision=",".join(revisions),
        endpoints=[e for g in running for e in _endpoints(g)],
        extra={"groups": {g["name"]: phase for g, phase, _ in phases}},
    )
    if failed:
        status.state = State.FAILED
        status.message = failed[0][1]
    elif desired == 0:
        status.state = State.STOPPED if not running else State.PROGRESSING
    elif len(running) >= desired and len(groups) == desired:
        status.state = State.HEALTHY
    elif progressing:
        status.state = State.PROGRESSING
        status.message = f"{len(running)} of {desired} replicas running; {len(progressing)} being provisioned"
    elif running:
        status.state = State.DEGRADED
        status.message = f"{len(running)} of {desired} replicas running"
    else:
        status.message = f"0 of {desired} replicas running"
    return status


@dataclass
class NetworkView:
    """The private network as status sees it: the zone's A records and the gateway's public IP."""

    zone: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway: dict[str, Any] | None = None


def _network_checks(app: App, status: ServiceStatus, groups: list[dict[str, Any]], view: NetworkView) -> None:
    """Public endpoints through the gateway; a service's name must resolve to its running groups."""
    spec = app.services.get(status.name)
    if spec is None:
        return
    public = [p.port for p in spec.ports if p.public]
    address = props(view.gateway or {})
    if public and address.get("ipAddress"):
        fqdn = (address.get("dnsSettings") or {}).get("fqdn")
        status.endpoints = [e for port in public for e in (f"{address['ipAddress']}:{port}",
                                                            *([f"{fqdn}:{port}"] if fqdn else []))]
    if not spec.ports or status.state is not State.HEALTHY:
        return
    running = sorted((props(g).get("ipAddress") or {}).get("ip") or ""
                     for g in groups if group_phase(g)[0] == "running")
    record = view.records.get(status.name)
    listed = sorted(r.get("ipv4Address") for r in props(record or {}).get("aRecords") or [])
    fqdn = f"{status.name}.{view.zone}"
    status.extra["dns"] = {fqdn: listed}
    if listed != running:
        status.state = State.DEGRADED
        status.message = (f"{fqdn} resolves to {', '.join(listed) or 'nothing'} but the running groups have "
                          f"{', '.join(running)}: run deploy to bring the record in step")


def app_status(app: App, live: Live, names: list[str], view: NetworkView | None = None) -> AppStatus:
    by_service: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for group in live.owned_groups(app.name, names).values():
        by_service.setdefault(service_of(group) or "", []).append(group)
    statuses = []
    for name in names:
        status = service_status(app, name, by_service[name])
        if view is not None:
            _network_checks(app, status, by_service[name], view)
        statuses.append(status)
    return AppStatus(app.name, "azure", statuses)

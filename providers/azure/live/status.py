"""Azure status: each service's container groups (one per replica) mapped onto the common model.

Per group: ``provisioningState`` Failed, or a container crash-looping (restarted and not running,
or a BackOff / CrashLoopBackOff event or state) makes it *failed*; a group whose instance view says
Stopped is *stopped*; a group whose containers all run (provisioning Succeeded) is *running*;
anything else is *pending*. Per service, the facts for the kit's classifier
(:mod:`cloudorch.live.health`, which decides the state by its one precedence):

- desired: the ``cloudorch-replicas`` tag the groups were deployed or scaled with (the highest one
  seen), else the spec's replicas; 0 when ``scale SERVICE=0`` stopped the last group;
- running: the running groups; in the app's private network only those whose IP the service's A
  record lists (a replica its name does not reach does not serve; the message says which record to
  bring in step, and ``extra["dns"]`` shows it); failures: why groups failed (``CrashLoopBackOff``,
  provisioning failed ...); rolling: a group being provisioned, or more groups than desired;
- gave up: a rolling update put a group back to the previous revision because the revision the spec
  asks for failed there (:mod:`.rolling`): FAILED, saying why and which revision serves;
- image: the main container's (named after the service); revision: a short hash of the group's
  managed body (:func:`providers.azure.live.compare.revision`), comma-separated when replicas differ;
- endpoints: ``ip:port`` and ``fqdn:port`` of each running group's public ports; in the app's private
  network, the Application Gateway's public IP and DNS name with the service's public ports.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from cloudorch.live.health import Facts
from cloudorch.live.health import service_status as health_status
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


@dataclass
class NetworkView:
    """The private network as status sees it: the zone's A records and the gateway's public IP."""

    zone: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway: dict[str, Any] | None = None


def _ip(group: dict[str, Any]) -> str:
    return (props(group).get("ipAddress") or {}).get("ip") or ""


def gave_up(groups: list[dict[str, Any]], wanted: str | None) -> str:
    """Why the revision the spec asks for (``wanted``) was given up: a rolling update put a group back
    to the previous revision after it failed there (its tags say so, :mod:`.rolling`); "" if not."""
    from cloudorch_providers.azure.live.rolling import FAILED_REASON_TAG, FAILED_TAG

    failed = [g for g in groups if wanted and tags_of(g).get(FAILED_TAG) == wanted]
    if not failed:
        return ""
    serving = ", ".join(dict.fromkeys(revision(g) for g in groups))
    why = tags_of(failed[0]).get(FAILED_REASON_TAG) or "no reason recorded"
    return (f"new revision {wanted} failed on {failed[0]['name']} ({why}) and was rolled back; "
            f"revision {serving} is serving now")


def facts_of(app: App, name: str, groups: list[dict[str, Any]], view: NetworkView | None,
             wanted: str | None = None) -> Facts:
    """What status read about one service's groups, in the kit's terms (:mod:`cloudorch.live.health`).
    In the private network a running group counts only when the service's name resolves to it.
    ``wanted``: the revision the spec asks for (a rolled-back one is given up)."""
    spec = app.services.get(name)
    counts = [int(t) for t in (tags_of(g).get(REPLICAS_TAG) for g in groups) if t and t.isdigit()]
    desired = max(counts) if counts else (spec.desired_replicas if spec else 0)
    phases = [(g, *group_phase(g)) for g in groups]
    running = [g for g, phase, _ in phases if phase == "running"]
    failures = [reason for _, phase, reason in phases if phase == "failed"]
    stopped = [g for g, phase, _ in phases if phase == "stopped"]
    progressing = [g for g, phase, _ in phases if phase == "progressing"]
    waiting = ""
    if view is not None and spec is not None and spec.ports and running:
        fqdn = f"{name}.{view.zone}"
        listed = sorted((r.get("ipv4Address") for r in props(view.records.get(name) or {}).get("aRecords") or []),
                        key=ipaddress.ip_address)
        named = [g for g in running if _ip(g) in listed]
        if len(named) < len(running):
            have = ", ".join(sorted((_ip(g) for g in running), key=ipaddress.ip_address))
            waiting = (f"{fqdn} resolves to {', '.join(listed) or 'nothing'} but the running groups have {have}: "
                       "run deploy to bring the record in step")
            running = named
    present = len(groups) - len(stopped)
    return Facts(desired=desired, running=len(running), failed=len(failures), failures=failures,
                 gave_up=gave_up(groups, wanted),
                 pending=present - len(running) - len(failures),
                 rolling=bool(progressing) or present > desired, present=present, waiting=waiting,
                 progress=f"{len(running)} of {desired} replicas running; {len(progressing)} being provisioned"
                 if progressing else "")


def service_status(app: App, name: str, groups: list[dict[str, Any]], view: NetworkView | None = None,
                   wanted: str | None = None) -> ServiceStatus:
    if not groups:
        spec = app.services.get(name)
        return health_status(name, None, desired=spec.desired_replicas if spec else 0)
    groups = sorted(groups, key=replica_of)
    facts = facts_of(app, name, groups, view, wanted)
    main = next((c for c in props(groups[0]).get("containers") or [] if c.get("name") == name),
                (props(groups[0]).get("containers") or [{}])[0])
    running = [g for g in groups if group_phase(g)[0] == "running"]
    extra: dict[str, Any] = {"groups": {g["name"]: group_phase(g)[0] for g in groups}}
    if view is not None and name in view.records:
        extra["dns"] = {f"{name}.{view.zone}": sorted(r.get("ipv4Address") for r in
                                                       props(view.records[name]).get("aRecords") or [])}
    return health_status(name, facts, image=(main.get("properties") or {}).get("image", ""),
                         revision=",".join(dict.fromkeys(revision(g) for g in groups)),
                         endpoints=_service_endpoints(app, name, running, view), extra=extra)


def _service_endpoints(app: App, name: str, running: list[dict[str, Any]], view: NetworkView | None) -> list[str]:
    """Each running group's public endpoints; in the private network the gateway's, with the
    service's public ports."""
    spec = app.services.get(name)
    if view is None or spec is None:
        return [e for g in running for e in _endpoints(g)]
    public = [p.outside for p in spec.ports if p.public]  # the gateway listens on the published numbers
    address = props(view.gateway or {})
    if not public or not address.get("ipAddress"):
        return []
    fqdn = (address.get("dnsSettings") or {}).get("fqdn")
    return [e for port in public for e in (f"{address['ipAddress']}:{port}", *([f"{fqdn}:{port}"] if fqdn else []))]


def app_status(app: App, live: Live, names: list[str], view: NetworkView | None = None,
               wanted: dict[str, str] | None = None) -> AppStatus:
    """``wanted``: service -> the revision of the group body the spec renders."""
    wanted = wanted or {}
    by_service: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for group in live.owned_groups(app.name, names).values():
        by_service.setdefault(service_of(group) or "", []).append(group)
    return AppStatus(app.name, "azure", [service_status(app, n, by_service[n], view, wanted.get(n)) for n in names])

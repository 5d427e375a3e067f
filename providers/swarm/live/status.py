"""Service state from Swarm's own facts: the service's replica count and update status, and its tasks.

A task counts as running when Swarm wants it running and it is (a task with a healthcheck is in state
``starting`` until the check passes, so running means healthy). Per spec service, its sidecar
services (if any) are folded in: the worst state wins and their problems are named.

- no service: MISSING;
- update status ``rollback_started``/``rollback_completed``/``rollback_paused``/``paused``: FAILED (the last
  deploy's update failed and Swarm rolled it back or stopped it), with Swarm's message; once the app
  spec asks for what the rollback restores (the live spec equals the wanted one), a rollback going
  on counts as an update in progress and a completed one is history: the tasks decide;
- 0 replicas and nothing running: STOPPED;
- as many running as desired and no update going on: HEALTHY;
- fewer running, and at least ``FAILURES`` tasks failed or were rejected since the service last
  changed: FAILED, with the newest task error (e.g. ``No such image``, a non-zero exit, unhealthy);
- an update going on, or some running: PROGRESSING; none yet: PENDING (with the pending task's reason,
  e.g. ``no suitable node (insufficient resources on 1 node)``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cloudorch.provider import AppStatus, ServiceStatus, State
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_name
from cloudorch_providers.swarm.live.state import Live, owned

FAILURES = 2
_FAILED = ("failed", "rejected")
_STARTING = ("new", "pending", "assigned", "accepted", "preparing", "ready", "starting")
_WORST = [State.FAILED, State.MISSING, State.DEGRADED, State.PENDING, State.PROGRESSING, State.STOPPED, State.HEALTHY]


def _time(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    head, _, rest = text.rstrip("Z").partition(".")
    fraction = (rest[:6] if rest else "0").ljust(6, "0")
    return dt.datetime.fromisoformat(f"{head}.{fraction}+00:00")


def _error(task: dict[str, Any]) -> str:
    status = task.get("Status") or {}
    return (status.get("Err") or status.get("Message") or status.get("State") or "").strip()


def swarm_service_status(name: str, service: dict[str, Any] | None, tasks: list[dict[str, Any]],
                         as_specified: bool = False) -> ServiceStatus:
    """``as_specified``: the live spec is what the app spec asks for (a rollback is then history)."""
    if service is None:
        return ServiceStatus(name, State.MISSING, message="not deployed")
    spec = service["Spec"]
    desired = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas", 0)
    image = spec["TaskTemplate"]["ContainerSpec"]["Image"]
    mine = [t for t in tasks if t.get("ServiceID") == service["ID"]]
    running = [t for t in mine if t.get("DesiredState") == "running" and t["Status"]["State"] == "running"]
    starting = [t for t in mine if t.get("DesiredState") == "running" and t["Status"]["State"] in _STARTING]
    since = _time(service.get("UpdatedAt"))
    failed = sorted((t for t in mine if t["Status"]["State"] in _FAILED and _time(t.get("CreatedAt")) >= since),
                    key=lambda t: _time(t["Status"].get("Timestamp")))
    update = service.get("UpdateStatus") or {}
    state_text = update.get("State", "")
    status = ServiceStatus(name, State.PENDING, desired=desired, running=len(running), pending=len(starting),
                           failed=len(failed), image=image, revision=str(service["Version"]["Index"]))
    if state_text in ("rollback_started", "rollback_completed", "rollback_paused", "paused") and not (
            as_specified and state_text in ("rollback_started", "rollback_completed")):
        why = update.get("Message") or state_text
        last = f" (last task error: {_error(failed[-1])})" if failed else ""
        status.state, status.message = State.FAILED, f"update {state_text.replace('_', ' ')}: {why}{last}"
        return status
    updating = state_text in ("updating", "rollback_started")
    if desired == 0 and not running:
        status.state = State.STOPPED
    elif len(running) >= desired and not updating:
        status.state = State.HEALTHY
    elif len(failed) >= FAILURES:
        status.state, status.message = State.FAILED, _error(failed[-1])
    elif updating or running:
        status.state = State.PROGRESSING
        status.message = f"update {state_text}" if updating else ""
    else:
        status.state = State.PENDING
        waiting = sorted(starting, key=lambda t: _time(t["Status"].get("Timestamp")))
        status.message = _error(waiting[-1]) if waiting else ""
    return status


def _combine(main: ServiceStatus, sidecars: list[ServiceStatus]) -> ServiceStatus:
    for side in sidecars:
        if _WORST.index(side.state) < _WORST.index(main.state):
            main.state = side.state
            main.message = f"sidecar service {side.name}: {side.state}" + (f" ({side.message})" if side.message else "")
    return main


def endpoints(app: App, name: str, service: dict[str, Any], tasks: list[dict[str, Any]],
              nodes: dict[str, dict[str, Any]], host: str) -> list[str]:
    spec_ports = {p.port: p for p in app.services[name].ports if p.public}
    if not spec_ports:
        return []
    found: list[str] = []

    def add(address: str, target: int, published: int) -> None:
        port = spec_ports.get(target)
        scheme = "http" if port is not None and port.protocol == "http" else (port.protocol if port else "tcp")
        url = f"{scheme}://{address}:{published}"
        if url not in found:
            found.append(url)

    for task in tasks:
        if task.get("ServiceID") != service["ID"] or task["Status"]["State"] != "running":
            continue
        node = nodes.get(task.get("NodeID", ""), {})
        address = (node.get("Status") or {}).get("Addr") or host or "127.0.0.1"
        if address == "0.0.0.0":
            address = host or "127.0.0.1"
        for port in ((task["Status"].get("PortStatus") or {}).get("Ports") or []):
            if port.get("PublishMode") == "host":
                add(address, port["TargetPort"], port["PublishedPort"])
    for port in ((service.get("Endpoint") or {}).get("Ports") or []):
        if port.get("PublishMode", "ingress") == "ingress":
            managers = [n for n in nodes.values() if n.get("ManagerStatus")]
            address = host or (managers[0]["ManagerStatus"].get("Addr", "127.0.0.1").rsplit(":", 1)[0]
                               if managers else "127.0.0.1")
            add(address, port["TargetPort"], port["PublishedPort"])
    return found


def app_status(app: App, live: Live, tasks: list[dict[str, Any]], nodes: dict[str, dict[str, Any]],
               names: list[str], host: str, as_specified: frozenset[str] = frozenset()) -> AppStatus:
    """``as_specified``: the Swarm services whose live spec is what the app spec asks for."""
    status = AppStatus(app.name, "swarm")
    for name in names:
        main_name = service_name(app.name, name)
        service = live.services.get(main_name)
        if service is not None and not owned(service["Spec"].get("Labels"), app.name):
            service = None
        main = swarm_service_status(name, service, tasks, main_name in as_specified)
        if service is not None:
            main.endpoints = endpoints(app, name, service, tasks, nodes, host)
            main.extra["service"] = main_name
        sides = [swarm_service_status(service_name(app.name, name, side.name),
                                      live.services.get(service_name(app.name, name, side.name)), tasks,
                                      service_name(app.name, name, side.name) in as_specified)
                 for side in app.services[name].sidecars]
        status.services.append(_combine(main, sides))
    return status

"""Service state from Swarm's own facts, classified by the kit (:mod:`cloudorch.live.health`).

What Swarm says, as :class:`~cloudorch.live.health.Facts`:

- ``running``: tasks Swarm wants running that run the service's current container spec (a task with a
  healthcheck is ``starting`` until the check passes, so running means healthy); running tasks of an
  older spec mean a rollout is under way (``rolling``), as does update status ``updating``;
- ``failures``: at least ``FAILURES`` tasks failed or were rejected since the service last changed
  while fewer than desired run (``No such image``, a non-zero exit, unhealthy);
- ``gave_up``: update status ``rollback_started``/``rollback_completed``/``rollback_paused``/``paused``:
  the deploy's update failed and Swarm rolled it back or stopped it. Once the app spec asks for what the
  rollback restores (the live spec equals the wanted one), a rollback going on is a rollout and a
  completed one is history;
- ``waiting``: the newest pending task's reason (``no suitable node (insufficient resources on 1 node)``).

Per spec service, its sidecar services are folded in: the worst state wins and is named.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cloudorch.live.health import WORST_FIRST, Facts, service_status
from cloudorch.provider import AppStatus, ServiceStatus, State
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_name
from cloudorch_providers.swarm.live.state import Live, owned

FAILURES = 2
_FAILED = ("failed", "rejected")
_STARTING = ("new", "pending", "assigned", "accepted", "preparing", "ready", "starting")
_WORST = [*WORST_FIRST[:-1], State.STOPPED, State.HEALTHY]


def _time(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    head, _, rest = text.rstrip("Z").partition(".")
    fraction = (rest[:6] if rest else "0").ljust(6, "0")
    return dt.datetime.fromisoformat(f"{head}.{fraction}+00:00")


def _error(task: dict[str, Any]) -> str:
    status = task.get("Status") or {}
    return (status.get("Err") or status.get("Message") or status.get("State") or "").strip()


def facts(service: dict[str, Any], tasks: list[dict[str, Any]], as_specified: bool = False) -> Facts:
    """What Swarm says about one service, in the kit's terms (``as_specified``: the live spec is what the
    app spec asks for, so a rollback going on restores it and a completed one is history)."""
    spec = service["Spec"]
    desired = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas", 0)
    template = spec.get("TaskTemplate") or {}
    mine = [t for t in tasks if t.get("ServiceID") == service["ID"]]
    wanted = [t for t in mine if t.get("DesiredState") == "running"]
    running = [t for t in wanted if t["Status"]["State"] == "running"]
    current = [t for t in running if _current(t, template)]
    starting = [t for t in wanted if t["Status"]["State"] in _STARTING]
    since = _time(service.get("UpdatedAt"))
    failed = sorted((t for t in mine if t["Status"]["State"] in _FAILED and _time(t.get("CreatedAt")) >= since),
                    key=lambda t: _time(t["Status"].get("Timestamp")))
    update = service.get("UpdateStatus") or {}
    state = update.get("State", "")
    gave_up = ""
    if state in ("rollback_started", "rollback_completed", "rollback_paused", "paused") and not (
            as_specified and state in ("rollback_started", "rollback_completed")):
        last = f" (last task error: {_error(failed[-1])})" if failed else ""
        gave_up = f"update {state.replace('_', ' ')}: {update.get('Message') or state}{last}"
    failures = [_error(failed[-1])] if len(failed) >= FAILURES and len(current) < desired else []
    rolling = state in ("updating", "rollback_started") or len(current) < len(running)
    waiting = sorted(starting, key=lambda t: _time(t["Status"].get("Timestamp")))
    return Facts(desired=desired, running=len(current), pending=len(starting), failed=len(failed),
                 failures=failures, gave_up=gave_up, rolling=rolling, present=len(running) + len(starting),
                 progress=f"update {state}: {len(current)} of {desired} running the new spec" if rolling else "",
                 waiting=_error(waiting[-1]) if waiting else "")


def _current(task: dict[str, Any], template: dict[str, Any]) -> bool:
    """Whether a task runs the service's current task template (not an old one an update replaces)."""
    spec = task.get("Spec") or {}
    return (spec.get("ContainerSpec") == template.get("ContainerSpec")
            and (spec.get("ForceUpdate") or 0) == (template.get("ForceUpdate") or 0))


def swarm_service_status(name: str, service: dict[str, Any] | None, tasks: list[dict[str, Any]],
                         as_specified: bool = False) -> ServiceStatus:
    if service is None:
        return service_status(name, None)
    spec = service["Spec"]
    return service_status(name, facts(service, tasks, as_specified),
                          image=spec["TaskTemplate"]["ContainerSpec"]["Image"],
                          revision=str(service["Version"]["Index"]))


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

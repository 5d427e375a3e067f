"""Swarm logs: ``GET /services/{id}/logs`` of each service (and its sidecar services), merged.

Asked with ``timestamps`` and ``details``: each line starts with the engine's RFC 3339 time and the
``com.docker.swarm.task.id=...`` attributes; the task id gives the replica (the task's slot, from one
``GET /tasks`` call). ``tail`` goes to the engine per service (the last N overall are among every
service's last N; the engine keeps the last N overall), ``since`` as a Unix time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cloudorch.provider import LogLine
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_name
from cloudorch_providers.swarm.live.clients import Engine, docker_errors
from cloudorch_providers.swarm.live.state import Live, owned, read_tasks
from cloudorch_providers.swarm.live.status import _time


def parse(raw: bytes, slots: dict[str, str]) -> list[tuple[dt.datetime, str, str]]:
    """(time, replica, message) of each line of one log frame."""
    out = []
    for line in raw.decode(errors="replace").splitlines():
        stamp, _, rest = line.partition(" ")
        details, _, message = rest.partition(" ")
        attrs = dict(item.split("=", 1) for item in details.split(",") if "=" in item)
        if "com.docker.swarm.task.id" not in attrs:  # no details: the whole rest is the message
            message, attrs = rest, {}
        task = attrs.get("com.docker.swarm.task.id", "")
        out.append((_time(stamp), slots.get(task, task[:12] or "?"), message))
    return out


def read_logs(engine: Engine, app: App, live: Live, services: Sequence[str], since: dt.datetime | None,
              tail: int | None) -> list[LogLine]:
    targets: list[tuple[str, str, dict[str, Any]]] = []  # (spec service, container, swarm service)
    for name in services:
        for container, full in [("main", service_name(app.name, name))] + [
                (side.name, service_name(app.name, name, side.name)) for side in app.services[name].sidecars]:
            service = live.services.get(full)
            if service is not None and owned(service["Spec"].get("Labels"), app.name):
                targets.append((name, container, service))
    tasks = read_tasks(engine, [s["ID"] for _, _, s in targets])
    slots = {t["ID"]: str(t.get("Slot", "?")) for t in tasks}
    lines: list[LogLine] = []
    for name, container, service in targets:
        options: dict[str, Any] = {"details": True, "stdout": True, "stderr": True, "timestamps": True,
                                   "follow": False}
        if tail:
            options["tail"] = tail
        if since is not None:
            options["since"] = int(since.timestamp())
        with docker_errors(f"reading the logs of service {service['Spec']['Name']}", engine):
            for frame in engine.api.service_logs(service["ID"], **options):
                for when, replica, message in parse(frame, slots):
                    if since is None or when >= since:
                        lines.append(LogLine(when, name, replica, container, message))
    return lines

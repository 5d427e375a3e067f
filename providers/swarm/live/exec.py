"""Swarm exec and events, through the Docker engine API the provider already uses (docker SDK).

exec: the task's container on the engine cloudorch talks to: ``POST /containers/{id}/exec`` then
``POST /exec/{id}/start`` with the connection hijacked (stdin written to it, half-closed at end of
input; stdout/stderr read as the engine's multiplexed frames, or raw with a terminal), the exit code from
``GET /exec/{id}/json``, resizes by ``POST /exec/{id}/resize``. A replica is a task slot (``1``), or a task
or container id (prefix). A task on another node of the swarm is out of reach of this engine: the error
says which node and to point DOCKER_HOST (``providers.swarm.host``) at it.

events: each task's state transitions as the tasks report them (the current state with its time,
message and error), plus the engine's events (``GET /events``) for the app's services and their
containers (create, start, die with exit code, kill, oom, health status), merged by time.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, UsageError
from cloudorch.remote import STDERR, STDOUT, Event, ExecChannel, ExecRequest
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_name
from cloudorch_providers.swarm.live.clients import Engine, docker_errors
from cloudorch_providers.swarm.live.state import Live, owned, read_tasks
from cloudorch_providers.swarm.live.status import _time


def _swarm_service(app: App, live: Live, request: ExecRequest) -> tuple[dict[str, Any], str]:
    service = app.services[request.service]
    containers = ["main", *(side.name for side in service.sidecars)]
    container = request.container or "main"
    if container in (request.service, "main"):
        container = "main"
    elif container not in containers:
        raise UsageError(f"service {request.service} has no container {container!r} "
                         f"(containers: {', '.join([request.service, *containers[1:]])})")
    name = service_name(app.name, request.service, None if container == "main" else container)
    found = live.services.get(name)
    if found is None or not owned(found["Spec"].get("Labels"), app.name):
        raise ProviderError(f"swarm service {name} of app {app.name} does not exist; deploy it first")
    return found, request.service if container == "main" else container


def pick_task(engine: Engine, app: App, live: Live, request: ExecRequest) -> tuple[dict[str, Any], str]:
    swarm_service, container = _swarm_service(app, live, request)
    tasks = sorted(read_tasks(engine, [swarm_service["ID"]]), key=lambda t: (t.get("Slot") or 0, t["ID"]))
    running = [t for t in tasks if (t.get("Status") or {}).get("State") == "running"
               and (t.get("DesiredState") == "running")]
    if request.replica:
        wanted = request.replica

        def matches(task: dict[str, Any]) -> bool:
            cid = ((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID", "")
            return wanted == str(task.get("Slot")) or task["ID"].startswith(wanted) or bool(cid) and \
                cid.startswith(wanted)

        chosen = [t for t in tasks if matches(t)]
        if not chosen:
            slots = sorted({str(t.get("Slot")) for t in running})
            raise UsageError(f"service {request.service} has no replica {wanted!r} (running slots: "
                             f"{', '.join(slots) or 'none'})")
        running = [t for t in chosen if t in running]
        if not running:
            raise ProviderError(f"replica {wanted} of service {request.service} is not running; see "
                                "`cloudorch status` and `cloudorch events`")
    if not running:
        raise ProviderError(f"service {request.service} has no running replica; see `cloudorch status` and "
                            "`cloudorch events`")
    task = running[0]
    with docker_errors("reading the engine's swarm node", engine):
        here = (engine.api.info().get("Swarm") or {}).get("NodeID")
    if task.get("NodeID") and here and task["NodeID"] != here:
        raise ProviderError(f"task {task['ID'][:12]} of service {request.service} runs on swarm node "
                            f"{task['NodeID'][:12]}, not on the engine cloudorch reaches; point DOCKER_HOST "
                            "(providers.swarm.host) at that node's engine to exec there")
    return task, container


class SwarmExecChannel(ExecChannel):
    """The hijacked connection of one exec instance."""

    def __init__(self, engine: Engine, exec_id: str, sock: Any, tty: bool, where: str):
        self.engine, self.exec_id, self.tty, self.where = engine, exec_id, tty, where
        self.sock = getattr(sock, "_sock", sock)
        self.sock.settimeout(None)  # the command runs as long as it runs
        self._code: int | None = None

    def output(self) -> Iterator[tuple[int, bytes]]:
        from docker.utils.socket import frames_iter

        try:
            for stream, data in frames_iter(self.sock, self.tty):
                yield (STDERR if stream == 2 else STDOUT), data
        except OSError:
            pass  # the engine closed the connection: the command ended
        self._code = self._exit_code()

    def _exit_code(self) -> int | None:
        engine = self.engine.bound(Deadline(30.0))  # the command may have outlived the command's deadline
        for _ in range(50):  # the engine marks the exec ended a moment after the stream closes
            with docker_errors(f"reading how the command in {self.where} ended", engine):
                inspected = engine.api.exec_inspect(self.exec_id)
            if not inspected.get("Running"):
                return inspected.get("ExitCode")
            time.sleep(0.1)
        return None

    def send_stdin(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_stdin(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def resize(self, width: int, height: int) -> None:
        engine = self.engine.bound(Deadline(10.0))
        with docker_errors(f"resizing the terminal of {self.where}", engine):
            engine.api.exec_resize(self.exec_id, height=height, width=width)

    @property
    def exit_code(self) -> int | None:
        return self._code

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def open_exec(engine: Engine, app: App, live: Live, request: ExecRequest) -> SwarmExecChannel:
    task, container = pick_task(engine, app, live, request)
    container_id = task["Status"]["ContainerStatus"]["ContainerID"]
    where = f"task {task['ID'][:12]} (slot {task.get('Slot')}), container {container}"
    with docker_errors(f"starting the command in {where}", engine):
        created = engine.api.exec_create(container_id, list(request.command), stdout=True, stderr=True,
                                         stdin=request.stdin, tty=request.tty)
        sock = engine.api.exec_start(created["Id"], tty=request.tty, socket=True)
    channel = SwarmExecChannel(engine, created["Id"], sock, request.tty, where)
    if request.tty:
        channel.resize(request.width, request.height)
    return channel


def read_events(engine: Engine, app: App, live: Live, since: dt.datetime | None) -> list[Event]:
    owners: dict[str, tuple[str, str]] = {}  # swarm service name -> (spec service, container)
    for name, service in app.services.items():
        owners[service_name(app.name, name)] = (name, name)
        for side in service.sidecars:
            owners[service_name(app.name, name, side.name)] = (name, side.name)
    ours = {n: s for n, s in live.services.items() if n in owners and owned(s["Spec"].get("Labels"), app.name)}
    by_id = {s["ID"]: n for n, s in ours.items()}
    events: list[Event] = []
    for task in read_tasks(engine, list(by_id)):
        status = task.get("Status") or {}
        name = by_id.get(task.get("ServiceID", ""), "")
        service, _container = owners.get(name, ("", ""))
        message = status.get("Err") or status.get("Message") or ""
        state = status.get("State", "")
        events.append(Event(_time(status.get("Timestamp") or task.get("UpdatedAt")), service,
                            f"Task/{name}.{task.get('Slot', '')}.{task['ID'][:12]}", state, message,
                            "Warning" if state in ("failed", "rejected", "orphaned") or status.get("Err")
                            else "Normal"))
    start = since or dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with docker_errors("reading the engine's events", engine):
        stream = engine.api.events(since=int(start.timestamp()), until=int(time.time()) + 1, decode=True,
                                   filters={"type": ["service", "container"]})
        raw = list(stream)
    for item in raw:
        attrs = (item.get("Actor") or {}).get("Attributes") or {}
        name = attrs.get("com.docker.swarm.service.name") if item.get("Type") == "container" else attrs.get("name")
        if name not in ours and name not in owners:
            continue
        service, _container = owners[name]
        action = item.get("Action") or item.get("status") or ""
        when = dt.datetime.fromtimestamp(item.get("timeNano", 0) / 1e9, dt.UTC)
        if item.get("Type") == "container":
            what = f"Container/{attrs.get('name', '')[:60]}"
            detail = f"exit code {attrs['exitCode']}" if "exitCode" in attrs else ""
            warning = action in ("die", "kill", "oom") and attrs.get("exitCode", "0") != "0" or action == "oom" \
                or action.startswith("health_status: unhealthy")
        else:
            what, detail, warning = f"Service/{name}", "", False
        events.append(Event(when, service, what, action, detail, "Warning" if warning else "Normal"))
    return events

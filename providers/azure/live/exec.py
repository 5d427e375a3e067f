"""Azure exec and events.

exec: ACI's executeCommand (``containers.execute_command``: ``webSocketUri`` + ``password``), then the
WebSocket (``websocket-client``, which the kubernetes and azure clients already bring): the password as
the first message, the local input as it comes, the container's terminal output until ACI closes the
connection. What ACI is and is not, said plainly (README "cloudorch exec"):

- ACI runs one program without arguments (``-- /bin/sh``), so a command with arguments is refused here
  before any call, naming how to run a script instead (pipe it to the shell with ``-i``);
- ACI always gives the program a terminal: output arrives as one stream (stderr within stdout, line ends
  as CR LF), and the end of the local input is sent as Ctrl-D (what a terminal sends);
- ACI reports no exit code: cloudorch exits 0 when the session ends and says so on stderr.

events: each replica's container group's ``instanceView.events`` and its containers' (Pulling, Pulled,
Started, BackOff, Killing, ...), with their last time, under the group's spec service.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from typing import Any

from cloudorch.errors import ProviderError, UsageError
from cloudorch.remote import STDOUT, Event, ExecChannel, ExecRequest
from cloudorch_providers.azure.live.clients import Clients, azure_errors
from cloudorch_providers.azure.live.logs import parse_line
from cloudorch_providers.azure.live.state import Live, props, replica_of, service_of

EOT = b"\x04"


def _containers(group: dict[str, Any]) -> list[dict[str, Any]]:
    return props(group).get("containers") or []


def _running(container: dict[str, Any]) -> bool:
    view = (container.get("properties") or {}).get("instanceView") or {}
    return (view.get("currentState") or {}).get("state") == "Running"


def pick_group(live: Live, app: str, request: ExecRequest) -> tuple[dict[str, Any], str]:
    groups = sorted(live.owned_groups(app, [request.service]).values(), key=replica_of)
    if request.replica:
        chosen = [g for g in groups if request.replica in (str(replica_of(g)), g["name"])]
        if not chosen:
            raise UsageError(f"service {request.service} has no replica {request.replica!r} (replicas: "
                             f"{', '.join(str(replica_of(g)) for g in groups) or 'none'})")
        groups = chosen
    for group in groups:
        names = [c["name"] for c in _containers(group)]
        container = request.container or (names[0] if names else "")
        if container == request.service and container not in names and names:
            container = names[0]
        if container not in names:
            raise UsageError(f"container group {group['name']} has no container {container!r} "
                             f"(containers: {', '.join(names)})")
        if _running(next(c for c in _containers(group) if c["name"] == container)):
            return group, container
    raise ProviderError(f"service {request.service} has no running replica with container "
                        f"{request.container or request.service}; see `cloudorch status` and `cloudorch events`")


class AciExecChannel(ExecChannel):
    """The exec WebSocket: one terminal stream, no exit code."""

    reports_exit_code = False

    def __init__(self, socket: Any, where: str):
        self.socket, self.where = socket, where
        self._lock = threading.Lock()
        self._outbox: queue.Queue = queue.Queue()

    def output(self) -> Iterator[tuple[int, bytes]]:
        import websocket

        while True:
            try:
                message = self.socket.recv()
            except (websocket.WebSocketConnectionClosedException, OSError):
                return
            if not message:
                if not self.socket.connected:
                    return
                continue
            yield STDOUT, message.encode() if isinstance(message, str) else message

    def send_stdin(self, data: bytes) -> None:
        with self._lock:
            self.socket.send(data.decode(errors="replace"))

    def close_stdin(self) -> None:
        self.send_stdin(EOT)

    @property
    def exit_code(self) -> int | None:
        return None

    def close(self) -> None:
        self.socket.close()


def open_exec(az: Clients, resource_group: str, live: Live, app: str, request: ExecRequest) -> AciExecChannel:
    import ssl

    import websocket
    from azure.mgmt.containerinstance.models import ContainerExecRequest, ContainerExecRequestTerminalSize

    if len(request.command) != 1 or " " in request.command[0].strip():
        raise UsageError("Azure Container Instances runs one program without arguments (e.g. `-- /bin/sh`); "
                         f"to run `{' '.join(request.command)}`, pipe it to the shell: echo "
                         f"'{' '.join(request.command)}' | cloudorch exec -i ... {request.service} -- /bin/sh")
    group, container = pick_group(live, app, request)
    where = f"container group {group['name']}, container {container}"
    with azure_errors(f"starting the command in {where}"):
        reply = az.aci.containers.execute_command(
            resource_group, group["name"], container,
            ContainerExecRequest(command=request.command[0], terminal_size=ContainerExecRequestTerminalSize(
                rows=request.height, cols=request.width)))
    options: dict[str, Any] = {}
    if reply.web_socket_uri.startswith("wss://") and az.sandbox and az.sandbox.get("ca_cert"):
        options["sslopt"] = {"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": az.sandbox["ca_cert"]}
    try:
        socket = websocket.create_connection(reply.web_socket_uri, timeout=az.deadline.remaining(30.0), **options)
        socket.settimeout(None)
        socket.send(reply.password)  # ACI's exec protocol: the password is the first message
    except (websocket.WebSocketException, OSError) as exc:
        raise ProviderError(f"cannot open the exec connection to {where}: {exc}") from None
    return AciExecChannel(socket, where)


def read_events(live: Live, app: str) -> list[Event]:
    found = []
    for group in live.owned_groups(app).values():
        service = service_of(group) or ""
        views = [(f"ContainerGroup/{group['name']}", props(group).get("instanceView") or {})]
        views += [(f"Container/{group['name']}/{c['name']}", (c.get("properties") or {}).get("instanceView") or {})
                  for c in _containers(group)]
        for resource, view in views:
            for event in view.get("events") or []:
                stamp = event.get("lastTimestamp") or event.get("firstTimestamp")
                if not stamp:
                    continue
                when, _ = parse_line(stamp, dt.datetime.now(dt.UTC))
                message = event.get("message", "")
                if (event.get("count") or 1) > 1:
                    message += f" (x{event['count']})"
                found.append(Event(when, service, resource, event.get("name", ""), message,
                                   event.get("type") or "Normal"))
    return found

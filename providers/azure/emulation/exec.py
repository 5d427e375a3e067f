"""ACI's executeCommand: ``POST .../containerGroups/{g}/containers/{c}/exec`` and the WebSocket it hands out.

Request and reply as the REST API specification (Microsoft.ContainerInstance, ContainerExecRequest /
ContainerExecResponse): ``{"command": "/bin/sh", "terminalSize": {"rows": R, "cols": C}}`` ->
``{"webSocketUri": "wss://...", "password": "..."}``. The client opens the WebSocket, sends the password as
its first message, then the terminal's input; the container's terminal output comes back as text
messages until the process ends and the server closes the connection. ACI always gives the process a
terminal, runs one program without arguments (its documentation: "you can't pass command arguments";
a command with arguments names no program and fails to start), and reports no exit code.

Here the bridge is served by the ARM emulator itself under ``/exec-bridge/{session}`` (no bearer token:
the password is the credential, valid once and for 60 s), and the program runs in the sandbox's built-in
shell (:mod:`cloudorch.sandbox.shell`) with the container's environment variables (secure values
included), never a host program. A container that is not running is refused with 409; the specification
defines only the CloudError shape, so that refusal's code (``ContainerNotRunning``) is the emulator's.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from cloudorch.sandbox import shell
from cloudorch.sandbox import websocket as ws
from cloudorch_providers.azure.emulation.arm import ArmError, invalid_content, json_response
from cloudorch_providers.azure.emulation.lifecycle import container_status
from cloudorch_providers.azure.emulation.state import State

BRIDGE = "/exec-bridge/"
PASSWORD_SECONDS = 60.0
EOT = b"\x04"  # Ctrl-D on a terminal: end of input


@dataclass
class ExecSession:
    password: str
    command: str
    env: dict[str, str]
    hostname: str
    expires: float


_sessions: dict[str, ExecSession] = {}
_lock = threading.Lock()


def execute_command(state: State, request: Request, sub: str, rg: str, name: str, container: str) -> Response:
    from cloudorch_providers.azure.emulation.handlers import _container_group

    group = _container_group(state, sub, rg, name)
    spec = next((c for c in group.properties["containers"] if c["name"] == container), None)
    if spec is None:
        raise ArmError(404, "ContainerNotFound",
                       f"The container '{container}' could not be found in container group '{name}'.")
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        raise invalid_content("The request content was invalid and could not be deserialized.") from None
    command = body.get("command") if isinstance(body, dict) else None
    if not isinstance(command, str) or not command.strip():
        raise invalid_content("The 'command' property of the exec request is required.")
    status = container_status(spec["properties"]["image"], group.properties["restartPolicy"], group.run,
                              state.timing, state.now())
    if status.phase != "running":
        state_now = status.instance_view["currentState"]["state"]
        raise ArmError(409, "ContainerNotRunning", f"The container '{container}' in container group '{name}' is "
                                                   f"not running (state: {state_now}); exec needs a running container.")
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": name}
    for var in spec["properties"].get("environmentVariables") or []:
        env[var["name"]] = str(var.get("secureValue", var.get("value", "")))
    session_id, password = secrets.token_hex(16), secrets.token_urlsafe(24)
    with _lock:
        now = time.time()
        for key in [k for k, s in _sessions.items() if s.expires < now]:
            del _sessions[key]
        _sessions[session_id] = ExecSession(password, command, env, name, now + PASSWORD_SECONDS)
    return json_response(200, {"webSocketUri": f"wss://{request.host}{BRIDGE}{session_id}", "password": password})


def serve_bridge(environ: dict, start_response) -> Response | None:
    """The WebSocket of one exec session (None: not a bridge path)."""
    path = environ.get("PATH_INFO", "")
    if not path.startswith(BRIDGE):
        return None
    with _lock:
        session = _sessions.pop(path[len(BRIDGE):], None)
    if session is None or session.expires < time.time() or not ws.is_upgrade(environ):
        return json_response(404, {"error": {"code": "NotFound", "message": "No exec session at this address "
                                                                          "(each exec URI is valid once)."}})
    _Bridge(session).serve(environ, start_response)
    return None  # pragma: no cover - serve ends with ws.Hijacked


class _Bridge:
    def __init__(self, session: ExecSession):
        self.session = session
        self.stdin = shell.Input()
        self.authenticated = False
        self.link: ws.Link | None = None

    def serve(self, environ, start_response):
        ws.serve(environ, start_response, [], self._open)

    def _open(self, link: ws.Link):
        self.link = link
        return self._receive

    def _receive(self, message: bytes | str | None) -> None:
        if message is None:
            self.stdin.close()
            return
        data = message.encode() if isinstance(message, str) else message
        if not self.authenticated:
            if not secrets.compare_digest(data, self.session.password.encode()):
                assert self.link is not None
                self.link.send("the exec password is wrong\r\n")
                self.link.close()
                return
            self.authenticated = True
            threading.Thread(target=self._run, name="aci-exec", daemon=True).start()
            return
        before, eot, _ = data.partition(EOT)
        if before:
            self.stdin.feed(before)
        if eot:
            self.stdin.close()

    def _write(self, stream: int, data: bytes) -> None:
        if self.link:
            self.link.send(data.decode(errors="replace"))

    def _run(self) -> None:
        assert self.link is not None
        replica = shell.Replica(self.session.env, self.session.hostname, tty=True)
        try:
            shell.run([self.session.command], replica, self.stdin, self._write)
        except shell.NotFound as missing:
            self.link.send(f'OCI runtime exec failed: exec failed: unable to start container process: exec: '
                           f'"{missing}": executable file not found in $PATH: unknown\r\n')
        self.link.close()

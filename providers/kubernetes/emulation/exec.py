"""``pods/{name}/exec``: the kubelet's exec, served by the apiserver emulator over WebSocket.

The channel protocol kubectl and the client libraries speak (``v5.channel.k8s.io``, ``v4.channel.k8s.io``):
every binary message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a ``Status`` JSON sent
once at the end: ``Success``, or ``Failure`` with reason ``NonZeroExitCode`` and the exit code as the
cause of reason ``ExitCode``), 4 resize (``{"Width": W, "Height": H}``); v5 adds 255, close (``[255, 0]``
ends stdin). The command runs in the sandbox's built-in shell (:mod:`cloudorch.sandbox.shell`) with the
container's environment as the pod spec gives it (Secrets and ConfigMaps resolved), never a host program.

Refusals as upstream: the apiserver's ``streamLocation`` (pkg/registry/core/pod/strategy.go) answers 400
``a container name must be specified for pod P, choose one of: [...]``, ``container C is not valid for pod
P`` and ``pod P does not have a host assigned``; the kubelet answers 500 ``container not found ("C")``
for a container that is not running (Pending, waiting, crash looping, or the pod completed). The legacy
SPDY/3.1 upgrade is not served (kubectl >= 1.31 uses WebSocket and only falls back to SPDY when the
WebSocket upgrade fails): it gets 400 saying so after the same checks.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any
from urllib.parse import parse_qs

from cloudorch.sandbox import shell
from cloudorch.sandbox import websocket as ws
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.errors import ApiError, bad_request

SUBPROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"]
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
SANDBOX_NOTE = ("the sandbox runs commands in a built-in shell: " + ", ".join(shell.BUILTINS))


def serve_exec(api, environ: dict, start_response, namespace: str, name: str) -> Any:
    """Check the request as the apiserver and kubelet do, then run the session (ends with ws.Hijacked)."""
    query = {k: v for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    pod = api.registry.get(r.PODS, namespace, name)
    container = _container(pod, (query.get("container") or [""])[0])
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {name} does not have a host assigned")
    status = next((s for s in (pod.get("status") or {}).get("containerStatuses") or []
                   if s.get("name") == container["name"]), {})
    if (pod.get("status") or {}).get("phase") != "Running" or "running" not in (status.get("state") or {}):
        raise ApiError(500, f'container not found ("{container["name"]}")', "InternalError")
    command = query.get("command") or []
    if not command:
        raise bad_request("you must specify at least 1 command")
    flags = {k: (query.get(k) or ["false"])[0].lower() in ("1", "true") for k in ("stdin", "stdout", "stderr", "tty")}
    if not (flags["stdin"] or flags["stdout"] or flags["stderr"]):
        raise bad_request("you must specify at least 1 of stdin, stdout, stderr")
    if not ws.is_upgrade(environ):
        if environ.get("HTTP_UPGRADE", "").lower().startswith("spdy"):
            raise bad_request("the sandbox serves pods/exec over WebSocket only (v5.channel.k8s.io, "
                              "v4.channel.k8s.io); SPDY/3.1 is not served")
        raise bad_request("Upgrade request required")
    replica = shell.Replica(container_env(api, pod, container), pod["metadata"]["name"], tty=flags["tty"])
    session = _Session(command, replica, flags)
    ws.serve(environ, start_response, SUBPROTOCOLS, session.open)


def _container(pod: dict[str, Any], wanted: str) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    containers = (pod.get("spec") or {}).get("containers") or []
    if not wanted:
        if len(containers) != 1:
            names = " ".join(c.get("name", "") for c in containers)
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: [{names}]")
        return containers[0]
    found = next((c for c in containers if c.get("name") == wanted), None)
    if found is None:
        raise bad_request(f"container {wanted} is not valid for pod {name}")
    return found


def container_env(api, pod: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """The variables the kubelet gives the container: PATH and HOSTNAME, envFrom, then env (later wins),
    Secrets and ConfigMaps resolved, then the service links of the ``kubernetes`` service."""
    namespace = pod["metadata"]["namespace"]
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": pod["metadata"]["name"]}

    def data(kind: str, ref_name: str) -> dict[str, str]:
        obj = api.store.get(r.SECRETS if kind == "Secret" else r.CONFIGMAPS, namespace, ref_name) or {}
        values = {k: base64.b64decode(v).decode(errors="replace") for k, v in (obj.get("data") or {}).items()} \
            if kind == "Secret" else dict(obj.get("data") or {})
        return {**values, **(obj.get("stringData") or {})}

    for source in container.get("envFrom") or []:
        for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            if source.get(key):
                values = data(kind, source[key].get("name", ""))
                env.update({source.get("prefix", "") + k: v for k, v in values.items()})
    for var in container.get("env") or []:
        value_from = var.get("valueFrom") or {}
        if "value" in var or not value_from:
            env[var["name"]] = _interpolate(str(var.get("value", "")), env)
        for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
            ref = value_from.get(key)
            if ref is not None:
                found = data(kind, ref.get("name", "")).get(ref.get("key", ""))
                if found is not None:
                    env[var["name"]] = found
        if (value_from.get("fieldRef") or {}).get("fieldPath") == "metadata.name":
            env[var["name"]] = pod["metadata"]["name"]
        elif (value_from.get("fieldRef") or {}).get("fieldPath") == "metadata.namespace":
            env[var["name"]] = namespace
    env.update({"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
                "KUBERNETES_PORT": "tcp://10.96.0.1:443", "HOME": "/root"})
    return env


def _interpolate(value: str, env: dict[str, str]) -> str:
    """``$(NAME)`` references to earlier variables, as the kubelet expands them."""
    import re

    return re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), value)


class _Session:
    """One exec: the shell in a thread, its output framed onto the link."""

    def __init__(self, command: list[str], replica: shell.Replica, flags: dict[str, bool]):
        self.command, self.replica, self.flags = command, replica, flags
        self.stdin = shell.Input()
        self.link: ws.Link | None = None
        if not flags["stdin"]:
            self.stdin.close()

    def open(self, link: ws.Link):
        self.link = link
        threading.Thread(target=self._run, name="kube-exec", daemon=True).start()
        return self._receive

    def _receive(self, message: bytes | str | None) -> None:
        if message is None:  # the connection is gone: the command reads end-of-file
            self.stdin.close()
            return
        data = message.encode() if isinstance(message, str) else message
        if not data:
            return
        channel, payload = data[0], data[1:]
        if channel == STDIN and self.flags["stdin"]:
            self.stdin.feed(payload)
        elif channel == CLOSE and self.link and self.link.subprotocol == SUBPROTOCOLS[0] and payload[:1] == b"\0":
            self.stdin.close()
        elif channel == RESIZE:
            pass  # the built-in shell does not lay anything out by the terminal's size

    def _write(self, stream: int, data: bytes) -> None:
        if self.link and self.flags["stdout" if stream == STDOUT else "stderr"]:
            self.link.send(bytes([stream]) + data)

    def _run(self) -> None:
        assert self.link is not None
        try:
            code = shell.run(self.command, self.replica, self.stdin, self._write)
            if code == 0:
                status: dict[str, Any] = {"metadata": {}, "status": "Success"}
            else:
                status = {"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                          "message": f"command terminated with non-zero exit code: error executing command "
                                     f"[{' '.join(self.command)}], exit code {code}",
                          "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
        except shell.NotFound as missing:
            detail = (f"error executing command in container: failed to exec in container: failed to start exec: "
                      f"OCI runtime exec failed: exec failed: unable to start container process: exec: "
                      f'"{missing}": executable file not found in $PATH: unknown ({SANDBOX_NOTE})')
            status = {"metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500,
                      "message": f"Internal error occurred: {detail}", "details": {"causes": [{"message": detail}]}}
        self.link.send(bytes([ERROR]) + json.dumps(status).encode())
        self.link.close()

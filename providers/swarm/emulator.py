"""The swarm sandbox: a real Docker engine (:class:`PrivateEngine`), reached through a counting proxy.

Nothing is emulated here: the provider talks to a real ``dockerd`` that is a real one-node swarm
manager, running real containers. The sandbox serves a plain HTTP proxy on loopback in front of the
engine's unix socket, so that every Engine API call the provider makes is recorded in the sandbox's
request log (``/_cloudorch/requests``: how tests count mutating calls) and can be failed on purpose
(``/_cloudorch/faults``, answered with the engine's own error body ``{"message": ...}``). The docker
CLI can look at the same engine directly: ``sandbox status`` prints its ``DOCKER_HOST``.

Actions in the request log are ``"<METHOD> <path>"`` without the API version prefix, e.g.
``"POST /services/create"``, ``"GET /tasks"``; every method but GET and HEAD counts as mutating.
Upgraded (hijacked) connections such as ``exec`` start and ``attach`` are spliced through to the engine
(:mod:`cloudorch_providers.swarm.hijack`), so ``cloudorch exec`` reaches real containers.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from pathlib import Path
from typing import Any

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch_providers.swarm.engine import EngineError, PrivateEngine

_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
        "proxy-authenticate", "content-length"}


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


class SwarmEmulator(Emulator):
    """A private Docker engine behind a counting proxy.

    :param directory: where the engine keeps its data and socket (default: ``<sandbox dir>/swarm``,
        given by the sandbox through ``state_dir``)
    :param image: also import the host's busybox as ``cloudorch/busybox:local`` when busybox exists
    :param timeout: seconds the proxy waits for the engine per request
    """

    name = "swarm"

    def __init__(self, directory: str | Path | None = None, image: bool = True, timeout: float = 120.0):
        self.directory = Path(directory) if directory else None
        self.image = image
        self.timeout = timeout
        self.engine: PrivateEngine | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, url: str, peers: dict[str, dict[str, Any]]) -> None:
        directory = self.directory or (Path(self.state_dir) / "swarm" if self.state_dir else None)
        if directory is None:
            raise EngineError("the swarm sandbox needs a directory for its engine")
        self.engine = PrivateEngine(directory)
        self.engine.start()
        if self.image:
            from cloudorch_providers.swarm.images import BUSYBOX_TAG, busybox_available, import_busybox

            if busybox_available():
                import_busybox(self.engine.docker_host, BUSYBOX_TAG)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()

    def reset(self) -> None:
        """Remove every service, secret, config, container, network and volume (the images stay)."""
        engine = self._engine()
        for service in engine.call("GET", "/services") or []:
            engine.call("DELETE", f"/services/{service['ID']}")
        for kind in ("secrets", "configs"):
            for item in engine.call("GET", f"/{kind}") or []:
                engine.call("DELETE", f"/{kind}/{item['ID']}")
        for container in engine.call("GET", "/containers/json?all=1") or []:  # tasks do not get to stop gracefully
            try:
                engine.call("DELETE", f"/containers/{container['Id']}?force=1&v=1")
            except EngineError:
                pass  # removed by its task meanwhile
        _wait_no_tasks(engine)
        for network in engine.call("GET", "/networks") or []:
            if network["Name"] not in ("ingress", "docker_gwbridge", "host", "none", "bridge"):
                try:
                    engine.call("DELETE", f"/networks/{network['Id']}")
                except EngineError:
                    pass  # still detaching: the next reset removes it
        engine.call("POST", "/containers/prune")
        engine.call("POST", "/volumes/prune")

    def _engine(self) -> PrivateEngine:
        if self.engine is None:
            raise EngineError("the private Docker engine is not running")
        return self.engine

    # -- what clients need ---------------------------------------------------------------------
    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        engine = self._engine()
        return {"url": url, "ca_cert": None, "docker_host": url.replace("http://", "tcp://"),
                "engine_host": engine.docker_host,
                "env": {"DOCKER_HOST": engine.docker_host}}

    # -- the proxy -----------------------------------------------------------------------------
    def classify(self, environ: dict) -> tuple[str, bool]:
        method = environ["REQUEST_METHOD"]
        path = _VERSION.sub("", environ.get("PATH_INFO", ""))
        return f"{method} {path}", method not in ("GET", "HEAD")

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        return json.dumps({"message": f"{code}: {message}"}).encode(), "application/json"

    def wsgi_app(self) -> WSGIApp:
        def app(environ, start_response):
            if environ.get("HTTP_UPGRADE"):
                return self._hijack(environ, start_response)
            return self._forward(environ, start_response)

        return app

    def _hijack(self, environ, start_response):
        from cloudorch_providers.swarm.hijack import splice

        path = environ.get("PATH_INFO", "") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else b""
        headers = {"Content-Type": environ["CONTENT_TYPE"]} if environ.get("CONTENT_TYPE") else {}
        splice(environ, start_response, str(self._engine().socket), path, body, headers)

    def _forward(self, environ, start_response):
        engine = self._engine()
        path = environ.get("PATH_INFO", "") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        length = environ.get("CONTENT_LENGTH")
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        body = environ["wsgi.input"].read(int(length)) if length else (
            environ["wsgi.input"].read() if chunked and environ.get("wsgi.input_terminated") else b"")
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key[5:].lower().replace("_", "-") not in _HOP | {"host"}}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        connection = _UnixConnection(str(engine.socket), self.timeout)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body or None, headers=headers)
            reply = connection.getresponse()
        except OSError as exc:
            connection.close()
            payload = json.dumps({"message": f"the private Docker engine did not answer: {exc}"}).encode()
            start_response("502 Bad Gateway", [("Content-Type", "application/json")])
            return [payload]
        start_response(f"{reply.status} {reply.reason}",
                       [(k, v) for k, v in reply.getheaders() if k.lower() not in _HOP])

        def stream():
            try:
                while chunk := reply.read1(65536):
                    yield chunk
            finally:
                connection.close()

        return stream()


def _wait_no_tasks(engine: PrivateEngine, timeout: float = 8.0) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end and engine.call("GET", "/containers/json?all=1"):
        time.sleep(0.2)

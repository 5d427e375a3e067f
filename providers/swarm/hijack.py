"""The swarm sandbox proxy's upgraded connections (``POST /exec/{id}/start``, ``/containers/{id}/attach``
with ``Upgrade: tcp``): the request goes to the engine's socket, the engine's ``101 UPGRADED`` comes back,
and from then on the two connections are spliced byte for byte (a half-close passes through, so the
command sees the end of its stdin). The request log records it like any other call."""

from __future__ import annotations

import socket
import threading
from typing import NoReturn

from cloudorch.sandbox.websocket import Hijacked


def splice(environ: dict, start_response, engine_socket: str, path: str, body: bytes,
           headers: dict[str, str]) -> NoReturn:
    client = environ["werkzeug.socket"]
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.connect(engine_socket)
    lines = [f"{environ['REQUEST_METHOD']} {path} HTTP/1.1", "Host: docker", "Connection: Upgrade",
             f"Upgrade: {environ.get('HTTP_UPGRADE', 'tcp')}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("connection", "upgrade", "host")]
    upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    head = b""
    while b"\r\n\r\n" not in head:
        data = upstream.recv(65536)
        if not data:
            break
        head += data
    status = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    start_response(f"{status[1] if len(status) > 1 else 502} {status[2] if len(status) > 2 else 'Bad Gateway'}", [])
    client.sendall(head)

    def copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        try:
            target.shutdown(socket.SHUT_WR)  # pass the end on: the engine closes the command's stdin
        except OSError:
            pass

    down = threading.Thread(target=copy, args=(upstream, client), name="swarm-hijack", daemon=True)
    down.start()
    copy(client, upstream)
    down.join()
    upstream.close()
    raise Hijacked("the upgraded connection ended")

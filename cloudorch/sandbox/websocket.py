"""Serve a WebSocket from an emulator's WSGI application (exec streams), on the emulator's own port.

The sandbox's server (werkzeug) hands the application the connection's socket (``werkzeug.socket``); this
module answers the upgrade and frames messages with the ``websockets`` library's sans-I/O protocol, in one
thread that owns the socket (a TLS socket is never read and written from two threads at once). When the
session ends the WSGI call ends with :class:`Hijacked`, a ``ConnectionError``, which werkzeug treats as a
connection the client dropped: nothing more is written on it.
"""

from __future__ import annotations

import queue
import select
import time
from collections.abc import Callable
from typing import NoReturn

_CLOSE = object()
Receive = Callable[[bytes | str], None]


class Hijacked(ConnectionAbortedError):
    """The WSGI call's connection was taken over by a WebSocket session, which has ended."""


def is_upgrade(environ: dict) -> bool:
    return (environ.get("HTTP_UPGRADE", "").lower() == "websocket"
            and "upgrade" in environ.get("HTTP_CONNECTION", "").lower())


class Link:
    """The server's end of an accepted WebSocket: ``send`` from any thread, ``close`` to end it."""

    def __init__(self, subprotocol: str | None):
        self.subprotocol = subprotocol
        self._outbox: queue.Queue = queue.Queue()
        self.closed = False

    def send(self, data: bytes | str) -> None:
        if not self.closed:
            self._outbox.put(data)

    def close(self) -> None:
        self._outbox.put(_CLOSE)


def serve(environ: dict, start_response, subprotocols: list[str], on_open: Callable[[Link], Receive],
          idle_timeout: float = 3600.0) -> NoReturn:
    """Accept the upgrade (choosing the first of ``subprotocols`` the client offers), call ``on_open`` with
    the link (it starts the session and returns what to call with each message received), and carry the
    messages until either side closes. Always ends with :class:`Hijacked`."""
    from websockets.frames import Opcode
    from websockets.http11 import Request
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    sock = environ["werkzeug.socket"]
    # the request werkzeug already read, given to the protocol as it came (its parser starts there)
    path = environ.get("PATH_INFO", "/") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    lines = [f"GET {path} HTTP/1.1"] + [f"{key[5:].replace('_', '-').title()}: {value}"
                                        for key, value in environ.items() if key.startswith("HTTP_")]
    protocol = ServerProtocol(subprotocols=subprotocols or None, max_size=2 ** 24)
    protocol.receive_data(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    request = next(e for e in protocol.events_received() if isinstance(e, Request))
    response = protocol.accept(request)
    protocol.send_response(response)
    _flush(sock, protocol)
    start_response(f"{response.status_code} {response.reason_phrase}", [])
    if response.status_code != 101:
        raise Hijacked("the WebSocket upgrade was refused")
    link = Link(response.headers.get("Sec-WebSocket-Protocol"))
    receive = on_open(link)
    fragments: list[bytes] = []
    text = False
    last = time.monotonic()
    closing_since: float | None = None
    try:
        while protocol.state is not State.CLOSED:
            while not link._outbox.empty() and protocol.state is State.OPEN:
                item = link._outbox.get_nowait()
                if item is _CLOSE:
                    protocol.send_close(1000)
                    closing_since = time.monotonic()
                elif isinstance(item, str):
                    protocol.send_text(item.encode())
                else:
                    protocol.send_binary(item)
            _flush(sock, protocol)
            if protocol.state is State.CLOSING and closing_since and time.monotonic() - closing_since > 2:
                break
            if time.monotonic() - last > idle_timeout:
                break
            pending = getattr(sock, "pending", lambda: 0)()
            if not pending and not select.select([sock], [], [], 0.02)[0]:
                continue
            data = sock.recv(65536)
            last = time.monotonic()
            if not data:
                protocol.receive_eof()
                break
            protocol.receive_data(data)
            for frame in protocol.events_received():
                if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                    if frame.opcode is not Opcode.CONT:
                        text, fragments = frame.opcode is Opcode.TEXT, []
                    fragments.append(frame.data)
                    if frame.fin:
                        message = b"".join(fragments)
                        receive(message.decode(errors="replace") if text else message)
            _flush(sock, protocol)
    except OSError:
        pass  # the client went away
    finally:
        link.closed = True
        receive(None)  # type: ignore[arg-type]  - tells the session the connection is gone
    raise Hijacked("the WebSocket session ended")


def _flush(sock, protocol) -> None:
    data = b"".join(protocol.data_to_send())
    if data:
        sock.sendall(data)

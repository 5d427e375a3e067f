"""What every provider emulator shares: the Emulator base class and the admin/fault middleware.

An emulator is a WSGI application that speaks one cloud's real HTTP API. The sandbox wraps it in
:class:`AdminMiddleware`, which adds, under ``/_cloudorch/`` on the emulator's own port:

- ``GET /_cloudorch/health``           -> ``{"ok": true, "name": ...}``
- ``POST /_cloudorch/reset``           -> forget every resource (``Emulator.reset``) and the request log
- ``GET /_cloudorch/requests``         -> ``{"requests": [{"method", "path", "action", "mutating", "status"}]}``
- ``DELETE /_cloudorch/requests``      -> clear the request log
- ``POST /_cloudorch/faults``          -> add a fault rule (JSON body, see :class:`Fault`)
- ``DELETE /_cloudorch/faults``        -> clear all fault rules
- ``POST /_cloudorch/clock``           -> ``{"advance": SECONDS}`` moves the emulator's schedule clock forward
  (emulators that run schedules define ``advance_clock``; returns ``{"offset": SECONDS}``)

The core names no cloud: each provider supplies its Emulator subclass through ``Provider.emulator()``.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
ADMIN_PREFIX = "/_cloudorch/"


@dataclass
class Fault:
    """A fault rule: requests whose action contains ``match`` (all requests when empty) are
    answered with ``status`` (0 = pass through after ``delay`` seconds), ``count`` times
    (-1 = until cleared). ``code`` and ``message`` shape the cloud-native error body."""

    match: str = ""
    status: int = 500
    count: int = 1
    delay: float = 0.0
    code: str = "InternalError"
    message: str = "injected fault"
    retry_after: float | None = None


@dataclass
class RequestRecord:
    method: str
    path: str
    action: str
    mutating: bool
    status: int = 0
    time: float = field(default_factory=time.time)


class Emulator(ABC):
    """A cloud API emulator. Subclasses keep their state in memory and are thread-safe."""

    #: provider name this emulator serves (matches the provider's entry point name)
    name: str = ""
    #: serve over TLS with the sandbox's self-signed certificate
    tls: bool = False
    #: names of other emulators that must be started first (their endpoints arrive in ``start``)
    requires: tuple[str, ...] = ()
    #: a directory of the sandbox's own this emulator may keep files in (set before ``start``)
    state_dir: str | None = None

    @abstractmethod
    def wsgi_app(self) -> WSGIApp:
        """The WSGI application serving the cloud API."""

    @abstractmethod
    def classify(self, environ: dict) -> tuple[str, bool]:
        """Name the API action of a request (e.g. ``ecs:CreateService``, ``PUT containerGroups``)
        and whether it mutates state. Used by the request log and fault matching."""

    @abstractmethod
    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        """A cloud-shaped error body and its content type, for injected faults."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every resource."""

    def start(self, url: str, peers: dict[str, dict[str, Any]]) -> None:  # noqa: B027 - optional hook
        """Called once the server listens at ``url``; ``peers`` holds the client config of the
        emulators named in ``requires``. Start lifecycle threads here."""

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop lifecycle threads."""

    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        """What the provider needs to reach this emulator (stored in the sandbox state file)."""
        return {"url": url, "ca_cert": ca_cert}

    def sandbox_files(self, url: str, ca_cert: str | None) -> dict[str, str]:
        """Files the sandbox writes next to its state for other tools (name -> content), e.g. a
        kubeconfig for kubectl. Their paths are listed in the state file and by ``sandbox status``."""
        return {}


class AdminMiddleware:
    """Wraps an emulator's WSGI app with the admin endpoint, a request log and fault injection."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.app = emulator.wsgi_app()
        self._lock = threading.Lock()
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []

    # -- admin ---------------------------------------------------------------------------------
    def _json(self, start_response, status: int, payload: Any) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _admin(self, environ, start_response) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        what = environ.get("PATH_INFO", "")[len(ADMIN_PREFIX):].strip("/")
        if what == "health":
            return self._json(start_response, 200, {"ok": True, "name": self.emulator.name})
        if what == "reset" and method == "POST":
            self.emulator.reset()
            with self._lock:
                self.requests.clear()
                self.faults.clear()
            return self._json(start_response, 200, {"ok": True})
        if what == "requests":
            with self._lock:
                if method == "DELETE":
                    self.requests.clear()
                    return self._json(start_response, 200, {"ok": True})
                return self._json(start_response, 200, {"requests": [asdict(r) for r in self.requests]})
        if what == "faults":
            if method == "DELETE":
                with self._lock:
                    self.faults.clear()
                return self._json(start_response, 200, {"ok": True})
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                try:
                    rule = Fault(**json.loads(environ["wsgi.input"].read(length) or b"{}"))
                except (TypeError, ValueError) as exc:
                    return self._json(start_response, 400, {"error": f"bad fault rule: {exc}"})
                with self._lock:
                    self.faults.append(rule)
                return self._json(start_response, 200, {"ok": True})
            with self._lock:
                return self._json(start_response, 200, {"faults": [asdict(f) for f in self.faults]})
        if what == "clock" and method == "POST" and hasattr(self.emulator, "advance_clock"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                seconds = float(json.loads(environ["wsgi.input"].read(length) or b"{}").get("advance", 0))
            except (TypeError, ValueError, AttributeError) as exc:
                return self._json(start_response, 400, {"error": f"bad clock request: {exc}"})
            return self._json(start_response, 200, {"offset": self.emulator.advance_clock(seconds)})
        return self._json(start_response, 404, {"error": f"no admin endpoint {what!r}"})

    # -- traffic -------------------------------------------------------------------------------
    def _take_fault(self, action: str) -> Fault | None:
        with self._lock:
            for rule in self.faults:
                if rule.match in action and rule.count != 0:
                    if rule.count > 0:
                        rule.count -= 1
                    return rule
        return None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(ADMIN_PREFIX):
            return self._admin(environ, start_response)
        action, mutating = self.emulator.classify(environ)
        record = RequestRecord(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), action, mutating)
        with self._lock:
            self.requests.append(record)

        def recording_start_response(status, headers, exc_info=None):
            record.status = int(status.split()[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        fault = self._take_fault(action)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                body, ctype = self.emulator.error_response(fault.status, fault.code, fault.message)
                headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
                if fault.retry_after is not None:
                    headers.append(("Retry-After", str(fault.retry_after)))
                recording_start_response(f"{fault.status} Fault", headers)
                return [body]
        return self.app(environ, recording_start_response)

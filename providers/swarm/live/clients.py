"""The Engine API client (the docker SDK's low-level ``APIClient``) and the error table.

Which engine: the sandbox's proxy; else ``providers.swarm.host`` (TLS from ``DOCKER_CERT_PATH`` with
``tls: true``); else the Docker context ``providers.swarm.context``; else ``DOCKER_HOST`` (with
``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``, as the docker CLI reads them); else the docker CLI's current
context; else the local socket. The API version is pinned to 1.41 (Docker 20.10 and later), so no
call is spent negotiating it. Each client's timeout is the command's deadline, capped at 60 s a call.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, UsageError

API_VERSION = "1.41"
CALL_CAP = 60.0


def target(settings, sandbox: dict[str, Any] | None) -> tuple[str, Any]:
    """(base_url, tls config or False) of the engine to talk to."""
    import docker

    if sandbox:
        return sandbox["docker_host"], False
    if settings.host:
        tls: Any = False
        if settings.tls:
            tls = docker.utils.kwargs_from_env(use_ssh_client=False).get("tls") or docker.tls.TLSConfig(
                client_cert=_cert_pair(), verify=_ca())
        return settings.host, tls
    if settings.context:
        context = docker.context.ContextAPI.get_context(settings.context)
        if context is None:
            raise UsageError(f"providers.swarm.context: no Docker context {settings.context!r} "
                             "(see `docker context ls`)")
        return context.Host, context.TLSConfig or False
    if os.environ.get("DOCKER_HOST"):
        kwargs = docker.utils.kwargs_from_env()
        return kwargs["base_url"], kwargs.get("tls") or False
    with contextlib.suppress(Exception):
        context = docker.context.ContextAPI.get_current_context()
        if context is not None and context.Host:
            return context.Host, context.TLSConfig or False
    return "unix:///var/run/docker.sock", False


def _cert_pair() -> tuple[str, str] | None:
    path = os.environ.get("DOCKER_CERT_PATH") or os.path.expanduser("~/.docker")
    cert, key = os.path.join(path, "cert.pem"), os.path.join(path, "key.pem")
    return (cert, key) if os.path.exists(cert) else None


def _ca() -> str | bool:
    path = os.path.join(os.environ.get("DOCKER_CERT_PATH") or os.path.expanduser("~/.docker"), "ca.pem")
    return path if os.path.exists(path) else True


class Engine:
    """One APIClient per command; ``api`` is rebuilt with the deadline's remaining time as timeout."""

    def __init__(self, settings, sandbox: dict[str, Any] | None, deadline: Deadline | None):
        self.base_url, self.tls = target(settings, sandbox)
        self.deadline = deadline or Deadline(None)
        self._client = None

    @property
    def api(self):
        import docker

        timeout = self.deadline.remaining(CALL_CAP) or CALL_CAP
        if self._client is None:
            self._client = docker.APIClient(base_url=self.base_url, version=API_VERSION, tls=self.tls,
                                            timeout=max(timeout, 1.0))
        else:
            self._client.timeout = max(timeout, 1.0)
        return self._client

    @property
    def host(self) -> str:
        """The engine's host name for endpoints (None-like '' for local sockets)."""
        from urllib.parse import urlparse

        if self.base_url.startswith(("tcp://", "http://", "https://", "ssh://")):
            return urlparse(self.base_url.replace("tcp://", "http://")).hostname or ""
        return ""


@contextlib.contextmanager
def docker_errors(doing: str, engine: Engine) -> Iterator[None]:
    """Engine API errors -> one-line ProviderErrors naming what was being done (the error table)."""
    import docker.errors
    import requests.exceptions

    try:
        yield
    except docker.errors.APIError as exc:
        status = exc.status_code or 0
        message = (exc.explanation or str(exc)).strip().splitlines()[0] if (exc.explanation or str(exc)) else ""
        low = message.lower()
        if "not a swarm manager" in low or "not part of a swarm" in low:
            raise ProviderError(f"{doing}: the Docker engine at {engine.base_url} is not a swarm manager "
                                f"({message}); run `docker swarm init` there or point providers.swarm.host / "
                                "DOCKER_HOST at a manager") from None
        if status == 409:
            raise ProviderError(f"{doing}: conflict: {message}") from None
        if status in (401, 403):
            raise ProviderError(f"{doing}: refused by the engine ({status}): {message}; check the client's "
                                "certificates (DOCKER_CERT_PATH)") from None
        raise ProviderError(f"{doing}: Docker engine error {status}: {message}") from None
    except docker.errors.DockerException as exc:
        raise ProviderError(f"{doing}: {exc}; set DOCKER_HOST or providers.swarm.host to a swarm manager") from None
    except requests.exceptions.ConnectionError as exc:
        raise ProviderError(f"{doing}: cannot reach the Docker engine at {engine.base_url} "
                            f"({type(exc).__name__}); is dockerd running? set DOCKER_HOST or providers.swarm.host, "
                            "or use --sandbox") from None
    except requests.exceptions.Timeout:
        raise ProviderError(f"{doing}: the Docker engine at {engine.base_url} did not answer in time; "
                            "raise --timeout") from None


def is_not_found(exc: BaseException) -> bool:
    import docker.errors

    return isinstance(exc, docker.errors.NotFound)

"""The Engine API client (the docker SDK's low-level ``APIClient``) and the error table.

Which engine: the sandbox's proxy; else ``providers.swarm.host`` (TLS from ``DOCKER_CERT_PATH`` with
``tls: true``); else the Docker context ``providers.swarm.context``; else ``DOCKER_HOST`` (with
``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``, as the docker CLI reads them); else the docker CLI's current
context; else the local socket. The API version is pinned to 1.41 (Docker 20.10 and later), so no
call is spent negotiating it. Timeouts come from the command's deadline (the kit's ``budget``);
errors are translated by the kit's error table (:func:`table`).
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import UsageError
from cloudorch.live.errors import ErrorTable, Kind, Rule
from cloudorch.live.timeouts import budget

API_VERSION = "1.41"


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
    """One APIClient per command. ``bound(deadline)`` hands the command's (or an operation's) deadline
    to it: each call's connect/read timeouts come from :func:`cloudorch.live.timeouts.budget`."""

    def __init__(self, settings, sandbox: dict[str, Any] | None):
        self.base_url, self.tls = target(settings, sandbox)
        self.deadline = Deadline(None)
        self._client = None

    def bound(self, deadline: Deadline) -> Engine:
        self.deadline = deadline
        return self

    @property
    def api(self):
        import docker

        timeouts = budget(self.deadline)
        if self._client is None:
            self._client = docker.APIClient(base_url=self.base_url, version=API_VERSION, tls=self.tls,
                                            timeout=timeouts.read)
        self._client.timeout = timeouts.pair
        return self._client

    @property
    def host(self) -> str:
        """The engine's host name for endpoints ('' for local sockets)."""
        from urllib.parse import urlparse

        if self.base_url.startswith(("tcp://", "http://", "https://", "ssh://")):
            return urlparse(self.base_url.replace("tcp://", "http://")).hostname or ""
        return ""


def _status(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)


def _said(exc: BaseException) -> str:
    return str(getattr(exc, "explanation", None) or exc)


@functools.cache
def table() -> ErrorTable:
    """The Engine API's errors (docker SDK exceptions and the requests errors under them), by kind."""
    import docker.errors
    import requests.exceptions

    def swarm_missing(exc: BaseException) -> bool:
        said = _said(exc).lower()
        return "not a swarm manager" in said or "not part of a swarm" in said

    return ErrorTable("Docker", [
        Rule(Kind.INVALID, types=(docker.errors.APIError,), when=swarm_missing,
             hint="run `docker swarm init` there, or point providers.swarm.host / DOCKER_HOST at a manager"),
        Rule(Kind.NOT_FOUND, types=(docker.errors.NotFound,)),
        Rule(Kind.CONFLICT, types=(docker.errors.APIError,), codes={409}),
        Rule(Kind.CREDENTIALS, types=(docker.errors.APIError,), codes={401},
             hint="check the client certificates (DOCKER_CERT_PATH, providers.swarm.tls)"),
        Rule(Kind.PERMISSION, types=(docker.errors.APIError,), codes={403}),
        Rule(Kind.INVALID, types=(docker.errors.APIError,), codes={400}),
        Rule(Kind.THROTTLED, types=(docker.errors.APIError,), codes={429}),
        Rule(Kind.UNAVAILABLE, types=(docker.errors.APIError,), codes={502, 503, 504}),
        Rule(Kind.UNREACHABLE, types=(requests.exceptions.ConnectionError, requests.exceptions.Timeout),
             hint="is dockerd running there? set DOCKER_HOST or providers.swarm.host, or use --sandbox"),
        Rule(Kind.OTHER, types=(docker.errors.APIError,), hint=""),
        Rule(Kind.INVALID, types=(docker.errors.DockerException,),
             hint="set DOCKER_HOST or providers.swarm.host to a swarm manager"),
    ], code=_status, message=lambda exc: f"Docker engine error {_status(exc)}: {_said(exc)}"
       if _status(exc) else _said(exc))


def docker_errors(doing: str, engine: Engine | None = None):
    """Engine API errors raised inside the block -> one-line CloudErrors naming what was being done."""
    return table().translating(doing)


def is_not_found(exc: BaseException) -> bool:
    import docker.errors

    return isinstance(exc, docker.errors.NotFound)

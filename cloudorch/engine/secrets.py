"""Storing a secret's value with the provider, and restarting the services that read it.

The rules here are the provider's-independent ones: only secrets the spec names can be stored (a
typo would otherwise create a secret nothing reads), an empty value is refused, and ``roll``
restarts every service that reads the secret, then waits for them as deploy does."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from cloudorch.deadline import Deadline
from cloudorch.engine.wait import StatusCallback, wait_healthy
from cloudorch.errors import UsageError
from cloudorch.provider import AppStatus, Provider

#: a value larger than this is refused: no cloud secret store takes more (Secrets Manager: 64 KiB,
#: SSM advanced parameters: 8 KiB, Kubernetes Secret: 1 MiB in all, Docker secret: 500 KiB)
MAX_SECRET_BYTES = 64 * 1024


@dataclass
class SecretStored:
    name: str
    where: str
    services: list[str] = field(default_factory=list)
    rolled: bool = False
    status: AppStatus | None = None

    def to_dict(self) -> dict:
        data = {"name": self.name, "where": self.where, "services": self.services, "rolled": self.rolled}
        if self.status is not None:
            data["status"] = self.status.to_dict()
        return data


def check_secret_name(provider: Provider, name: str) -> list[str]:
    """The services that read secret ``name``; a name the spec does not use is a usage error."""
    users = provider.secret_users()
    if name not in users:
        close = difflib.get_close_matches(name, list(users), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(users) or "none"
        raise UsageError(f"no service in {provider.spec.path} reads a secret named {name!r}{hint} "
                         f"(secrets the spec uses: {known})")
    return users[name]


def check_secret_value(name: str, value: str) -> None:
    if not value:
        raise UsageError(f"the value for secret {name!r} is empty; pipe it on stdin or pass --from-file")
    size = len(value.encode())
    if size > MAX_SECRET_BYTES:
        raise UsageError(f"the value for secret {name!r} is {size} bytes; secret stores take at most "
                         f"{MAX_SECRET_BYTES} bytes")


def store_secret(provider: Provider, name: str, value: str, *, roll: bool = False,
                 deadline: Deadline, on_status: StatusCallback | None = None,
                 on_restart: Callable[[str], None] | None = None) -> SecretStored:
    """Store ``value`` as secret ``name``; with ``roll``, restart the services that read it and
    wait until they are healthy again (raises NotHealthy, exit 4, when they are not)."""
    services = check_secret_name(provider, name)
    check_secret_value(name, value)
    where = provider.store_secret(name, value, deadline=deadline)
    result = SecretStored(name, where, services)
    if roll and services:
        for service in services:
            provider.restart(service, deadline=deadline)
            if on_restart:
                on_restart(service)
        result.status = wait_healthy(provider, services, deadline, on_status)
        result.rolled = True
    return result

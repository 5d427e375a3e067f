"""Reading the live app: the app's network, every service, the secrets (never their values).

Three calls for a plan (``GET /services``, ``GET /networks?filters=name``, ``GET /secrets``); the
tasks and nodes only for status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cloudorch.errors import ProviderError
from cloudorch.live.ownership import Markers
from cloudorch_providers.swarm.convert import SERVICE_LABEL, SIDECAR_LABEL
from cloudorch_providers.swarm.live.clients import Engine, docker_errors

SECRET_BASE = "cloudorch.secret"  # the Docker secret name a version belongs to
SECRET_VERSION = "cloudorch.secret-version"
_VERSIONED = re.compile(r"^(?P<base>.+)\.v(?P<n>\d+)$")


def owned(labels: dict[str, str] | None, app: str) -> bool:
    """Whether Docker labels carry ``app``'s ownership markers (the kit's rule)."""
    return Markers().owns(labels, app)


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return (obj.get("Spec") or {}).get("Labels") or obj.get("Labels") or {}


@dataclass
class Live:
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    network: dict[str, Any] | None = None
    secrets: list[dict[str, Any]] = field(default_factory=list)

    def owned_services(self, app: str) -> dict[str, dict[str, Any]]:
        return {n: s for n, s in self.services.items() if owned(labels_of(s), app)}

    def secret_version(self, base: str) -> dict[str, Any] | None:
        """The newest version of Docker secret ``base``: ``base`` itself (version 1) or ``base.vN``
        carrying our version labels."""
        best, best_n = None, 0
        for secret in self.secrets:
            name, labels = secret["Spec"]["Name"], labels_of(secret)
            if name == base:
                n = int(labels.get(SECRET_VERSION, "1")) if labels.get(SECRET_BASE) == base else 1
            elif labels.get(SECRET_BASE) == base and _VERSIONED.match(name):
                n = int(labels.get(SECRET_VERSION) or _VERSIONED.match(name).group("n"))
            else:
                continue
            if n > best_n:
                best, best_n = secret, n
        return best


def spec_service_of(service: dict[str, Any]) -> tuple[str | None, str | None]:
    labels = labels_of(service)
    return labels.get(SERVICE_LABEL), labels.get(SIDECAR_LABEL)


def read_live(engine: Engine, network: str, secrets: bool = True) -> Live:
    live = Live()
    with docker_errors("listing services", engine):
        for service in engine.api.services():
            live.services[service["Spec"]["Name"]] = service
    with docker_errors(f"reading network {network}", engine):
        found = [n for n in engine.api.networks(names=[network]) if n.get("Name") == network]
    if len(found) > 1:
        raise ProviderError(f"{len(found)} networks are named {network}; remove the extra ones or set "
                            "providers.swarm.network")
    live.network = found[0] if found else None
    if secrets:
        with docker_errors("listing secrets", engine):
            live.secrets = list(engine.api.secrets())
    return live


def read_tasks(engine: Engine, service_ids: list[str]) -> list[dict[str, Any]]:
    if not service_ids:
        return []
    with docker_errors("listing tasks", engine):
        return list(engine.api.tasks(filters={"service": service_ids}))


def read_nodes(engine: Engine) -> dict[str, dict[str, Any]]:
    with docker_errors("listing nodes", engine):
        return {n["ID"]: n for n in engine.api.nodes()}

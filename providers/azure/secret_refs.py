"""Secrets in rendered container groups: placeholders that name where a value comes from.

ACI takes a secret as ``environmentVariables[].secureValue`` (never returned by the API) and a
registry password as ``imageRegistryCredentials[].password``. ``render`` puts a placeholder there,
e.g. ``<placeholder: secret session-key, read from env SHOP_SESSION_KEY at deploy time>``, never
the value, even when that variable is set while rendering. The live code reads each source at
deploy time and substitutes the placeholders it finds (see :func:`refs`).

Registry logins for ``image_pull_secret`` (decision): either the secret's plain source holds
``username:password`` (split at the first colon at deploy time; both parts are placeholders), or
the secret is mapped to ``{server, username, password_env | password_file}`` (the username is then
written as given; only the password is a placeholder). ``server`` defaults to the registry host of
the service's image (``index.docker.io`` for Docker Hub). ACI attaches credentials per group, by
server: a sidecar whose image lives on another registry is pulled anonymously.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cloudorch.spec.models import App
from cloudorch_providers.azure.settings import DOCKER_HUB, AzureSettings, SecretSource

Part = Literal["value", "username", "password"]


@dataclass(frozen=True)
class SecretRef:
    """One place a secret value goes: the ``part`` of spec secret ``secret``, read from ``source``."""

    secret: str
    source: SecretSource
    part: Part = "value"

    @property
    def placeholder(self) -> str:
        what = f"secret {self.secret}" if self.part == "value" else f"{self.part} part of secret {self.secret}"
        return f"<placeholder: {what}, read from {self.source.describe()} at deploy time>"


def registry_host(image: str) -> str:
    """The registry an image is pulled from (Docker Hub when the reference names none)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def registry_credential(image: str, secret: str, source: SecretSource) -> tuple[dict, list[SecretRef]]:
    """The ``imageRegistryCredentials`` entry for a service's pull secret, and its placeholders."""
    server = source.server or registry_host(image)
    password = SecretRef(secret, source, "password")
    if source.is_login:
        return {"server": server, "username": source.username, "password": password.placeholder}, [password]
    username = SecretRef(secret, source, "username")
    return ({"server": server, "username": username.placeholder, "password": password.placeholder},
            [username, password])


def refs(app: App, settings: AzureSettings) -> dict[str, SecretRef]:
    """Every placeholder ``render`` can emit for this app -> what to put in its place."""
    found: dict[str, SecretRef] = {}
    for service in app.services.values():
        for container in (service, *service.sidecars):
            for secret in container.secrets.values():
                ref = SecretRef(secret, settings.source(secret))
                found[ref.placeholder] = ref
        if service.image_pull_secret:
            _, pulls = registry_credential(service.image, service.image_pull_secret,
                                           settings.source(service.image_pull_secret))
            found.update((ref.placeholder, ref) for ref in pulls)
    for job in app.jobs.values():
        for secret in job.secrets.values():
            ref = SecretRef(secret, settings.source(secret))
            found[ref.placeholder] = ref
    return found

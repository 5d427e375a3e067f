"""Docker secrets for ``cloudorch secrets set/list`` and rolling restarts.

Docker secrets are immutable, so a value is never changed in place: storing a value creates a new
secret. Spec secret ``NAME`` lives in the Docker secret ``providers.swarm.secrets.NAME`` (default:
``NAME``), call it BASE:

- when no BASE exists, the value is stored as BASE itself, with our labels (version 1);
- when BASE exists (the user's or ours), it becomes ``BASE.v<N+1>``, labelled
  ``cloudorch.secret=BASE`` and ``cloudorch.secret-version=N+1`` and with the app's markers; services
  use the newest version, so the next ``deploy`` (or ``secrets set --roll``, which calls
  :func:`restart`) updates them to it, rolling their tasks;
- older versions ``BASE.vN`` stored by cloudorch that no service uses any more are removed (BASE
  itself is kept: stack files name it); those still in use stay until a later ``secrets set`` or
  ``destroy`` (which removes every version stored for the app, never a BASE the user created).

The value goes to the engine once, in the create call, and is never read back (Docker cannot).
"""

from __future__ import annotations

import copy

from cloudorch.errors import ProviderError
from cloudorch.provider import SecretLocation
from cloudorch_providers.swarm.live.clients import Engine, docker_errors
from cloudorch_providers.swarm.live.state import SECRET_BASE, SECRET_VERSION, Live, labels_of, owned

NAME_MAX = 64


def _version(live: Live, base: str) -> int:
    newest = live.secret_version(base)
    if newest is None:
        return 0
    return int(labels_of(newest).get(SECRET_VERSION) or 1)


def store(engine: Engine, live: Live, app: str, markers: dict[str, str], base: str, value: str) -> str:
    current = _version(live, base)
    version = current + 1
    name = base if current == 0 else f"{base}.v{version}"
    if len(name) > NAME_MAX:
        raise ProviderError(f"Docker secret name {name!r} would be {len(name)} characters; Docker allows "
                            f"{NAME_MAX}: map the secret to a shorter name under providers.swarm.secrets")
    labels = {**markers, SECRET_BASE: base, SECRET_VERSION: str(version)}
    with docker_errors(f"creating Docker secret {name}", engine):
        engine.api.create_secret(name, value.encode(), labels=labels)
    _remove_unused(engine, live, app, base)
    where = f"Docker secret {name}"
    if current:
        where += (f" (version {version} of {base}; services switch to it on the next deploy or "
                  "`secrets set --roll`)")
    return where


def _remove_unused(engine: Engine, live: Live, app: str, base: str) -> None:
    """Remove older versions of ``base`` stored by cloudorch for ``app`` that no service references."""
    import docker.errors

    in_use = {ref.get("SecretID") for service in live.services.values()
              for ref in ((service["Spec"].get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Secrets") or []}
    for secret in live.secrets:
        labels = labels_of(secret)
        if secret["Spec"]["Name"] == base:  # the name stack files and the settings point at stays
            continue
        if labels.get(SECRET_BASE) == base and owned(labels, app) and secret["ID"] not in in_use:
            with docker_errors(f"removing old Docker secret {secret['Spec']['Name']}", engine):
                try:
                    engine.api.remove_secret(secret["ID"])
                except docker.errors.APIError as exc:
                    if exc.status_code not in (404, 409) and "in use" not in str(exc.explanation or ""):
                        raise


def locations(live: Live, users: dict[str, list[str]], base_of) -> list[SecretLocation]:
    found = []
    for name, services in users.items():
        base = base_of(name)
        newest = live.secret_version(base)
        where = f"Docker secret {base}" + (f" (newest: {newest['Spec']['Name']})"
                                           if newest is not None and newest["Spec"]["Name"] != base else "")
        found.append(SecretLocation(name, where, newest is not None, services))
    return found


def restart_body(spec: dict, live: Live) -> dict:
    """The live spec of a service with its secrets moved to their newest versions and ForceUpdate
    raised: Swarm replaces every task, one at a time, in the update order."""
    spec = copy.deepcopy(spec)
    template = spec["TaskTemplate"]
    for ref in template["ContainerSpec"].get("Secrets") or []:
        base = ref["SecretName"]
        for secret in live.secrets:
            if secret["ID"] == ref.get("SecretID"):
                base = labels_of(secret).get(SECRET_BASE) or secret["Spec"]["Name"]
        newest = live.secret_version(base)
        if newest is not None:
            ref["SecretID"], ref["SecretName"] = newest["ID"], newest["Spec"]["Name"]
    template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
    return spec

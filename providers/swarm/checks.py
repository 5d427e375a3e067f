"""What Docker refuses outright in a valid spec, as (spec path, message) pairs for SpecError.

- Service names (``{app}_{service}[-{sidecar}]``) are at most 63 characters (Docker's limit).
- Two services cannot publish the same port: Docker refuses the second (ingress) or never places it
  (host mode on one node).
- ``providers.swarm.ports`` may only remap public ports of services the spec has.
- The app's labels may not use a key cloudorch sets itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import SERVICE_LABEL, SIDECAR_LABEL, STACK_LABEL, service_name
from cloudorch_providers.swarm.settings import SwarmSettings

Path = tuple[str | int, ...]
NAME_MAX = 63


def problems(app: App, settings: SwarmSettings, markers: dict[str, str]) -> Iterator[tuple[Path, str]]:
    reserved = {STACK_LABEL, SERVICE_LABEL, SIDECAR_LABEL, *markers}
    for key in app.labels:
        if key in reserved:
            yield ("labels", key), f"label {key!r} is set by cloudorch (ownership marker); use another key"
    published: dict[tuple[int, str], str] = {}
    for name, service in app.services.items():
        names = [((("services", name)), service_name(app.name, name))]
        names += [(("services", name, "sidecars", i, "name"), service_name(app.name, name, side.name))
                  for i, side in enumerate(service.sidecars)]
        for path, full in names:
            if len(full) > NAME_MAX:
                yield path, (f"Swarm service name {full!r} is {len(full)} characters; Docker allows at most "
                             f"{NAME_MAX}: shorten the app or service name")
        for i, port in enumerate(service.ports):
            if not port.public:
                continue
            number = settings.published(name, port)
            if number == 0:  # the engine picks a free one
                continue
            key = (number, "udp" if port.protocol == "udp" else "tcp")
            if key in published:
                yield (("services", name, "ports", i),
                       f"published port {number}/{key[1]} is also published by service {published[key]}; map one "
                       f"to another port under providers.swarm.ports ({name}: {{{port.port}: OTHER}})")
            published[key] = name
    for name, mapping in settings.ports.items():
        if name not in app.services:
            yield ("providers", "swarm", "ports", name), f"no service {name!r} in the spec"
            continue
        public = {p.port for p in app.services[name].ports if p.public}
        for port in mapping:
            if port not in public:
                yield (("providers", "swarm", "ports", name, port),
                       f"service {name} has no public port {port} to publish")

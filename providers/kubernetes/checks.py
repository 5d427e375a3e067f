"""What Kubernetes rejects outright in a valid spec, as (spec path, message) pairs for SpecError.

- Object names cloudorch derives must fit Kubernetes' rules: a Service name is a DNS-1035 label
  (``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63 characters), container and volume names DNS-1123
  labels (63), label values at most 63 characters, port names IANA service names (at most 15).
  The spec's own limits keep all of these in bounds today; the checks keep them honest.
- The app's ``labels`` may not use a key cloudorch sets itself (``meta.RESERVED_LABELS``): the
  ownership markers must stay intact.
- An ``image_pull_secret`` not mapped under ``secrets`` names its Secret directly, so it must be a
  valid Secret name (a DNS-1123 subdomain).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cloudorch.spec.models import App
from cloudorch_providers.kubernetes.convert_workload import port_name
from cloudorch_providers.kubernetes.meta import RESERVED_LABELS
from cloudorch_providers.kubernetes.settings import DNS1123_LABEL, DNS1123_SUBDOMAIN

Path = tuple[str | int, ...]
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")
LABEL_MAX = 63
PORT_NAME_MAX = 15


def _label(kind: str, name: str, pattern: str | re.Pattern[str], what: str) -> str | None:
    if len(name) > LABEL_MAX:
        return f"{kind} name {name!r} is {len(name)} characters; Kubernetes allows at most {LABEL_MAX}"
    if not re.match(pattern, name):
        return f"{kind} name {name!r} is not a {what}"
    return None


def name_problems(app: App) -> Iterator[tuple[Path, str]]:
    if len(app.name) > LABEL_MAX:
        yield ("name",), f"app name {app.name!r} is longer than a label value ({LABEL_MAX} characters)"
    for key in app.labels:
        if key in RESERVED_LABELS:
            yield ("labels", key), f"label {key!r} is set by cloudorch (ownership marker); use another key"
    for name, service in app.services.items():
        base: Path = ("services", name)
        problem = _label("Service", name, DNS1035_LABEL, "DNS-1035 label ([a-z]([-a-z0-9]*[a-z0-9])?)")
        if problem:
            yield base, problem
            continue
        for i, sidecar in enumerate(service.sidecars):
            problem = _label("container", sidecar.name, DNS1123_LABEL, "DNS-1123 label")
            if problem:
                yield base + ("sidecars", i, "name"), problem
        for i, volume in enumerate(service.volumes):
            problem = _label("volume", volume.name, DNS1123_LABEL, "DNS-1123 label")
            if problem:
                yield base + ("volumes", i, "name"), problem
        for i, port in enumerate(service.ports):
            pname = port_name(port.protocol, port.port)
            if len(pname) > PORT_NAME_MAX or not IANA_SVC_NAME.match(pname):
                yield base + ("ports", i), f"port name {pname!r} is not an IANA service name"


def secret_problems(app: App, settings, provider: str) -> Iterator[tuple[Path, str]]:
    for name, service in app.services.items():
        pull = service.image_pull_secret
        if pull and pull not in settings.secrets and not (
            len(pull) <= 253 and re.match(DNS1123_SUBDOMAIN, pull)
        ):
            yield (("services", name, "image_pull_secret"),
                   f"{pull!r} is not a Kubernetes Secret name; map it to one under "
                   f"providers.{provider}.secrets ({pull}: {{secret: NAME}})")


def problems(app: App, settings, provider: str) -> list[tuple[Path, str]]:
    return [*name_problems(app), *secret_problems(app, settings, provider)]

"""The lint rules: container-security and reliability practices checked on the spec itself.

Each rule has a stable id, a severity, a one-line title and the fix; its check yields
``(path, message)`` pairs, ``path`` being the spec path the finding points at (the value, or the
service's key when the field is absent). The rule set is compared with kube-score, Checkov and the
Kubernetes Pod Security "restricted" profile in the README ("cloudorch lint")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from cloudorch.spec.loader import Spec
from cloudorch.spec.models import Container, Service

Path = tuple[str | int, ...]
Check = Callable[[Spec], Iterator[tuple[Path, str]]]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    fix: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Severity, title: str, fix: str):
    def register(check: Check) -> Check:
        RULES[id] = Rule(id, severity, title, fix, check)
        return check

    return register


def _containers(spec: Spec) -> Iterator[tuple[Path, Container, Service]]:
    """Every container of the app (services and their sidecars) with its spec path."""
    for name, service in spec.app.services.items():
        yield ("services", name), service, service
        for i, sidecar in enumerate(service.sidecars):
            yield ("services", name, "sidecars", i), sidecar, service


def _written(spec: Spec, path: Path) -> bool:
    """Whether the file sets ``path`` (a default the models filled in is not written)."""
    return tuple(path) in spec.located.keys


# -- images ----------------------------------------------------------------------------------
def _tag(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


@rule("CO101", Severity.WARNING, "image without a tag, or tagged latest",
      "name a version tag (nginx:1.27.2), so every replica and every redeploy runs the same image")
def _image_tag(spec: Spec):
    for path, container, _ in _containers(spec):
        if "@sha256:" in container.image:
            continue
        tag = _tag(container.image)
        if tag in (None, "latest"):
            yield (*path, "image"), f"image {container.image!r} is {'untagged' if tag is None else 'tagged latest'}"


@rule("CO102", Severity.INFO, "image not pinned by digest",
      "append the digest (image:tag@sha256:...) so a re-pushed tag cannot change what runs")
def _image_digest(spec: Spec):
    for path, container, _ in _containers(spec):
        if "@sha256:" not in container.image:
            yield (*path, "image"), f"image {container.image!r} is not pinned by digest"


# -- security context ------------------------------------------------------------------------
@rule("CO201", Severity.WARNING, "container may run as root",
      "set security.run_as_user to a non-zero uid (e.g. 10001) the image can run as")
def _root(spec: Spec):
    for name, service in spec.app.services.items():
        security = service.security
        if security is None or security.run_as_user is None:
            yield (("services", name),
                   f"service {name} sets no security.run_as_user: the image's user (often root) runs it")
        elif security.run_as_user == 0:
            yield ("services", name, "security", "run_as_user"), f"service {name} runs as uid 0 (root)"


@rule("CO202", Severity.WARNING, "writable root file system",
      "set security.read_only_root: true and mount a scratch volume where the app writes")
def _read_only_root(spec: Spec):
    for name, service in spec.app.services.items():
        if not (service.security and service.security.read_only_root):
            yield ("services", name), f"service {name} can write to its root file system"


@rule("CO203", Severity.WARNING, "Linux capabilities not dropped",
      "set security.drop_capabilities: true (the app keeps none of root's capabilities)")
def _capabilities(spec: Spec):
    for name, service in spec.app.services.items():
        if not (service.security and service.security.drop_capabilities):
            yield ("services", name), f"service {name} keeps the runtime's default Linux capabilities"


# -- secrets in env --------------------------------------------------------------------------
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                         r"CREDENTIALS?|_KEY$|^KEY$)", re.IGNORECASE)
CREDENTIAL_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
NOT_A_SECRET = re.compile(r"^(true|false|yes|no|on|off|\d+(\.\d+)?[a-z]{0,2})$", re.IGNORECASE)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """Long, unbroken and high-entropy: an API key or token rather than a word or a URL."""
    return len(value) >= 20 and " " not in value and "://" not in value and entropy(value) >= 4.0


@rule("CO301", Severity.ERROR, "secret-looking value in env",
      "move the value to the cloud's secret store and reference it under `secrets:` "
      "(`cloudorch secrets set NAME`); env values are shown in the console and in plans")
def _env_secrets(spec: Spec):
    for path, container, _ in _containers(spec):
        for var, value in container.env.items():
            where = (*path, "env", var)
            if CREDENTIAL_URL.match(value):
                yield where, f"env {var} holds a URL with a password in it"
            elif SECRET_NAME.search(var) and value and not NOT_A_SECRET.match(value):
                yield where, f"env {var} looks like a secret by its name and holds a literal value"
            elif looks_random(value):
                yield where, f"env {var} holds a long random-looking value (a key or token?)"


# -- exposure --------------------------------------------------------------------------------
ADMIN_PORTS = {22: "SSH", 23: "telnet", 2375: "Docker API", 2376: "Docker API", 3306: "MySQL",
               3389: "RDP", 5432: "PostgreSQL", 5984: "CouchDB", 6379: "Redis", 9042: "Cassandra",
               9200: "Elasticsearch", 11211: "memcached", 1433: "SQL Server", 1521: "Oracle",
               27017: "MongoDB", 5672: "AMQP", 2379: "etcd", 10250: "kubelet"}


@rule("CO401", Severity.ERROR, "admin or database port public",
      "set public: false; reach it from the app's own services by name, or through a bastion or VPN")
def _public_admin_ports(spec: Spec):
    for name, service in spec.app.services.items():
        for i, port in enumerate(service.ports):
            if port.public and port.port in ADMIN_PORTS:
                yield (("services", name, "ports", i),
                       f"service {name} makes port {port.port} ({ADMIN_PORTS[port.port]}) public")


# -- reliability -----------------------------------------------------------------------------
@rule("CO501", Severity.WARNING, "no health check",
      "add health: {http: {path: /healthz, port: N}} (or tcp/command) so a hung replica is replaced")
def _no_health(spec: Spec):
    for name, service in spec.app.services.items():
        if service.health is None:
            yield (("services", name),
                   f"service {name} has no health check: a running but hung replica counts as healthy")


@rule("CO502", Severity.WARNING, "no resources",
      "set resources: {cpu: 0.5, memory: 512Mi}: the defaults (0.25 vCPU, 512 MiB) are a guess")
def _no_resources(spec: Spec):
    for path, _, _ in _containers(spec):
        if not _written(spec, (*path, "resources")):
            yield path, f"{'.'.join(map(str, path))} sets no resources; it gets the defaults"


@rule("CO503", Severity.WARNING, "autoscale without a health check",
      "add a health check: the autoscaler adds replicas that receive traffic before they are ready")
def _autoscale_without_health(spec: Spec):
    for name, service in spec.app.services.items():
        if service.autoscale and service.health is None:
            yield ("services", name, "autoscale"), f"service {name} autoscales but has no health check"


@rule("CO504", Severity.WARNING, "a single replica behind a public port",
      "run replicas: 2 or more (or autoscale with min 2): one replica means downtime on every update")
def _single_public_replica(spec: Spec):
    for name, service in spec.app.services.items():
        public = any(p.public for p in service.ports)
        lowest = service.autoscale.min if service.autoscale else service.replicas
        if public and lowest == 1:
            at = ("services", name, "autoscale", "min") if service.autoscale else ("services", name, "replicas")
            yield at, f"service {name} is public and runs a single replica"

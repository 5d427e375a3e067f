"""What ACI would refuse, checked before anything is sent; each problem is a SpecIssue at the field.

Sources (Microsoft Learn, "Resource availability & quota limits for ACI",
container-instances-resource-and-quota-limits, revision of 2025-11-17):

- hard limits per container group: 60 containers, 20 volumes, 5 ports per IP address;
- Standard-SKU group size: at most 31 vCPU / 240 GB, but "deployment failures when creating
  container groups with more than 4 vCPUs and 16 GB of memory ... may be due to regional capacity
  limits" until a quota increase: the settings ``max_cpu_per_group`` / ``max_memory_gb_per_group``
  default to 4 / 16 and may be raised to 31 / 240;
- a group's minimum allocation is 1 vCPU and 1 GB ("Container groups in Azure Container
  Instances", same site; a 0.5 vCPU group failed with HTTP 500 in
  hashicorp/terraform-provider-azurerm issue #26925): smaller groups are not refused here, since
  many regions accept them, but the fit report flags them.

Names (``providers.azure.naming``): the group name of the highest replica index the service can
reach (``replicas``, or ``autoscale.max``), every container name, and public DNS labels. ARM
allows at most 50 tags per resource (6 are ours: markers, service, replica, replica count,
secret hash; the rest are the app's labels).
"""

from __future__ import annotations

from cloudorch.errors import SpecIssue
from cloudorch.spec import Spec
from cloudorch.spec.models import Service
from cloudorch_providers.azure.convert import tag_key
from cloudorch_providers.azure.naming import dns_label, dns_label_problem, group_name, name_problem
from cloudorch_providers.azure.network import Names, is_private, public_services
from cloudorch_providers.azure.settings import AzureSettings
from cloudorch_providers.azure.sizing import group_size

MAX_CONTAINERS = 60
MAX_VOLUMES = 20
MAX_PORTS_PER_IP = 5
MAX_TAGS = 50
OUR_TAGS = 6
MIN_GROUP_CPU = 1.0
MIN_GROUP_MEMORY_GB = 1.0


def highest_replica(service: Service) -> int:
    count = max(service.desired_replicas, service.autoscale.max if service.autoscale else 0, 1)
    return count - 1


def issues(spec: Spec, settings: AzureSettings) -> list[SpecIssue]:
    found = []
    for name, service in spec.app.services.items():
        found += [_issue(spec, path, message) for path, message in _service(spec, settings, name, service)]
    found += [spec.issue(path, message) for path, message in _secrets(spec, settings)]
    if is_private(spec.app, settings):
        found += [_issue(spec, path, message) for path, message in _private_network(spec, settings)]
    else:
        found += [_issue(spec, path, message) for path, message in _own_public_ips(spec)]
    labels = spec.app.labels
    if len(labels) + OUR_TAGS > MAX_TAGS:
        found.append(spec.issue(("labels",), f"{len(labels)} labels; ARM allows {MAX_TAGS} tags per resource "
                                             f"and cloudorch adds {OUR_TAGS}"))
    keys: dict[str, str] = {}
    for key in labels:
        other = keys.setdefault(tag_key(key).lower(), key)
        if other != key:
            found.append(spec.issue(("labels", key), f"labels {other!r} and {key!r} become the same Azure tag "
                                                     f"{tag_key(key)!r} (tag names ignore case, '/' becomes '_')"))
    return found


def _issue(spec: Spec, path: tuple, message: str) -> SpecIssue:
    """An issue at ``path``; one about a service as a whole points at the service's name."""
    if len(path) == 2 and path[0] == "services":
        return spec.issue(path, message, key=True)
    return spec.issue(path, message)


def _service(spec: Spec, settings: AzureSettings, name: str, service: Service):
    app = spec.app.name
    base = ("services", name)
    last = highest_replica(service)
    problem = name_problem(group_name(app, name, last))
    if problem:
        yield base, f"container group name {problem}; shorten the app or service name"
    for i, sidecar in enumerate(service.sidecars):
        if "--" in sidecar.name:
            yield base + ("sidecars", i, "name"), f"{sidecar.name!r} has consecutive hyphens, which ACI does not allow"
    public = [p for p in service.ports if p.public]
    if public:
        rg = settings.resource_group_for(app)
        problem = dns_label_problem(dns_label(app, name, last, rg, settings.dns_label_prefix))
        if problem:
            where = ("providers", "azure", "dns_label_prefix") if settings.dns_label_prefix else base
            yield where, f"{problem} (service {name}, replica {last}); choose a shorter dns_label_prefix"
    if len(public) > MAX_PORTS_PER_IP:
        yield base + ("ports",), f"{len(public)} public ports; ACI exposes at most {MAX_PORTS_PER_IP} per IP address"
    if 1 + len(service.sidecars) > MAX_CONTAINERS:
        count = 1 + len(service.sidecars)
        yield base + ("sidecars",), f"{count} containers; an ACI group holds at most {MAX_CONTAINERS}"
    if len(service.volumes) > MAX_VOLUMES:
        yield base + ("volumes",), f"{len(service.volumes)} volumes; an ACI group holds at most {MAX_VOLUMES}"
    size = group_size(service)
    if size.cpu > settings.max_cpu_per_group or size.memory_gb > settings.max_memory_gb_per_group:
        yield base + ("resources",), (
            f"one container group (main container + sidecars) requests {size.cpu:g} vCPU / {size.memory_gb:g} GB; "
            f"the limit is {settings.max_cpu_per_group:g} vCPU / {settings.max_memory_gb_per_group:g} GB "
            "(providers.azure.max_cpu_per_group / max_memory_gb_per_group; ACI's ceiling is 31 / 240 "
            "with a raised quota)")


def _secrets(spec: Spec, settings: AzureSettings):
    env = {n for s in spec.app.services.values() for c in (s, *s.sidecars) for n in c.secrets.values()}
    for secret, source in settings.secrets.items():
        if source.is_login and secret in env:
            yield (("providers", "azure", "secrets", secret),
                   "a registry login (server/username/password_*) can only serve an image_pull_secret, "
                   "but this secret is also an environment variable; give {env: VAR} or {file: PATH}")


def _own_public_ips(spec: Spec):
    """Outside the private network each group has its own public IP, and ACI exposes a container's
    ports on it as they are: it cannot publish a port on another number."""
    for name, service in spec.app.services.items():
        for index, port in enumerate(service.ports):
            if port.published is not None and port.published != port.port:
                yield (("services", name, "ports", index, "published"),
                       f"a container group's public IP exposes port {port.port} as it is (ACI does not remap "
                       f"ports); published {port.published} needs the app's private network (providers.azure."
                       "network: private), where the Application Gateway listens on it")


def _private_network(spec: Spec, settings: AzureSettings):
    """Public ports in the app's private network go through one Application Gateway (see
    ``cloudorch_providers.azure.network``): no UDP, and each port number serves one service."""
    taken: dict[int, str] = {}
    for name in public_services(spec.app):
        for index, port in enumerate(spec.app.services[name].ports):
            if not port.public:
                continue
            where = ("services", name, "ports", index)
            if port.protocol == "udp":
                yield where, ("a public udp port cannot be served in the app's private network: container groups "
                              "there get no public IP and Application Gateway has no UDP; make it private or set "
                              "providers.azure.network: public (services then do not reach each other by name)")
            elif port.outside in taken:
                yield where, (f"public port {port.outside} is already published by service {taken[port.outside]}; "
                              "the app's Application Gateway has one public IP, so each public port number serves "
                              f"one service: give one of them another number with published: (services.{name}."
                              f"ports[{index}].published)")
            else:
                taken[port.outside] = name
    if public_services(spec.app):
        label = Names(spec.app, settings, "-").gateway_label
        problem = dns_label_problem(label)
        if problem:
            where = ("providers", "azure", "dns_label_prefix") if settings.dns_label_prefix else ("name",)
            yield where, f"{problem} (the Application Gateway's public IP); choose a shorter dns_label_prefix"

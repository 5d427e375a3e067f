"""How each spec feature maps onto Azure Container Instances: the notes of ``validate -p azure``.

Every key of ``cloudorch.spec.fields.FEATURE_KEYS`` is answered (a test checks it); the mapping
itself is described in ``cloudorch_providers.azure.convert``. In short:

- exact: image, image_pull_secret, command, env, secrets, ports.udp, volumes, sidecars, health.http,
  health.command, health.start_period, resources and labels (unless rounded / rewritten);
- in the app's private network (``cloudorch_providers.azure.network``): depends_on, env values naming
  services, private ports and public ports (through the Application Gateway) are exact;
- lossy: args without command, http ports (plain TCP / plain HTTP), replicas (separate groups: DNS
  round robin, no load balancer); outside the private network also non-public ports and depends_on
  (no name resolution between groups) and public ports on more than one replica; resources that
  need rounding, fractional probe durations, labels with '/';
- unsupported: autoscale, health.tcp, every security.* key.
"""

from __future__ import annotations

from cloudorch.provider import Fit
from cloudorch.spec.fields import FitFunction
from cloudorch.spec.models import App, Container, Health, Service
from cloudorch_providers.azure.convert import command_line, probe, tag_key
from cloudorch_providers.azure.limits import MIN_GROUP_CPU, MIN_GROUP_MEMORY_GB
from cloudorch_providers.azure.naming import dns_label, group_name
from cloudorch_providers.azure.network import Names, hosts, is_private
from cloudorch_providers.azure.secret_refs import registry_host
from cloudorch_providers.azure.settings import AzureSettings
from cloudorch_providers.azure.sizing import aci_size, describe_rounding, group_size

EXACT, LOSSY, UNSUPPORTED = Fit.EXACT, Fit.LOSSY, Fit.UNSUPPORTED

_SECURITY = {
    "security.run_as_user": "ACI refuses securityContext.runAsUser (SecurityContextNotSupported: only the "
                            "privileged flag is supported); not sent, the image's USER applies",
    "security.run_as_group": "ACI refuses securityContext.runAsGroup (SecurityContextNotSupported); not sent, "
                             "the image's group applies",
    "security.read_only_root": "ACI has no read-only root filesystem; the root filesystem stays writable",
    "security.drop_capabilities": "ACI refuses securityContext.capabilities (SecurityContextNotSupported); "
                                  "not sent, the container keeps ACI's default capabilities",
}


def fit_function(app: App, settings: AzureSettings) -> FitFunction:
    def fit(name: str, service: Service, key: str) -> tuple[Fit, str]:
        if key in _SECURITY:
            return UNSUPPORTED, _SECURITY[key]
        if key.startswith("health.") or key == "health":
            return _health(service.health, key)
        if key.startswith("ports"):
            return _ports(app, settings, name, service, key)
        handler = _HANDLERS.get(key)
        if handler is None:
            raise KeyError(f"no Azure mapping for spec feature {key!r}")
        return handler(app, settings, name, service)

    return fit


def _image(app, settings, name, service):
    return EXACT, "the container's image"


def _pull_secret(app, settings, name, service):
    secret = service.image_pull_secret
    source = settings.source(secret)
    server = source.server or registry_host(service.image)
    how = (f"username {source.username!r}, password from {source.describe()}" if source.is_login
           else f"'username:password' from {source.describe()}")
    return EXACT, (f"imageRegistryCredentials for {server}: {how}, read at deploy time; "
                   "sidecar images on other registries are pulled anonymously")


def _command(app, settings, name, service):
    return EXACT, "ACI command = command + args; it replaces the image's ENTRYPOINT and CMD"


def _args(app, settings, name, service):
    if service.command is not None:
        return EXACT, "appended to command in ACI's single command array"
    return LOSSY, (f"ACI has one command array, which replaces the image's ENTRYPOINT: the args alone become "
                   f"the whole command line {command_line(service)} and the image's ENTRYPOINT is lost; "
                   "give command too")


def _env(app, settings, name, service):
    naming = [f"{var} names service {other}" for var, value in service.env.items()
              for other in sorted(_hosts(value) & app.services.keys()) if other != name]
    if naming and is_private(app, settings):
        return EXACT, (f"environmentVariables (name, value); {'; '.join(naming)}, which resolves in the app's "
                       f"private DNS zone {settings.zone_for(app.name)}")
    if naming:
        return LOSSY, (f"environmentVariables (name, value); {'; '.join(naming)}, which does not resolve "
                       "between ACI groups without a VNet")
    return EXACT, "environmentVariables (name, value)"


def _hosts(value: str) -> set[str]:
    return hosts(str(value))


def _secrets(app, settings, name, service):
    parts = []
    for var, secret in service.secrets.items():
        default = "" if secret in settings.secrets else " (default source)"
        parts.append(f"{var} <- {secret} from {settings.source(secret).describe()}{default}")
    return EXACT, ("environmentVariables secureValue (never returned by the API), read at deploy time: "
                   + "; ".join(parts))


def _private_ports(app, settings, name, service, key):
    zone, replicas = settings.zone_for(app.name), service.desired_replicas
    public = [p for p in service.ports if p.public]
    if key == "ports.http":
        return LOSSY, ("TCP ports; a public one gets an HTTP listener on the app's Application Gateway (plain HTTP: "
                       "no TLS termination is configured)" if public else "TCP ports (ACI has no HTTP routing)")
    if key == "ports.udp":
        return EXACT, f"UDP ports on the groups' private IPs ({name}.{zone})"
    if key == "ports.public":
        names = Names(app, settings, "-")
        ports = ", ".join(f"{p.outside}{f'->{p.port}' if p.outside != p.port else ''} "
                          f"({'HTTP' if p.protocol == 'http' else 'TCP'} listener)" for p in public)
        return EXACT, (f"through the app's Application Gateway {names.gateway} on public IP {names.public_ip} "
                       f"({names.gateway_fqdn(settings.location)}), port {ports}, balanced over the {replicas} "
                       f"group(s) of {name} found by name ({name}.{zone}): ACI groups in a virtual network "
                       "cannot have a public IP; the gateway (Standard_v2) is billed per hour")
    ports = ", ".join(str(p.port) for p in service.ports)
    return EXACT, (f"ports {ports} on the groups' private IPs in the app's virtual network, reached by name as "
                   f"{name}:PORT (A record {name}.{zone}, one IP per replica)")


def _ports(app, settings, name, service, key):
    if is_private(app, settings):
        return _private_ports(app, settings, name, service, key)
    replicas = service.desired_replicas
    if key == "ports.http":
        return LOSSY, "served as plain TCP ports: ACI has no HTTP load balancer and no TLS termination"
    if key == "ports.udp":
        return EXACT, "UDP ports"
    if key == "ports.public":
        public = ", ".join(str(p.port) for p in service.ports if p.public)
        rg = settings.resource_group_for(app.name)
        first = f"{dns_label(app.name, name, 0, rg, settings.dns_label_prefix)}.{settings.location}.azurecontainer.io"
        if replicas <= 1:
            return EXACT, f"public IP with ports {public} and DNS name {first}"
        return LOSSY, (f"each of the {replicas} groups gets its own public IP and DNS name ({first}, ...) with "
                       f"ports {public}; nothing balances traffic between them")
    private = [str(p.port) for p in service.ports if not p.public]
    if not private:
        return EXACT, "container ports, exposed on the group's public IP"
    which = f"port {private[0]} has" if len(private) == 1 else f"ports {', '.join(private)} have"
    return LOSSY, (f"{which} no address outside the group: an ACI group gets an IP only when a port is "
                   "public, and groups cannot reach each other without a VNet; only the group's own "
                   "containers (sidecars) reach it, on localhost")


def _resources(app, settings, name, service):
    rounded = []
    for label, spec in (("main", service), *((s.name, s) for s in service.sidecars)):
        rounded += [f"{label}: {r}" for r in describe_rounding(spec.resources, aci_size(spec.resources))]
    size = group_size(service)
    note = f"per group {size.cpu:g} vCPU / {size.memory_gb:g} GB, requests = limits"
    if size.cpu < MIN_GROUP_CPU or size.memory_gb < MIN_GROUP_MEMORY_GB:
        note += (f"; below ACI's documented group minimum of {MIN_GROUP_CPU:g} vCPU / {MIN_GROUP_MEMORY_GB:g} GB, "
                 "which some regions refuse")
    if rounded:
        return LOSSY, f"rounded up: {'; '.join(rounded)}; {note}"
    return EXACT, note


def _replicas(app, settings, name, service):
    n = service.desired_replicas
    if n == 0:
        return EXACT, "0 replicas: no container group is created"
    if n == 1:
        return EXACT, f"one container group {group_name(app.name, name, 0)}"
    if is_private(app, settings):
        return LOSSY, (f"ACI has no replicas: {n} separate container groups {group_name(app.name, name, 0)} .. "
                       f"{group_name(app.name, name, n - 1)} behind one name ({name}.{settings.zone_for(app.name)} "
                       "lists every group's IP: DNS round robin, not a load balancer; public ports are balanced "
                       "by the Application Gateway); scale adds or deletes groups")
    return LOSSY, (f"ACI has no replicas: {n} separate container groups {group_name(app.name, name, 0)} .. "
                   f"{group_name(app.name, name, n - 1)}; scale adds or deletes groups; nothing balances "
                   "traffic between them")


def _autoscale(app, settings, name, service):
    a = service.autoscale
    return UNSUPPORTED, (f"ACI has no autoscaler: {service.desired_replicas} groups are created (the start count, "
                         f"replicas clamped into {a.min}..{a.max}); max and cpu_percent are ignored and "
                         "`cloudorch autoscale` is refused")


def _health(health: Health, key: str) -> tuple[Fit, str]:
    if health.tcp is not None:
        if key == "health.tcp":
            return UNSUPPORTED, ("ACI probes offer only exec and httpGet: no probe is sent; use a health.command "
                                 "(e.g. a shell check on the port) if the image has the tools")
        return UNSUPPORTED, "no probe is sent (the tcp check has no ACI equivalent)"
    body = probe(health)
    fractional = [f"{k} {v:g}s" for k, v in (("interval", health.interval), ("timeout", health.timeout),
                                              ("start_period", health.start_period)) if v != int(v)]
    fit = LOSSY if fractional else EXACT
    rounding = f"; rounded up to whole seconds: {', '.join(fractional)}" if fractional else ""
    if key == "health.start_period":
        return fit, f"initialDelaySeconds {body['initialDelaySeconds']}{rounding}"
    what = (f"httpGet {health.http.path} on port {health.http.port}" if health.http
            else f"exec {health.command}")
    return fit, (f"livenessProbe (restarts the container) and readinessProbe: {what}, every "
                 f"{body['periodSeconds']}s, timeout {body['timeoutSeconds']}s, failureThreshold "
                 f"{body['failureThreshold']}{rounding}")


def _depends_on(app, settings, name, service):
    deps = ", ".join(service.depends_on)
    if is_private(app, settings):
        zone = settings.zone_for(app.name)
        return EXACT, (f"start order kept (the groups of {deps} are deployed first), and {deps} resolve by name in "
                       f"the app's private network (DNS zone {zone}, the groups' search domain)")
    return LOSSY, (f"start order kept (the groups of {deps} are deployed first), but ACI groups do not resolve "
                   f"each other's names without a VNet: {deps} cannot be reached by service name")


def _volumes(app, settings, name, service):
    names = ", ".join(v.name for v in service.volumes)
    return EXACT, f"emptyDir volumes {names}, living as long as the container group"


def _sidecars(app, settings, name, service):
    names = ", ".join(s.name for s in service.sidecars)
    loose = [s.name for s in service.sidecars if _args_only(s)]
    if loose:
        return LOSSY, (f"containers {names} in the same group (shared localhost and volumes); {', '.join(loose)} "
                       "give args without command, which replace the image's ENTRYPOINT on ACI")
    return EXACT, f"containers {names} in the same group, sharing localhost and the service's volumes"


def _args_only(container: Container) -> bool:
    return container.args is not None and container.command is None


def _labels(app, settings, name, service):
    rewritten = [k for k in app.labels if tag_key(k) != k]
    if rewritten:
        return LOSSY, (f"tags on every container group; ARM tag names cannot contain '/': "
                       f"{', '.join(f'{k} -> {tag_key(k)}' for k in rewritten)}")
    return EXACT, "tags on every container group, next to the ownership markers"


_HANDLERS = {
    "image": _image, "image_pull_secret": _pull_secret, "command": _command, "args": _args, "env": _env,
    "secrets": _secrets, "resources": _resources, "replicas": _replicas, "autoscale": _autoscale,
    "depends_on": _depends_on, "volumes": _volumes, "sidecars": _sidecars, "labels": _labels,
}

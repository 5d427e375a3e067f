"""Services reach each other by name on ACI: the app's private network. Pure (no SDK import).

ACI container groups resolve each other's names only inside a virtual network with a DNS zone
(Microsoft Learn, "Deploy container instances into an Azure virtual network" and "Azure Private DNS
zones"). When the app needs names (``providers.azure.network``: ``private``, or ``auto`` and a
service names another), cloudorch creates, all tagged with the ownership markers:

- a virtual network ``{app}-vnet`` (``address_space``) with a subnet ``containers`` delegated to
  ``Microsoft.ContainerInstance/containerGroups`` (first half of the space) and, when a service is
  public, a subnet ``gateway`` for the Application Gateway (which may not share a delegated subnet);
- a private DNS zone ``{app}.internal`` (``dns_zone``) linked to the network (``{app}-vnet-link``);
- per service with ports an A record set ``{service}`` listing the private IPs of its groups (one
  per replica: DNS round robin), rewritten after every group change, scale and on destroy, with
  the markers in the record set's ``metadata`` (record sets have no tags);
- every container group in the ``containers`` subnet with ``ipAddress {type: Private}`` and
  ``dnsConfig {nameServers: [168.63.129.16], searchDomains: {zone}}``, so ``api`` resolves to
  ``api.{zone}`` through Azure's DNS (which answers for zones linked to the network);
- public ports: ACI groups in a virtual network cannot have a public IP ("IP Address type can't be
  public when network profile is set"), so public services are reached through an Application
  Gateway ``{app}-gateway`` (Standard_v2, autoscaling 0-2 instances) on a public IP
  ``{app}-gateway-ip`` (Standard, static, DNS label): an ``http`` port gets an HTTP listener, a
  ``tcp`` port a TCP listener (Application Gateway's TCP proxy); the backend of a service is its
  record's name (``web.{zone}``), which the gateway resolves to the groups' IPs; the service's
  ``health.http`` check on that port becomes the gateway's probe. ``udp`` cannot be
  public there (Application Gateway has no UDP), and each public port number serves one service.
  A port's ``published`` number is the gateway's listener port; the backend is the container port.
"""

from __future__ import annotations

import ipaddress
import math
import re

from cloudorch.spec.models import App
from cloudorch_providers.azure.naming import dns_label
from cloudorch_providers.azure.settings import AzureSettings

AZURE_DNS = "168.63.129.16"  # Azure's recursive resolver, which answers for linked private zones
DELEGATION = "Microsoft.ContainerInstance/containerGroups"
CONTAINER_SUBNET, GATEWAY_SUBNET = "containers", "gateway"
RECORD_TTL = 10
_HOST = re.compile(r"(?:^|[/@])([a-z][-a-z0-9]*)(?=:\d+|/|$)")
NET = "Microsoft.Network"


def hosts(value: str) -> set[str]:
    """The names ``value`` uses as host names, e.g. ``api`` in ``http://api:8080`` or ``redis:6379``."""
    return set(_HOST.findall(value))


def named_services(app: App) -> dict[str, set[str]]:
    """service -> the other services it names (``depends_on`` and env values)."""
    found: dict[str, set[str]] = {}
    for name, service in app.services.items():
        names = set(service.depends_on)
        for container in (service, *service.sidecars):
            for value in container.env.values():
                names |= hosts(str(value)) & app.services.keys()
        names.discard(name)
        found[name] = names
    return found


def is_private(app: App, settings: AzureSettings) -> bool:
    if settings.network != "auto":
        return settings.network == "private"
    moved = any(p.public and p.outside != p.port for s in app.services.values() for p in s.ports)
    return moved or any(named_services(app).values())


def public_services(app: App) -> list[str]:
    return [n for n, s in app.services.items() if any(p.public for p in s.ports)]


class Names:
    """Names and ARM ids of the app's network resources (``subscription`` may be a placeholder)."""

    def __init__(self, app: App, settings: AzureSettings, subscription: str):
        self.app, self.settings = app.name, settings
        self.resource_group = settings.resource_group_for(app.name)
        self.subscription = subscription
        self.vnet = f"{app.name}-vnet"
        self.zone = settings.zone_for(app.name)
        self.link = f"{app.name}-vnet-link"
        self.gateway = f"{app.name}-gateway"
        self.public_ip = f"{app.name}-gateway-ip"
        self.gateway_label = dns_label(app.name, "gateway", 0, self.resource_group, settings.dns_label_prefix)

    def id(self, kind: str, name: str, *children: str) -> str:
        tail = "".join(f"/{c}" for c in children)
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{NET}/"
                f"{kind}/{name}{tail}")

    def subnet_id(self, subnet: str) -> str:
        return self.id("virtualNetworks", self.vnet, "subnets", subnet)

    def gateway_part(self, kind: str, name: str) -> dict:
        return {"id": self.id("applicationGateways", self.gateway, kind, name)}

    def fqdn(self, service: str) -> str:
        return f"{service}.{self.zone}"

    def gateway_fqdn(self, location: str) -> str:
        return f"{self.gateway_label}.{location}.cloudapp.azure.com"


def subnets(space: str) -> tuple[str, str]:
    """``(containers, gateway)`` prefixes: the first half of the space, and a /24 (at most) at the
    start of the second half."""
    first, second = ipaddress.ip_network(space).subnets(prefixlen_diff=1)
    gateway = next(second.subnets(new_prefix=max(24, second.prefixlen)))
    return str(first), str(gateway)


def vnet_body(names: Names, location: str, markers: dict[str, str], gateway: bool) -> dict:
    containers, gateway_prefix = subnets(names.settings.address_space)
    subnet_list = [{"name": CONTAINER_SUBNET, "properties": {
        "addressPrefix": containers,
        "delegations": [{"name": "aci", "properties": {"serviceName": DELEGATION}}]}}]
    if gateway:
        subnet_list.append({"name": GATEWAY_SUBNET, "properties": {"addressPrefix": gateway_prefix}})
    return {"location": location, "tags": dict(markers), "properties": {
        "addressSpace": {"addressPrefixes": [names.settings.address_space]}, "subnets": subnet_list}}


def zone_body(markers: dict[str, str]) -> dict:
    return {"location": "global", "tags": dict(markers)}


def link_body(names: Names, markers: dict[str, str]) -> dict:
    return {"location": "global", "tags": dict(markers), "properties": {
        "virtualNetwork": {"id": names.id("virtualNetworks", names.vnet)}, "registrationEnabled": False}}


def record_body(ips: list[str], markers: dict[str, str]) -> dict:
    return {"properties": {"ttl": RECORD_TTL, "metadata": dict(markers),
                           "aRecords": [{"ipv4Address": ip} for ip in sorted(ips, key=ipaddress.ip_address)]}}


def public_ip_body(names: Names, location: str, markers: dict[str, str]) -> dict:
    return {"location": location, "tags": dict(markers), "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4",
                           "dnsSettings": {"domainNameLabel": names.gateway_label}}}


def gateway_body(app: App, names: Names, location: str, markers: dict[str, str]) -> dict:
    """The Application Gateway in front of the public services: one listener per public port."""
    props: dict = {
        "sku": {"name": "Standard_v2", "tier": "Standard_v2"},
        "autoscaleConfiguration": {"minCapacity": 0, "maxCapacity": 2},
        "gatewayIPConfigurations": [{"name": "gateway", "properties": {
            "subnet": {"id": names.subnet_id(GATEWAY_SUBNET)}}}],
        "frontendIPConfigurations": [{"name": "public", "properties": {
            "publicIPAddress": {"id": names.id("publicIPAddresses", names.public_ip)}}}],
        "frontendPorts": [], "backendAddressPools": [],
    }
    http: dict[str, list] = {"probes": [], "backendHttpSettingsCollection": [], "httpListeners": [],
                             "requestRoutingRules": []}
    tcp: dict[str, list] = {"backendSettingsCollection": [], "listeners": [], "routingRules": []}
    priority = 100
    for name in public_services(app):
        props["backendAddressPools"].append({"name": name, "properties": {
            "backendAddresses": [{"fqdn": names.fqdn(name)}]}})
        for port in (p for p in app.services[name].ports if p.public):
            key = f"{name}-{port.port}"
            front = f"port-{port.outside}"  # the gateway listens on the published number
            props["frontendPorts"].append({"name": front, "properties": {"port": port.outside}})
            listener = {"frontendIPConfiguration": names.gateway_part("frontendIPConfigurations", "public"),
                        "frontendPort": names.gateway_part("frontendPorts", front)}
            pool = names.gateway_part("backendAddressPools", name)
            if port.protocol == "http":
                settings_body = {"port": port.port, "protocol": "Http", "requestTimeout": 30,
                                 "pickHostNameFromBackendAddress": True}
                probe = _probe(app.services[name].health, port.port)
                if probe is not None:
                    http["probes"].append({"name": key, "properties": probe})
                    settings_body["probe"] = names.gateway_part("probes", key)
                http["backendHttpSettingsCollection"].append({"name": key, "properties": settings_body})
                http["httpListeners"].append({"name": key, "properties": {**listener, "protocol": "Http"}})
                http["requestRoutingRules"].append({"name": key, "properties": {
                    "ruleType": "Basic", "priority": priority,
                    "httpListener": names.gateway_part("httpListeners", key), "backendAddressPool": pool,
                    "backendHttpSettings": names.gateway_part("backendHttpSettingsCollection", key)}})
            else:
                tcp["backendSettingsCollection"].append({"name": key, "properties": {
                    "port": port.port, "protocol": "Tcp", "timeout": 60}})
                tcp["listeners"].append({"name": key, "properties": {**listener, "protocol": "Tcp"}})
                tcp["routingRules"].append({"name": key, "properties": {
                    "ruleType": "Basic", "priority": priority, "listener": names.gateway_part("listeners", key),
                    "backendAddressPool": pool,
                    "backendSettings": names.gateway_part("backendSettingsCollection", key)}})
            priority += 10
    props.update({k: v for k, v in {**http, **tcp}.items() if v})
    return {"location": location, "tags": dict(markers), "properties": props}


def _probe(health, port: int) -> dict | None:
    """The gateway's health probe of a backend: the service's own http check when it is on this port
    (else the gateway's default probe: GET / expecting 200-399)."""
    if health is None or health.http is None or health.http.port != port:
        return None
    return {"protocol": "Http", "path": health.http.path, "interval": max(1, math.ceil(health.interval)),
            "timeout": max(1, math.ceil(health.timeout)), "unhealthyThreshold": health.retries,
            "pickHostNameFromBackendHttpSettings": True, "match": {"statusCodes": ["200-399"]}}


def group_network(names: Names, ports: list[dict]) -> dict:
    """The properties that put a container group in the containers subnet, resolving the zone."""
    props: dict = {"subnetIds": [{"id": names.subnet_id(CONTAINER_SUBNET), "name": CONTAINER_SUBNET}],
                   "dnsConfig": {"nameServers": [AZURE_DNS], "searchDomains": names.zone}}
    if ports:
        props["ipAddress"] = {"type": "Private", "ports": ports}
    return props


def documents(app: App, settings: AzureSettings, markers: dict[str, str], subscription: str) -> list:
    """The network resources in apply order (none unless the app runs in its private network).
    Record sets are not among them: their IPs are known only once the groups run."""
    from cloudorch.provider import Document

    if not is_private(app, settings):
        return []
    names = Names(app, settings, subscription)
    public = bool(public_services(app))
    docs = [Document("virtualNetworks", names.vnet, vnet_body(names, settings.location, markers, public)),
            Document("privateDnsZones", names.zone, zone_body(markers)),
            Document("virtualNetworkLinks", f"{names.zone}/{names.link}", link_body(names, markers))]
    if public:
        docs += [Document("publicIPAddresses", names.public_ip, public_ip_body(names, settings.location, markers)),
                 Document("applicationGateways", names.gateway, gateway_body(app, names, settings.location, markers))]
    return docs

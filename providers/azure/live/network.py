"""The app's private network, live: planning, applying and destroying the virtual network, private
DNS zone, its link, the gateway's public IP and the Application Gateway (see
``cloudorch_providers.azure.network``), and keeping each service's A record set in step with the
private IPs of its container groups.

Each resource is read by its exact name; one without this app's markers is refused, never adopted
or changed. A resource is written only when it differs from the desired body (desired-as-subset),
so an unchanged redeploy sends nothing. A record set is rewritten from the groups' IPs after the
service's groups changed (deploy, scale), and only when the IPs differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudorch.diff import differences, top_fields
from cloudorch.live.plan import Owned, PlanBuilder, Step
from cloudorch.provider import Action, Change, Document, Provider
from cloudorch.spec.models import App
from cloudorch_providers.azure.live.clients import Clients, azure_errors, is_not_found
from cloudorch_providers.azure.live.state import Live, owned, props, replica_of, tags_of
from cloudorch_providers.azure.network import Names, record_body

#: rendered kind -> (Change kind, ARM type)
KINDS = {
    "virtualNetworks": ("VirtualNetwork", "Microsoft.Network/virtualNetworks"),
    "privateDnsZones": ("PrivateDnsZone", "Microsoft.Network/privateDnsZones"),
    "virtualNetworkLinks": ("DnsZoneLink", "Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
    "publicIPAddresses": ("PublicIP", "Microsoft.Network/publicIPAddresses"),
    "applicationGateways": ("ApplicationGateway", "Microsoft.Network/applicationGateways"),
}
DELETE_ORDER = ("applicationGateways", "publicIPAddresses", "virtualNetworkLinks", "privateDnsZones", "virtualNetworks")
RECORD = "DnsRecord"


def _operations(az: Clients, kind: str):
    return {"virtualNetworks": lambda: az.network.virtual_networks,
            "publicIPAddresses": lambda: az.network.public_ip_addresses,
            "applicationGateways": lambda: az.network.application_gateways,
            "privateDnsZones": lambda: az.dns.private_zones,
            "virtualNetworkLinks": lambda: az.dns.virtual_network_links}[kind]()


def _args(name: str) -> tuple[str, ...]:
    return tuple(name.split("/"))  # a link is named zone/link


def read(az: Clients, resource_group: str, kind: str, name: str) -> dict[str, Any] | None:
    from azure.core.exceptions import HttpResponseError

    with azure_errors(f"reading {KINDS[kind][0]} {name} in resource group {resource_group}"):
        try:
            return _operations(az, kind).get(resource_group, *_args(name)).as_dict()
        except HttpResponseError as exc:
            if is_not_found(exc):
                return None
            raise


def read_records(az: Clients, resource_group: str, zone: str) -> dict[str, dict[str, Any]]:
    from azure.core.exceptions import HttpResponseError

    with azure_errors(f"listing the A records of private DNS zone {zone}"):
        try:
            return {r.name: r.as_dict() for r in az.dns.record_sets.list_by_type(resource_group, zone, "A")}
        except HttpResponseError as exc:
            if is_not_found(exc):
                return {}
            raise


def record_ips(record: dict[str, Any] | None) -> list[str]:
    return sorted(r.get("ipv4Address") for r in props(record or {}).get("aRecords") or [])


@dataclass
class NetworkLive:
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (kind, name) -> ARM JSON
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # record name -> ARM JSON


def read_network(az: Clients, names: Names, app: str) -> NetworkLive:
    """The app's network resources that exist (found by name), and the A records of its zone."""
    live = NetworkLive()
    wanted = {"virtualNetworks": names.vnet, "privateDnsZones": names.zone,
              "virtualNetworkLinks": f"{names.zone}/{names.link}", "publicIPAddresses": names.public_ip,
              "applicationGateways": names.gateway}
    for kind, name in wanted.items():
        found = read(az, names.resource_group, kind, name)
        if found is not None:
            live.resources[(kind, name)] = found
    zone = live.resources.get(("privateDnsZones", names.zone))
    if zone is not None and owned(tags_of(zone), app):
        live.records = read_records(az, names.resource_group, names.zone)
    return live


def network_changes(app: App, resource_group: str, docs: list[Document], live: NetworkLive) -> list[Change]:
    """Create/update the desired network resources (the kit's create / update / no-op decision and
    ownership refusal); delete the app's ones no longer desired, dependants first (its sweep)."""
    builder = PlanBuilder(app, "azure", Provider.ownership)
    for doc in docs:
        label, found = KINDS[doc.kind][0], live.resources.get((doc.kind, doc.name))
        step = [Step(put_network, (doc.kind, doc.name, doc.body), on=f"{label} {doc.name}")]
        builder.resource(label, doc.name, None, live=found, tags=tags_of(found), create=step,
                         fields=lambda doc=doc, found=found: top_fields(differences(doc.body, found)),
                         update=lambda fields, step=step: step, where=f"in resource group {resource_group}",
                         fix="remove it, or set providers.azure.network / dns_zone / address_space to avoid it")
    rendered = {(KINDS[d.kind][0], d.name) for d in docs}
    for kind in DELETE_ORDER:  # one sweep per kind: app-wide orphans go dependants first
        mine = [Owned(KINDS[kind][0], name, None, kind) for (found_kind, name), found in live.resources.items()
                if found_kind == kind and owned(tags_of(found), app.name)]
        builder.sweep(mine, rendered, delete=lambda o: [delete_step(o.obj, o.name)],
                      reason=lambda o: "the app no longer needs it")
    return builder.changes


def group_ips(live: Live, app: str, service: str, count: int) -> list[str]:
    """Private IPs of the service's groups that serve (replica index below ``count``)."""
    ips = []
    for group in live.owned_groups(app, [service]).values():
        ip = (props(group).get("ipAddress") or {}).get("ip")
        if ip and replica_of(group) < count and (props(group).get("instanceView") or {}).get("state") != "Stopped":
            ips.append(ip)
    return sorted(ips)


def record_changes(app: str, names: Names, markers: dict[str, str], counts: dict[str, int],
                   group_changes: list[Change], live: Live, network: NetworkLive) -> list[Change]:
    """One change per service with ports whose A record set is missing or out of step (or whose groups
    change now); a DELETE for the app's record sets of services that no longer have one."""
    changes = []
    moving = {c.service for c in group_changes if c.action is not Action.NOOP}
    for service, count in counts.items():
        record = network.records.get(service)
        fqdn = names.fqdn(service)
        step = [sync_step(names.zone, service, count, markers)]
        if record is not None and not owned(dict(props(record).get("metadata") or {}), app):
            raise Provider.ownership.not_ours("A record set", fqdn, dict(props(record).get("metadata") or {}), app,
                                              fix="remove it or choose another providers.azure.dns_zone")
        action = Action.CREATE if record is None else Action.UPDATE
        if service in moving:
            changes.append(Change(action, RECORD, fqdn, service, ["aRecords"],
                                  "kept in step with the groups' private IPs once they are deployed", payload=step))
        elif record is None or record_ips(record) != group_ips(live, app, service, count):
            changes.append(Change(action, RECORD, fqdn, service, ["aRecords"],
                                  f"the groups' IPs are {', '.join(group_ips(live, app, service, count)) or 'none'}",
                                  payload=step))
        else:
            changes.append(Change(Action.NOOP, RECORD, fqdn, service))
    for name, record in network.records.items():
        if name not in counts and owned(dict(props(record).get("metadata") or {}), app):
            changes.append(Change(Action.DELETE, RECORD, names.fqdn(name), None,
                                  reason=f"service {name} has no ports or is gone",
                                  payload=[Step(delete_record, (names.zone, name),
                                                on=f"A record set {names.fqdn(name)}")]))
    return changes


def delete_step(kind: str, name: str) -> Step:
    return Step(delete_network, (kind, name), on=f"{KINDS[kind][0]} {name}")


def sync_step(zone: str, service: str, count: int, markers: dict[str, str]) -> Step:
    return Step(sync_record, (zone, service, count, dict(markers)), on=f"A record set {service}.{zone}")


def put_network(ctx, kind: str, name: str, body: dict) -> None:
    doing = f"writing {KINDS[kind][0]} {name} in resource group {ctx.resource_group}"
    with azure_errors(doing):
        ctx.deadline.check(doing)
        operations = _operations(ctx.az, kind)
        ctx.az.wait(operations.begin_create_or_update(ctx.resource_group, *_args(name), body), doing, ctx.deadline,
                    resume=lambda token: operations.begin_create_or_update(ctx.resource_group, *_args(name), body,
                                                                           continuation_token=token))


def delete_network(ctx, kind: str, name: str) -> None:
    from azure.core.exceptions import HttpResponseError

    doing = f"deleting {KINDS[kind][0]} {name} in resource group {ctx.resource_group}"
    with azure_errors(doing):
        ctx.deadline.check(doing)
        try:
            ctx.az.wait(_operations(ctx.az, kind).begin_delete(ctx.resource_group, *_args(name)), doing, ctx.deadline)
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise


def delete_record(ctx, zone: str, name: str) -> None:
    with azure_errors(f"deleting A record set {name}.{zone}"):
        ctx.az.dns.record_sets.delete(ctx.resource_group, zone, "A", name)


def sync_record(ctx, zone: str, service: str, count: int, markers: dict[str, str]) -> None:
    """Write the service's A record set from its groups' private IPs, when they differ."""
    from azure.core.exceptions import HttpResponseError

    from cloudorch_providers.azure.live.state import read_live

    az, resource_group, app = ctx.az, ctx.resource_group, ctx.app
    live = read_live(az, resource_group, app, services=[service], details=False)
    ips = group_ips(live, app, service, count)
    doing = f"writing A record set {service}.{zone}"
    with azure_errors(doing):
        try:
            current = az.dns.record_sets.get(resource_group, zone, "A", service).as_dict()
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise
            current = None
        if current is not None and record_ips(current) == ips:
            return
        az.dns.record_sets.create_or_update(resource_group, zone, "A", service, record_body(ips, markers))


def destroy_changes(app: str, names: Names, network: NetworkLive) -> list[Change]:
    """Delete the app's network resources, dependants first; a zone holding records that are not the
    app's is kept (with them)."""
    foreign = [n for n, r in network.records.items() if not owned(dict(props(r).get("metadata") or {}), app)]
    changes = []
    for kind in DELETE_ORDER:
        for (found_kind, name), found in network.resources.items():
            if found_kind != kind or not owned(tags_of(found), app):
                continue
            if kind == "privateDnsZones" and foreign:
                changes.append(Change(Action.NOOP, KINDS[kind][0], name,
                                      reason=f"kept: it holds A records not managed by app {app!r} "
                                             f"({', '.join(foreign[:3])})"))
                continue
            changes.append(Change(Action.DELETE, KINDS[kind][0], name, payload=[delete_step(kind, name)]))
    return changes


def service_records(app_services: dict[str, Any]) -> dict[str, int]:
    """service -> replica count, for the services that get an A record set (those with ports)."""
    return {name: s.desired_replicas for name, s in app_services.items() if s.ports}


"""Microsoft.Network in the ARM emulator: virtual networks, public IP addresses, application
gateways (azure-mgmt-network, api-version 2026-03-01) and private DNS zones with their virtual
network links and A record sets (azure-mgmt-privatedns, api-version 2024-06-01).

Bodies are checked against the SDKs' own models (:mod:`.sdk_schema`), then by :mod:`.network_checks`.
Writes complete at once: a PUT answers 201 (new) / 200 (replaced) with provisioningState Succeeded,
a DELETE 200 (204 when there was nothing), which azure-core's ARM poller takes as finished. Records
are kept so that :func:`resolve` answers as Azure's DNS (168.63.129.16) would inside a network.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress

from werkzeug.wrappers import Request, Response

from cloudorch_providers.azure.emulation import network_checks as checks
from cloudorch_providers.azure.emulation.arm import ArmError, group_not_found, json_response, new_id
from cloudorch_providers.azure.emulation.sdk_schema import check_body
from cloudorch_providers.azure.emulation.state import NetworkResource, State

NETWORK_API_VERSIONS = frozenset({"2026-03-01"})
DNS_API_VERSIONS = frozenset({"2024-06-01"})
#: lowercased URL word -> (ARM type, SDK model name)
TOP = {
    "virtualnetworks": ("Microsoft.Network/virtualNetworks", "VirtualNetwork"),
    "publicipaddresses": ("Microsoft.Network/publicIPAddresses", "PublicIPAddress"),
    "applicationgateways": ("Microsoft.Network/applicationGateways", "ApplicationGateway"),
    "privatednszones": ("Microsoft.Network/privateDnsZones", "PrivateZone"),
}
CHILDREN = {
    "virtualnetworklinks": ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "VirtualNetworkLink"),
    "a": ("Microsoft.Network/privateDnsZones/A", "RecordSet"),
}


def _model(kind: str, name: str) -> type:
    if kind in ("privatednszones", "virtualnetworklinks", "a"):
        from azure.mgmt.privatedns import models
    else:
        from azure.mgmt.network import models
    return getattr(models, name)


def _check_version(request: Request, kind: str) -> None:
    dns = kind in ("privatednszones", "virtualnetworklinks", "a", "all")
    allowed = DNS_API_VERSIONS if dns else NETWORK_API_VERSIONS
    version = request.args.get("api-version", "")
    if version not in allowed:
        kind_name = (CHILDREN.get(kind) or TOP.get(kind) or ("Microsoft.Network/privateDnsZones",))[0]
        raise ArmError(400, "NoRegisteredProviderFound",
                       f"No registered resource provider found for API version '{version}' and type '{kind_name}'. "
                       f"The supported api-versions are '{', '.join(sorted(allowed))}'.")


def _resource_group(state: State, sub: str, rg: str, writing: bool = False):
    group = state.resource_group(sub, rg)
    if group is None:
        raise group_not_found(rg)
    if writing and group.deleting_until is not None:
        raise ArmError(409, "ResourceGroupBeingDeleted",
                       f"The resource group '{group.name}' is in deprovisioning state and cannot perform this "
                       "operation.")
    return group


def _key(sub: str, rg: str, path: str) -> tuple[str, str, str]:
    return sub.lower(), rg.lower(), path.lower()


def _render(state: State, resource: NetworkResource) -> dict:
    out = copy.deepcopy(resource.body)
    out.update(id=resource.id, name=resource.name, type=resource.type, etag=resource.etag)
    props = out.setdefault("properties", {})
    props["provisioningState"] = "Succeeded"
    kind = resource.type.lower()
    if kind.endswith("/virtualnetworks"):
        for subnet in props.get("subnets") or []:
            subnet["id"] = f"{resource.id}/subnets/{subnet['name']}"
            subnet.setdefault("properties", {})["provisioningState"] = "Succeeded"
    elif kind.endswith("/publicipaddresses"):
        props["ipAddress"] = resource.public_ip
        label = (props.get("dnsSettings") or {}).get("domainNameLabel")
        if label:
            props["dnsSettings"]["fqdn"] = f"{label}.{resource.body['location']}.cloudapp.azure.com"
    elif kind.endswith("/privatednszones"):
        prefix = resource.path + "/"
        mine = [k[2] for k in state.network if k[:2] == _key(resource.subscription, resource.resource_group, "")[:2]]
        props["numberOfRecordSets"] = 1 + sum(1 for path in mine if path.startswith(prefix + "a/"))  # + SOA
        props["numberOfVirtualNetworkLinks"] = sum(1 for path in mine
                                                   if path.startswith(prefix + "virtualnetworklinks/"))
    elif kind.endswith("/virtualnetworklinks"):
        props["virtualNetworkLinkState"] = "Completed"
    elif kind.endswith("/a"):
        zone = resource.path.split("/")[1]
        props["fqdn"] = f"{resource.name}.{zone}."
        props["isAutoRegistered"] = False
        props.pop("provisioningState")
    return out


def _store(state: State, request: Request, sub: str, rg: str, path: str, name: str, kind: str, body: dict) -> Response:
    key = _key(sub, rg, path)
    existing = state.network.get(key)
    resource = NetworkResource(sub if existing is None else existing.subscription,
                               _resource_group(state, sub, rg).name, (TOP.get(kind) or CHILDREN[kind])[0],
                               path.lower(), name, body, f'W/"{new_id()}"')
    if kind == "virtualnetworks":
        checks.check_vnet(state, body, existing)
    elif kind == "publicipaddresses":
        checks.check_public_ip(body)
        digest = hashlib.sha256(resource.id.lower().encode()).digest()
        resource.public_ip = existing.public_ip if existing else f"52.{digest[0]}.{digest[1]}.{max(1, digest[2] % 255)}"
    elif kind == "applicationgateways":
        checks.check_gateway(state, resource.id, body)
    state.network[key] = resource
    return json_response(201 if existing is None else 200, _render(state, resource))


def _accepted(request: Request, kind: str) -> dict:
    from cloudorch_providers.azure.emulation.validation import location_key, parse_json

    body = parse_json(request.get_data())
    check_body(_model(kind, (TOP.get(kind) or CHILDREN[kind])[1]), body)
    body = copy.deepcopy(body)
    for readonly in ("id", "name", "type", "etag"):
        body.pop(readonly, None)
    body.setdefault("properties", {}).pop("provisioningState", None)
    if kind == "a":
        for record in body["properties"].get("aRecords") or []:
            try:
                ipaddress.IPv4Address(record.get("ipv4Address") or "")
            except ValueError:
                raise ArmError(400, "BadRequest",
                               f"The IPv4 address '{record.get('ipv4Address')}' is invalid.") from None
        return body
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    body["location"] = location_key(location)
    if kind in ("privatednszones", "virtualnetworklinks") and body["location"] != "global":
        raise ArmError(400, "InvalidLocation", "Private DNS zones and their links must have location 'global'.")
    return body


def put_resource(state: State, request: Request, sub: str, rg: str, kind: str, name: str) -> Response:
    _check_version(request, kind)
    _resource_group(state, sub, rg, writing=True)
    return _store(state, request, sub, rg, f"{kind}/{name}", name, kind, _accepted(request, kind))


def _zone(state: State, sub: str, rg: str, zone: str) -> NetworkResource:
    _resource_group(state, sub, rg)
    found = state.network.get(_key(sub, rg, f"privatednszones/{zone}"))
    if found is None:
        raise ArmError(404, "ParentResourceNotFound", f"Can not perform requested operation on nested resource. "
                                                      f"Parent resource '{zone}' not found.")
    return found


def put_child(state: State, request: Request, sub: str, rg: str, zone: str, child: str, name: str) -> Response:
    _check_version(request, child)
    _resource_group(state, sub, rg, writing=True)
    _zone(state, sub, rg, zone)
    body = _accepted(request, child)
    if child == "virtualnetworklinks":
        vnet_id = ((body["properties"].get("virtualNetwork") or {}).get("id")) or ""
        if checks.resource_at(state, vnet_id) is None:
            raise ArmError(400, "InvalidResourceReference", f"Resource {vnet_id} referenced by the virtual network "
                                                            f"link {name} was not found.")
    return _store(state, request, sub, rg, f"privatednszones/{zone}/{child}/{name}", name, child, body)


def _get(state: State, sub: str, rg: str, path: str, kind: str, name: str) -> NetworkResource:
    _resource_group(state, sub, rg)
    found = state.network.get(_key(sub, rg, path))
    if found is None:
        raise ArmError(404, "ResourceNotFound", f"The Resource '{(TOP.get(kind) or CHILDREN[kind])[0]}/{name}' under "
                                                f"resource group '{rg}' was not found.")
    return found


def get_resource(state: State, request: Request, sub: str, rg: str, kind: str, name: str) -> Response:
    _check_version(request, kind)
    return json_response(200, _render(state, _get(state, sub, rg, f"{kind}/{name}", kind, name)))


def get_child(state: State, request: Request, sub: str, rg: str, zone: str, child: str, name: str) -> Response:
    _check_version(request, child)
    _zone(state, sub, rg, zone)
    path = f"privatednszones/{zone}/{child}/{name}"
    return json_response(200, _render(state, _get(state, sub, rg, path, child, name)))


def _delete(state: State, sub: str, rg: str, path: str) -> Response:
    _resource_group(state, sub, rg)
    found = state.network.get(_key(sub, rg, path))
    if found is None:
        return json_response(204)
    kind = found.type.lower()
    if kind.endswith("/virtualnetworks"):
        checks.check_vnet_delete(state, found)
    elif kind.endswith("/publicipaddresses"):
        checks.check_public_ip_delete(state, found)
    elif kind.endswith("/privatednszones"):
        if any(k[:2] == _key(sub, rg, "")[:2] and k[2].startswith(f"{found.path}/virtualnetworklinks/")
               for k in state.network):
            raise ArmError(409, "CannotDeleteResource", "Can not delete resource before nested resources are deleted.")
        for child in [k for k in state.network if k[:2] == _key(sub, rg, "")[:2] and k[2].startswith(found.path + "/")]:
            del state.network[child]
    del state.network[_key(sub, rg, path)]
    return json_response(200, None)


def delete_resource(state: State, request: Request, sub: str, rg: str, kind: str, name: str) -> Response:
    _check_version(request, kind)
    return _delete(state, sub, rg, f"{kind}/{name}")


def delete_child(state: State, request: Request, sub: str, rg: str, zone: str, child: str, name: str) -> Response:
    _check_version(request, child)
    _zone(state, sub, rg, zone)
    return _delete(state, sub, rg, f"privatednszones/{zone}/{child}/{name}")


def list_resources(state: State, request: Request, sub: str, rg: str, kind: str) -> Response:
    from cloudorch_providers.azure.emulation.handlers import _page

    _check_version(request, kind)
    _resource_group(state, sub, rg)
    items = [_render(state, r) for k, r in sorted(state.network.items())
             if k[:2] == _key(sub, rg, "")[:2] and k[2].count("/") == 1 and k[2].startswith(kind + "/")]
    return json_response(200, _page(request, items, state.page_size))


def list_children(state: State, request: Request, sub: str, rg: str, zone: str, child: str) -> Response:
    from cloudorch_providers.azure.emulation.handlers import _page

    _check_version(request, child)
    zone_resource = _zone(state, sub, rg, zone)
    kinds = ("a",) if child == "all" else (child,)
    prefixes = tuple(f"{zone_resource.path}/{k}/" for k in kinds)
    items = [_render(state, r) for k, r in sorted(state.network.items())
             if k[:2] == _key(sub, rg, "")[:2] and k[2].startswith(prefixes)]
    return json_response(200, _page(request, items, state.page_size))


def resolve(state: State, subscription: str, resource_group: str, group: str, host: str) -> list[str]:
    """The A records a container's resolver finds for ``host`` inside container group ``group``: the
    group's search domains are tried first (for a name without dots), then the name itself; a zone
    answers only when it is linked to the group's virtual network. Outside a network: nothing."""
    found = state.container_group(subscription, resource_group, group)
    subnets = (found.properties.get("subnetIds") or []) if found else []
    located = checks.subnet_at(state, subnets[0].get("id", "")) if subnets else None
    if located is None:
        return []
    vnet = located[0]
    dns = found.properties.get("dnsConfig") or {}
    searches = (dns.get("searchDomains") or "").split() if "." not in host.rstrip(".") else []
    linked = [r for r in state.network.values() if r.type.lower().endswith("/virtualnetworklinks")
              and ((r.body["properties"].get("virtualNetwork") or {}).get("id") or "").lower() == vnet.id.lower()]
    zones = {link.path.split("/")[1] for link in linked}
    for candidate in [f"{host}.{domain}" for domain in searches] + [host.rstrip(".")]:
        for zone in zones:
            if candidate.lower().endswith("." + zone):
                record = candidate[: -len(zone) - 1].lower()
                for resource in state.network.values():
                    if resource.path == f"privatednszones/{zone}/a/{record}":
                        return [r["ipv4Address"] for r in resource.body["properties"].get("aRecords") or []]
    return []

"""What ARM refuses about Microsoft.Network resources beyond the body's shape, and how container
groups join a virtual network. Callers hold ``state.lock``.

Sources: Microsoft Learn "Deploy container instances into an Azure virtual network" (the subnet is
delegated to Microsoft.ContainerInstance/containerGroups; groups there get private IPs only),
"Add, change, or delete a virtual network subnet" (Azure reserves the first four addresses and the
last of every subnet; a subnet in use cannot be deleted: ``InUseSubnetCannotBeDeleted``),
"Application Gateway infrastructure configuration" (the gateway needs a subnet of its own, without
delegations or other resources), "Application Gateway request routing rules" (v2 rules need a
priority since API 2021-08-01: ``ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty``) and
"Public IP addresses" (the Standard SKU is static only). Error texts the emulator could not find
quoted are its own wording under ARM's general codes (``InvalidRequestContent``,
``InvalidResourceReference``, ``ParentResourceNotFound``, ``CannotDeleteResource``).
"""

from __future__ import annotations

import ipaddress
import re

from cloudorch_providers.azure.emulation.arm import ArmError, invalid_content
from cloudorch_providers.azure.emulation.state import ContainerGroup, NetworkResource, State

ACI_DELEGATION = "microsoft.containerinstance/containergroups"
_SUBNET_ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                        r"virtualNetworks/([^/]+)/subnets/([^/]+)$", re.IGNORECASE)
_ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/(.+)$", re.IGNORECASE)


def _network(value: str, path: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        raise invalid_content(f"The address prefix '{value}' of '{path}' is not a valid IPv4 CIDR.") from None


def resource_at(state: State, resource_id: str) -> NetworkResource | None:
    match = _ID.match(resource_id or "")
    if not match:
        return None
    sub, rg, rest = match.groups()
    return state.network.get((sub.lower(), rg.lower(), rest.lower()))


def subnet_at(state: State, subnet_id: str) -> tuple[NetworkResource, dict] | None:
    match = _SUBNET_ID.match(subnet_id or "")
    if not match:
        return None
    sub, rg, vnet, name = match.groups()
    resource = state.network.get((sub.lower(), rg.lower(), f"virtualnetworks/{vnet.lower()}"))
    if resource is None:
        return None
    for subnet in resource.body["properties"].get("subnets") or []:
        if subnet["name"].lower() == name.lower():
            return resource, subnet
    return None


def _subnet_users(state: State, vnet: NetworkResource, subnet: str) -> list[str]:
    """Ids of what sits in subnet ``subnet`` of ``vnet``: container groups and application gateways."""
    wanted = f"{vnet.id}/subnets/{subnet}".lower()
    users = [g.id for g in state.container_groups.values()
             if any((s.get("id") or "").lower() == wanted for s in g.properties.get("subnetIds") or [])]
    for resource in state.network.values():
        if resource.type.lower() == "microsoft.network/applicationgateways":
            for config in resource.body["properties"].get("gatewayIPConfigurations") or []:
                if ((config.get("properties") or {}).get("subnet") or {}).get("id", "").lower() == wanted:
                    users.append(resource.id)
    return users


def _delegations(subnet: dict) -> list[str]:
    return sorted(((d.get("properties") or {}).get("serviceName") or "").lower()
                  for d in (subnet.get("properties") or {}).get("delegations") or [])


def check_vnet(state: State, body: dict, existing: NetworkResource | None) -> None:
    props = body["properties"]
    prefixes = ((props.get("addressSpace") or {}).get("addressPrefixes")) or []
    if not prefixes:
        raise invalid_content("The virtual network must have at least one address prefix in 'addressSpace'.")
    spaces = [_network(p, "addressSpace.addressPrefixes") for p in prefixes]
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for subnet in props.get("subnets") or []:
        name = subnet.get("name")
        prefix = (subnet.get("properties") or {}).get("addressPrefix")
        if not name or not prefix:
            raise invalid_content("Every subnet needs a name and properties.addressPrefix.")
        network = _network(prefix, f"subnets.{name}.addressPrefix")
        if not any(network.subnet_of(space) for space in spaces):
            raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                           f"Subnet '{name}' is not valid because its IP address range is outside the IP address "
                           "range of virtual network.")
        for other, other_net in seen:
            if network.overlaps(other_net):
                raise ArmError(400, "NetcfgSubnetRangesOverlap",
                               f"Subnet '{name}' is not valid because its IP address range overlaps with that of an "
                               f"existing subnet '{other}' in virtual network.")
        seen.append((name, network))
    if existing is None:
        return
    kept = {s["name"].lower(): s for s in props.get("subnets") or []}
    for old in existing.body["properties"].get("subnets") or []:
        users = _subnet_users(state, existing, old["name"])
        new = kept.get(old["name"].lower())
        if users and new is None:
            raise ArmError(400, "InUseSubnetCannotBeDeleted",
                           f"Subnet {old['name']} is in use by {users[0]} and cannot be deleted. In order to delete "
                           "the subnet, delete all the resources within the subnet.")
        if users and new is not None and _delegations(new) != _delegations(old):
            raise ArmError(400, "SubnetDelegationsCannotChangeWhenSubnetUsedByResource",
                           f"Delegations of subnet {old['name']} cannot be changed because it is being used by the "
                           f"resource {users[0]}.")


def check_vnet_delete(state: State, vnet: NetworkResource) -> None:
    for subnet in vnet.body["properties"].get("subnets") or []:
        users = _subnet_users(state, vnet, subnet["name"])
        if users:
            raise ArmError(400, "InUseSubnetCannotBeDeleted",
                           f"Subnet {subnet['name']} is in use by {users[0]} and cannot be deleted. In order to "
                           "delete the subnet, delete all the resources within the subnet.")


def check_public_ip(body: dict) -> None:
    sku = ((body.get("sku") or {}).get("name") or "Basic").lower()
    method = (body["properties"].get("publicIPAllocationMethod") or "Dynamic").lower()
    if sku == "standard" and method != "static":
        raise ArmError(400, "StandardSkuPublicIPAddressesMustBeStatic",
                       "Standard sku publicIp addresses do not support Dynamic allocation.")


def check_public_ip_delete(state: State, address: NetworkResource) -> None:
    for resource in state.network.values():
        configs = resource.body.get("properties", {}).get("frontendIPConfigurations") or []
        if any(((c.get("properties") or {}).get("publicIPAddress") or {}).get("id", "").lower() == address.id.lower()
               for c in configs):
            raise ArmError(400, "PublicIPAddressCannotBeDeleted",
                           f"Public IP address {address.id} can not be deleted since it is still allocated to "
                           f"resource {resource.id}.")


def check_gateway(state: State, resource_id: str, body: dict) -> None:
    props = body["properties"]
    if not str((props.get("sku") or {}).get("tier") or "").lower().endswith("_v2"):
        raise invalid_content("The emulator serves Application Gateway v2 SKUs only (Standard_v2, WAF_v2).")
    configs = props.get("gatewayIPConfigurations") or []
    if len(configs) != 1:
        raise invalid_content("An application gateway needs exactly one gatewayIPConfiguration.")
    subnet_id = ((configs[0].get("properties") or {}).get("subnet") or {}).get("id", "")
    found = subnet_at(state, subnet_id)
    if found is None:
        raise ArmError(400, "InvalidResourceReference", f"Resource {subnet_id} referenced by resource "
                                                        f"{resource_id} was not found.")
    vnet, subnet = found
    others = [u for u in _subnet_users(state, vnet, subnet["name"]) if u.lower() != resource_id.lower()]
    if _delegations(subnet) or others:
        raise ArmError(400, "ApplicationGatewaySubnetCannotBeUsedByOtherResources",
                       f"Subnet {subnet_id} referenced by application gateway {resource_id} cannot be used because it "
                       "is delegated or contains other resources; the gateway needs a subnet of its own.")
    for config in props.get("frontendIPConfigurations") or []:
        address = ((config.get("properties") or {}).get("publicIPAddress") or {}).get("id")
        if address and resource_at(state, address) is None:
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {address} referenced by resource {resource_id} was not found.")
    own = {f"{resource_id}/{collection}/{item.get('name')}".lower()
           for collection in ("frontendIPConfigurations", "frontendPorts", "backendAddressPools", "probes",
                              "backendHttpSettingsCollection", "httpListeners", "backendSettingsCollection",
                              "listeners")
           for item in props.get(collection) or []}
    for collection in ("backendHttpSettingsCollection", "backendSettingsCollection", "httpListeners", "listeners",
                       "requestRoutingRules", "routingRules"):
        for item in props.get(collection) or []:
            for ref in (item.get("properties") or {}).values():
                if isinstance(ref, dict) and "id" in ref and ref["id"].lower().startswith(resource_id.lower() + "/") \
                        and ref["id"].lower() not in own:
                    raise ArmError(400, "InvalidResourceReference",
                                   f"Resource {ref['id']} referenced by resource {resource_id} was not found.")
            if collection.endswith("outingRules") and (item.get("properties") or {}).get("priority") is None:
                raise ArmError(400, "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty",
                               f"Priority for the request routing rule {item.get('name')} cannot be empty. All "
                               "request routing rules should have a priority defined starting from api-version "
                               "2021-08-01")


def join_network(state: State, group: ContainerGroup, previous: ContainerGroup | None) -> None:
    """Check a container group's subnet and IP address type; give it a private IP from its subnet."""
    props = group.properties
    subnet_ids = [s.get("id") or "" for s in props.get("subnetIds") or []]
    ip_type = ((props.get("ipAddress") or {}).get("type") or "").lower()
    if not subnet_ids:
        if ip_type == "private":
            raise ArmError(400, "InvalidIpAddressType",
                           f"IP Address type in container group '{group.name}' is invalid. Private IP address is "
                           "only supported when network profile is defined.")
        return
    if ip_type == "public":
        raise ArmError(400, "InvalidIpAddressType", "IP Address type can't be public when network profile is set.")
    if len(subnet_ids) != 1:
        raise invalid_content("A container group can be deployed into one subnet only.")
    found = subnet_at(state, subnet_ids[0])
    if found is None:
        raise ArmError(400, "InvalidResourceReference", f"Resource {subnet_ids[0]} referenced by resource "
                                                        f"{group.id} was not found.")
    _, subnet = found
    if ACI_DELEGATION not in _delegations(subnet):
        raise ArmError(400, "SubnetNotDelegated",
                       f"The subnet '{subnet_ids[0]}' must be delegated to Microsoft.ContainerInstance/containerGroups "
                       "before container groups can be deployed into it.")
    network = ipaddress.IPv4Network(subnet["properties"]["addressPrefix"])
    if previous is not None and previous.private_ip and ipaddress.IPv4Address(previous.private_ip) in network:
        group.private_ip = previous.private_ip
        return
    taken = {g.private_ip for g in state.container_groups.values() if g.private_ip}
    hosts = list(network)[4:-1]  # Azure reserves the first four addresses and the last
    free = next((str(ip) for ip in hosts if str(ip) not in taken), None)
    if free is None:
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet_ids[0]} has no free IP address left.")
    group.private_ip = free

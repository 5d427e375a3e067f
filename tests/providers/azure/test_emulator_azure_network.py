"""The ARM emulator's Microsoft.Network side through azure-mgmt-network and azure-mgmt-privatedns:
bodies checked against the SDKs' models, what ARM refuses (in-use subnets, undelegated subnets,
public IPs in a network, nested resources), container groups in a subnet, and name resolution."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerinstance import models as m
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient

ZONE = "app.internal"


class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("t", int(time.time()) + 3600)


@pytest.fixture
def net(running, aci, subscription):
    options = {"base_url": running.url, "connection_verify": running.ca_cert, "polling_interval": 0}
    return (NetworkManagementClient(Token(), subscription, **options),
            PrivateDnsManagementClient(Token(), subscription, **options))


def vnet_body(location: str, delegated: bool = True) -> dict:
    subnet = {"name": "containers", "properties": {"addressPrefix": "10.1.0.0/24"}}
    if delegated:
        subnet["properties"]["delegations"] = [{"name": "aci", "properties": {
            "serviceName": "Microsoft.ContainerInstance/containerGroups"}}]
    return {"location": location, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                                                  "subnets": [subnet]}}


def subnet_id(subscription: str, rg: str) -> str:
    return (f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/"
            "app-vnet/subnets/containers")


def in_subnet(group_model, subscription, rg, **extra) -> m.ContainerGroup:
    group = group_model(ip_address=m.IpAddress(type="Private", ports=[m.Port(port=80)]),
                        subnet_ids=[m.ContainerGroupSubnetId(id=subnet_id(subscription, rg))],
                        dns_config=m.DnsConfiguration(name_servers=["168.63.129.16"], search_domains=ZONE), **extra)
    return group


def network(net, rg, location):
    network_client, dns = net
    network_client.virtual_networks.begin_create_or_update(rg, "app-vnet", vnet_body(location)).result()
    dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}).result()
    vnet_id = network_client.virtual_networks.get(rg, "app-vnet").id
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "link", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}).result()


def test_a_group_in_a_subnet_gets_a_private_ip_kept_across_updates(aci, net, rg, location, subscription, group_model):
    network(net, rg, location)
    created = aci.container_groups.begin_create_or_update(rg, "api", in_subnet(group_model, subscription, rg)).result()
    assert created.ip_address.ip == "10.1.0.4"  # the first four addresses are Azure's
    other = aci.container_groups.begin_create_or_update(rg, "web", in_subnet(group_model, subscription, rg)).result()
    assert other.ip_address.ip == "10.1.0.5"
    updated = aci.container_groups.begin_create_or_update(
        rg, "api", in_subnet(group_model, subscription, rg, image="nginx:1.28")).result()
    assert updated.ip_address.ip == "10.1.0.4"


def test_names_resolve_through_the_search_domain_in_linked_zones_only(running, aci, net, rg, location, subscription,
                                                                       group_model):
    network(net, rg, location)
    _, dns = net
    aci.container_groups.begin_create_or_update(rg, "web", in_subnet(group_model, subscription, rg)).result()
    dns.record_sets.create_or_update(rg, ZONE, "A", "api", {"properties": {
        "ttl": 10, "aRecords": [{"ipv4Address": "10.1.0.9"}, {"ipv4Address": "10.1.0.10"}]}})
    assert running.emulator.resolve(rg, "web", "api") == ["10.1.0.9", "10.1.0.10"]
    assert running.emulator.resolve(rg, "web", f"api.{ZONE}") == ["10.1.0.9", "10.1.0.10"]
    assert running.emulator.resolve(rg, "web", "nothing") == []
    dns.virtual_network_links.begin_delete(rg, ZONE, "link").result()
    assert running.emulator.resolve(rg, "web", "api") == []  # a zone answers only in linked networks


def test_aci_refuses_public_ips_and_undelegated_subnets_in_a_network(aci, net, rg, location, subscription,
                                                                      group_model):
    network_client, _ = net
    network_client.virtual_networks.begin_create_or_update(rg, "app-vnet", vnet_body(location, False)).result()
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, "api", in_subnet(group_model, subscription, rg))
    assert caught.value.error.code == "SubnetNotDelegated"
    public = in_subnet(group_model, subscription, rg)
    public.ip_address = m.IpAddress(type="Public", ports=[m.Port(port=80)])
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, "api", public)
    assert caught.value.error.code == "InvalidIpAddressType"


def test_in_use_subnets_and_nested_resources_block_deletion(aci, net, rg, location, subscription, group_model):
    network(net, rg, location)
    network_client, dns = net
    aci.container_groups.begin_create_or_update(rg, "api", in_subnet(group_model, subscription, rg)).result()
    with pytest.raises(HttpResponseError) as caught:
        network_client.virtual_networks.begin_delete(rg, "app-vnet").result()
    assert caught.value.error.code == "InUseSubnetCannotBeDeleted"
    with pytest.raises(HttpResponseError) as caught:
        dns.private_zones.begin_delete(rg, ZONE).result()
    assert caught.value.error.code == "CannotDeleteResource"
    moved = in_subnet(group_model, subscription, rg)
    moved.subnet_ids, moved.ip_address, moved.dns_config = None, None, None
    with pytest.raises(HttpResponseError) as caught:  # leaving the network is a network profile change
        aci.container_groups.begin_create_or_update(rg, "api", moved)
    assert caught.value.error.code == "InvalidContainerGroupUpdate" and "NetworkProfile" in caught.value.error.message


def test_bodies_are_checked_against_the_sdk_models(net, rg, location):
    network_client, dns = net
    body = vnet_body(location)
    body["properties"]["adressSpace"] = body["properties"].pop("addressSpace")
    with pytest.raises(HttpResponseError) as caught:
        network_client.virtual_networks.begin_create_or_update(rg, "app-vnet", body)
    assert caught.value.error.code == "InvalidRequestContent" and "adressSpace" in caught.value.error.message
    with pytest.raises(HttpResponseError) as caught:
        dns.record_sets.create_or_update(rg, "missing.zone", "A", "api", {"properties": {"ttl": 10}})
    assert caught.value.error.code == "ParentResourceNotFound"
    with pytest.raises(HttpResponseError) as caught:
        network_client.public_ip_addresses.begin_create_or_update(rg, "ip", {
            "location": location, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}})
    assert caught.value.error.code == "StandardSkuPublicIPAddressesMustBeStatic"


def test_a_gateway_needs_a_subnet_of_its_own_and_rules_with_priorities(net, rg, location, subscription):
    network(net, rg, location)
    network_client, _ = net
    gateway = {"location": location, "properties": {
        "sku": {"name": "Standard_v2", "tier": "Standard_v2"},
        "gatewayIPConfigurations": [{"name": "gw", "properties": {"subnet": {"id": subnet_id(subscription, rg)}}}]}}
    with pytest.raises(HttpResponseError) as caught:
        network_client.application_gateways.begin_create_or_update(rg, "gw", gateway)
    assert caught.value.error.code == "ApplicationGatewaySubnetCannotBeUsedByOtherResources"


def test_a_gateway_reference_to_a_missing_part_is_refused(net, rg, location, subscription):
    network_client, _ = net
    body = vnet_body(location)
    body["properties"]["subnets"].append({"name": "gateway", "properties": {"addressPrefix": "10.1.1.0/24"}})
    network_client.virtual_networks.begin_create_or_update(rg, "app-vnet", body).result()
    gateway_id = f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Network/applicationGateways/gw"
    gateway = {"location": location, "properties": {
        "sku": {"name": "Standard_v2", "tier": "Standard_v2"},
        "gatewayIPConfigurations": [{"name": "gw", "properties": {"subnet": {
            "id": subnet_id(subscription, rg).replace("/containers", "/gateway")}}}],
        "backendHttpSettingsCollection": [{"name": "s", "properties": {
            "port": 80, "protocol": "Http", "probe": {"id": f"{gateway_id}/probes/missing"}}}]}}
    with pytest.raises(HttpResponseError) as caught:
        network_client.application_gateways.begin_create_or_update(rg, "gw", gateway)
    assert caught.value.error.code == "InvalidResourceReference" and "probes/missing" in caught.value.error.message

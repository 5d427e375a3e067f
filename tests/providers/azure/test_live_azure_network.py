"""Services reach each other by name on Azure: the app's private network (VNet, delegated subnet,
private DNS zone and link, an A record per service kept in step, an Application Gateway for public
ports), through the real SDKs against the ARM emulator."""

from __future__ import annotations

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from live_support import LOCATION, RG, SUBSCRIPTION, Harness, Token

from cloudorch.deadline import Deadline
from cloudorch.engine import set_replicas
from cloudorch.errors import ProviderError
from cloudorch.provider import Action, State

pytestmark = pytest.mark.sandbox

SHOP = """\
version: 1
name: shop
services:
  web:
    image: nginx:1.27.2
    env: {{API_URL: "http://api:8080"}}
    ports: [{{port: 80, protocol: http, public: true}}]
    resources: {{cpu: 1, memory: 1Gi}}
    replicas: {web}
  api:
    image: ghcr.io/acme/api:1
    ports: [{{port: 8080, protocol: http}}]
    resources: {{cpu: 1, memory: 1Gi}}
    replicas: {api}
  worker:
    image: ghcr.io/acme/worker:1
    resources: {{cpu: 1, memory: 1Gi}}
    depends_on: [api]
providers:
  azure: {{subscription: {subscription}, resource_group: {rg}, location: {location}{extra}}}
"""


def shop(web: int = 1, api: int = 2, extra: str = "") -> str:
    return SHOP.format(web=web, api=api, extra=extra, subscription=SUBSCRIPTION, rg=RG, location=LOCATION)


@pytest.fixture
def live(running, admin, tmp_path) -> Harness:
    admin.post("reset")
    return Harness(running, tmp_path)


@pytest.fixture
def sdk(running):
    options = {"base_url": running.url, "connection_verify": running.ca_cert, "polling_interval": 0}
    return (NetworkManagementClient(Token(), SUBSCRIPTION, **options),
            PrivateDnsManagementClient(Token(), SUBSCRIPTION, **options))


def mutating(admin) -> list[str]:
    return [r["action"] for r in admin.requests() if r["mutating"]]


def ip_of(live, name: str) -> str:
    return live.aci.container_groups.get(RG, name).ip_address.ip


def test_services_resolve_each_other_by_name_and_the_public_one_is_reached_through_the_gateway(
        live, running, admin, sdk):
    net, dns = sdk
    plan = live.provider(shop()).plan(deadline=Deadline(60))
    kinds = [(str(c.action), c.kind, c.name) for c in plan.pending]
    assert kinds[:6] == [("create", "ResourceGroup", RG), ("create", "VirtualNetwork", "shop-vnet"),
                         ("create", "PrivateDnsZone", "shop.internal"),
                         ("create", "DnsZoneLink", "shop.internal/shop-vnet-link"),
                         ("create", "PublicIP", "shop-gateway-ip"), ("create", "ApplicationGateway", "shop-gateway")]
    for record in ("api.shop.internal", "web.shop.internal"):
        assert ("create", "DnsRecord", record) in kinds
    result = live.deploy(live.provider(shop()))
    assert result.status.healthy, result.status.to_dict()

    api_ips = sorted(ip_of(live, f"shop-api-{i}") for i in range(2))
    for client in ("shop-web-0", "shop-worker-0"):
        assert sorted(running.emulator.resolve(RG, client, "api")) == api_ips
    assert running.emulator.resolve(RG, "shop-api-0", "web") == [ip_of(live, "shop-web-0")]
    group = live.aci.container_groups.get(RG, "shop-web-0")
    assert group.ip_address.type == "Private" and group.dns_config.search_domains == "shop.internal"
    assert group.subnet_ids[0].id.endswith("/virtualNetworks/shop-vnet/subnets/containers")

    web = next(s for s in result.status.services if s.name == "web")
    address = net.public_ip_addresses.get(RG, "shop-gateway-ip")
    assert web.endpoints == [f"{address.ip_address}:80", f"{address.dns_settings.fqdn}:80"]
    gateway = net.application_gateways.get(RG, "shop-gateway")
    assert gateway.backend_address_pools[0].backend_addresses[0].fqdn == "web.shop.internal"
    record = dns.record_sets.get(RG, "shop.internal", "A", "api")
    assert record.metadata == {"cloudorch-app": "shop", "managed-by": "cloudorch"}

    admin.clear_requests()
    again = live.provider(shop())
    assert again.plan(deadline=Deadline(60)).empty
    live.deploy(again)
    assert mutating(admin) == []  # an unchanged redeploy writes nothing


def test_scale_keeps_the_record_in_step(live, running):
    live.deploy(live.provider(shop()))
    set_replicas(live.provider(shop()), {"api": 3}, deadline=Deadline(60))
    assert len(running.emulator.resolve(RG, "shop-web-0", "api")) == 3
    set_replicas(live.provider(shop()), {"api": 1}, deadline=Deadline(60))
    assert running.emulator.resolve(RG, "shop-web-0", "api") == [ip_of(live, "shop-api-0")]
    plan = live.provider(shop()).plan(deadline=Deadline(60))  # the spec says 2: drift, and the record follows on deploy
    assert ("create", "ContainerGroup", "shop-api-1") in [(str(c.action), c.kind, c.name) for c in plan.pending]
    live.deploy(live.provider(shop()))
    assert len(running.emulator.resolve(RG, "shop-web-0", "api")) == 2


def test_a_record_out_of_step_shows_in_status_and_plan(live, sdk):
    _, dns = sdk
    live.deploy(live.provider(shop()))
    dns.record_sets.create_or_update(RG, "shop.internal", "A", "api", {"properties": {
        "ttl": 10, "metadata": {"cloudorch-app": "shop", "managed-by": "cloudorch"},
        "aRecords": [{"ipv4Address": ip_of(live, "shop-api-0")}, {"ipv4Address": "10.42.0.99"}]}})
    api = next(s for s in live.provider(shop()).status(deadline=Deadline(60)).services if s.name == "api")
    assert api.state is State.DEGRADED and api.running == 1  # replica 1 is not reached by the name
    assert f"api.shop.internal resolves to {ip_of(live, 'shop-api-0')}, 10.42.0.99" in api.message
    [change] = live.provider(shop()).plan(deadline=Deadline(60)).pending
    assert (change.action, change.kind, change.name) == (Action.UPDATE, "DnsRecord", "api.shop.internal")
    live.deploy(live.provider(shop()))
    assert live.provider(shop()).status(deadline=Deadline(60)).healthy


def test_destroy_deletes_the_network_in_dependency_order_and_keeps_strangers(live, admin, sdk):
    net, _ = sdk
    live.deploy(live.provider(shop()))
    provider = live.provider(shop())
    plan = provider.destroy_plan(deadline=Deadline(60))
    admin.clear_requests()
    provider.destroy(plan, deadline=Deadline(60))
    deletes = [a for a in mutating(admin) if a.startswith("DELETE")]
    assert deletes[-6:] == ["DELETE applicationGateways", "DELETE publicIPAddresses",
                            "DELETE privateDnsZones/virtualNetworkLinks", "DELETE privateDnsZones",
                            "DELETE virtualNetworks", "DELETE resourceGroups"]


def test_an_unowned_network_of_the_same_name_is_refused_and_left_alone(live, sdk):
    net, _ = sdk
    live.rm.resource_groups.create_or_update(RG, {"location": LOCATION})
    net.virtual_networks.begin_create_or_update(RG, "shop-vnet", {"location": LOCATION, "properties": {
        "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}).result()
    with pytest.raises(ProviderError, match="VirtualNetwork shop-vnet .* not managed by cloudorch"):
        live.provider(shop()).plan(deadline=Deadline(60))
    live.provider(shop()).destroy(live.provider(shop()).destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))
    assert net.virtual_networks.get(RG, "shop-vnet").address_space.address_prefixes == ["10.9.0.0/16"]


def test_switching_to_the_public_network_replaces_the_groups_and_removes_the_network(live, admin, sdk):
    net, _ = sdk
    live.deploy(live.provider(shop()))
    public = live.provider(shop(extra=", network: public"))
    plan = public.plan(deadline=Deadline(60))
    actions = {(str(c.action), c.kind) for c in plan.pending}
    assert ("replace", "ContainerGroup") in actions and ("delete", "VirtualNetwork") in actions
    live.deploy(public)
    assert [v.name for v in net.virtual_networks.list(RG)] == []
    assert live.aci.container_groups.get(RG, "shop-web-0").ip_address.type == "Public"
    assert live.provider(shop(extra=", network: public")).plan(deadline=Deadline(60)).empty

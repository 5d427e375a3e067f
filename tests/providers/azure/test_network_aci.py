"""The app's private network on Azure, offline: when it is chosen, its subnets, what the groups get,
what validate says, and what it refuses (public UDP, one public port per service, bad ranges)."""

from __future__ import annotations

import textwrap

import pytest

from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.spec import parse_spec
from cloudorch_providers.azure.network import AZURE_DNS, is_private, subnets
from cloudorch_providers.azure.provider import AzureProvider

TWO = """
version: 1
name: shop
services:
  web:
    image: nginx:1.27
    env: {{API: "{api_url}"}}
    ports: [{{port: 80, protocol: http, public: true}}]
    {web_extra}
  api:
    image: api:1
    ports: [{{port: 8080{api_public}}}]
providers:
  azure: {{subscription: 00000000-0000-0000-0000-000000000001{settings}}}
"""


def provider(api_url: str = "http://api:8080", web_extra: str = "", api_public: str = "",
             settings: str = "") -> AzureProvider:
    text = TWO.format(api_url=api_url, web_extra=web_extra, api_public=api_public, settings=settings)
    return AzureProvider(parse_spec(textwrap.dedent(text), "shop.yaml", env={}))


def fit(p: AzureProvider) -> dict[str, tuple[Fit, str]]:
    return {r.field: (r.fit, r.note) for r in p.validate()}


@pytest.mark.parametrize("kwargs, private", [
    ({}, True),  # web names api in an env value
    ({"api_url": "http://example.com"}, False),  # nobody names anybody
    ({"api_url": "x", "web_extra": "depends_on: [api]"}, True),
    ({"settings": ", network: public"}, False),
    ({"api_url": "x", "settings": ", network: private"}, True),
])
def test_auto_chooses_the_private_network_when_a_service_names_another(kwargs, private):
    p = provider(**kwargs)
    assert is_private(p.app, p.settings) is private
    kinds = [d.kind for d in p.render()]
    assert ("virtualNetworks" in kinds) is private


def test_groups_join_the_delegated_subnet_and_search_the_zone():
    docs = {d.name: d for d in provider().render()}
    props = docs["shop-api-0"].body["properties"]
    assert props["subnetIds"] == [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/"
                                         "providers/Microsoft.Network/virtualNetworks/shop-vnet/subnets/containers",
                                   "name": "containers"}]
    assert props["dnsConfig"] == {"nameServers": [AZURE_DNS], "searchDomains": "shop.internal"}
    assert props["ipAddress"] == {"type": "Private", "ports": [{"port": 8080, "protocol": "TCP"}]}
    web = docs["shop-web-0"].body["properties"]["ipAddress"]
    assert web == {"type": "Private", "ports": [{"port": 80, "protocol": "TCP"}]}  # public through the gateway
    vnet = docs["shop-vnet"].body["properties"]
    assert vnet["subnets"][0]["properties"]["delegations"][0]["properties"]["serviceName"] == \
        "Microsoft.ContainerInstance/containerGroups"
    listener = docs["shop-gateway"].body["properties"]["httpListeners"][0]
    assert listener["name"] == "web-80" and listener["properties"]["protocol"] == "Http"


def test_subnets_split_the_space():
    assert subnets("10.42.0.0/16") == ("10.42.0.0/17", "10.42.128.0/24")
    assert subnets("192.168.4.0/22") == ("192.168.4.0/23", "192.168.6.0/24")


def test_validate_marks_names_and_private_ports_exact_in_the_private_network_and_lossy_without():
    private, public = fit(provider(web_extra="depends_on: [api]")), fit(
        provider(web_extra="depends_on: [api]", settings=", network: public"))
    for key in ("services.web.depends_on", "services.api.ports", "services.web.env", "services.web.ports.public"):
        assert private[key][0] is Fit.EXACT, key
    assert "shop-gateway" in private["services.web.ports.public"][1]
    assert public["services.web.depends_on"][0] is Fit.LOSSY and "VNet" in public["services.web.depends_on"][1]
    assert public["services.api.ports"][0] is Fit.LOSSY


def test_a_public_udp_port_and_a_port_published_twice_are_refused():
    with pytest.raises(SpecError, match="public udp port cannot be served in the app's private network"):
        provider(api_public=", protocol: udp, public: true").validate()
    with pytest.raises(SpecError, match="public port 80 is already published by service web"):
        AzureProvider(parse_spec(textwrap.dedent(TWO.format(
            api_url="http://api:8080", web_extra="", settings="",
            api_public=", public: true").replace("port: 8080", "port: 80")), "shop.yaml", env={})).validate()
    assert provider(api_public=", protocol: udp, public: true", settings=", network: public").validate()


@pytest.mark.parametrize("space", ["8.8.0.0/16", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.1/16"])
def test_address_spaces_must_be_private_16_to_22(space):
    with pytest.raises(SpecError, match="address_space"):
        provider(settings=f", address_space: {space}").validate()


def test_the_http_health_check_becomes_the_gateways_probe(load_example):
    docs = {d.name: d.body for d in AzureProvider(load_example("webshop")).render()}
    gateway = docs["webshop-gateway"]["properties"]
    [probe] = gateway["probes"]
    assert probe["properties"] == {"protocol": "Http", "path": "/", "interval": 10, "timeout": 2,
                                        "unhealthyThreshold": 3, "pickHostNameFromBackendHttpSettings": True,
                                        "match": {"statusCodes": ["200-399"]}}
    [settings] = gateway["backendHttpSettingsCollection"]
    assert settings["properties"]["probe"]["id"].endswith("/applicationGateways/webshop-gateway/probes/web-80")

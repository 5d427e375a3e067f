"""A public port's ``published`` number: checked by the spec, and rendered by every provider as the
number the outside reaches while the app's own services keep using the container port."""

from __future__ import annotations

import pytest

from cloudorch.errors import SpecError
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec

VOTE = """\
version: 1
name: vote
services:
  vote:
    image: vote:1
    ports: [{port: 80, public: true, published: 5000}]
    depends_on: [redis]
  result:
    image: result:1
    ports: [{port: 80, public: true, published: 5001}]
  redis:
    image: redis:7
    ports: [{port: 6379}]
providers:
  gcp: {project: acme-apps, location: us-central1, cluster: apps}
"""


def rendered(provider: str, text: str = VOTE) -> list[dict]:
    docs = open_provider(parse_spec(text), provider).render()
    return [{"kind": d.kind, "name": d.name, "body": d.body} for d in docs]


def test_published_needs_a_public_port():
    with pytest.raises(SpecError, match=r"ports\.0: .*published needs public: true"):
        parse_spec(VOTE.replace("ports: [{port: 6379}]", "ports: [{port: 6379, published: 7000}]"))


def test_published_may_not_take_another_port_of_the_service():
    text = VOTE.replace("[{port: 80, public: true, published: 5001}]",
                        "[{port: 80, public: true, published: 9000}, {port: 9000}]")
    with pytest.raises(SpecError, match=r"ports\.0\.published: published 9000 is already a port of result"):
        parse_spec(text)


def test_aws_listens_on_the_published_numbers_and_forwards_to_the_container_port():
    docs = rendered("aws")
    listeners = {d["body"]["Port"]: d["body"] for d in docs if d["kind"] == "Listener"}
    assert set(listeners) == {5000, 5001}
    groups = {d["name"]: d["body"] for d in docs if d["kind"] == "TargetGroup"}
    assert {g["Port"] for g in groups.values()} == {80}
    ingress = [d["body"] for d in docs if d["kind"] == "SecurityGroupIngress"]
    opened = {p["FromPort"] for body in ingress for p in body["IpPermissions"]
              if any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))}
    assert opened == {5000, 5001}


def test_aws_refuses_two_services_on_one_listener_port():
    text = VOTE.replace("published: 5001", "published: 5000")
    with pytest.raises(SpecError, match="public tcp port 5000 is already published by service vote"):
        open_provider(parse_spec(text), "aws").validate()


def test_azure_gateway_listens_on_the_published_numbers():
    gateway = next(d["body"] for d in rendered("azure") if d["kind"] == "applicationGateways")
    ports = sorted(p["properties"]["port"] for p in gateway["properties"]["frontendPorts"])
    assert ports == [5000, 5001]
    backends = {b["properties"]["port"] for b in gateway["properties"]["backendSettingsCollection"]}
    assert backends == {80}


def test_azure_without_the_private_network_cannot_remap():
    text = VOTE + "  azure: {network: public}\n"
    with pytest.raises(SpecError, match="ACI does not remap ports"):
        open_provider(parse_spec(text), "azure").validate()


@pytest.mark.parametrize("provider", ["kubernetes", "gcp"])
def test_kubernetes_serves_the_published_number_beside_the_port(provider):
    service = next(d["body"] for d in rendered(provider) if d["kind"] == "Service" and d["name"] == "vote")
    ports = {p["port"]: p["targetPort"] for p in service["spec"]["ports"]}
    assert ports == {80: 80, 5000: 80}


def test_swarm_publishes_on_the_published_number_unless_its_block_says_otherwise():
    def published(text):
        stack = rendered("swarm", text)[0]["body"]  # the stack file `docker stack deploy` reads
        return [(p["target"], p["published"]) for p in stack["services"]["result"]["ports"]]

    assert published(VOTE) == [(80, 5001)]
    assert published(VOTE + "  swarm: {ports: {result: {80: 6001}}}\n") == [(80, 6001)]

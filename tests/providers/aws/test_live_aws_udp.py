"""A public UDP port on AWS, through the sandbox: a Network Load Balancer UDP listener and target group
(checked over the service's http health check, since ELB cannot check over UDP) and the security
group rules are created, the endpoint is the load balancer's, a redeploy makes no call, destroy
removes them."""

from __future__ import annotations

import boto3
import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.engine.destroy import destroy
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox

SPEC = """
version: 1
name: dns
services:
  resolver:
    image: coredns/coredns:1.11.3
    ports: [{port: 53, protocol: udp, public: true}, {port: 8080, protocol: http}]
    health: {http: {path: /health, port: 8080}, interval: 5s, timeout: 2s}
providers:
  aws: {region: us-east-1}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-udp"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def elb(box):
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                    region_name="us-east-1")
    return session.client("elbv2", endpoint_url=box.config("aws")["url"])


def provider(box):
    p = open_provider(parse_spec(SPEC, "dns.yaml", env={}), "aws", live=box is not None)
    p.sandbox = box.config("aws") if box is not None else None
    return p


@pytest.fixture(scope="module")
def deployed(box):
    p = provider(box)
    result = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2, deadline=Deadline(60))
    assert result.status.healthy, result.status
    return result


def test_the_udp_port_is_behind_a_network_load_balancer(deployed, elb):
    [lb] = elb.describe_load_balancers(Names=["dns-net"])["LoadBalancers"]
    assert lb["Type"] == "network"
    [listener] = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("UDP", 53)
    [group] = elb.describe_target_groups(Names=["dns-resolver-53-udp"])["TargetGroups"]
    assert (group["Protocol"], group["HealthCheckProtocol"], group["HealthCheckPort"], group["HealthCheckPath"]) \
        == ("UDP", "HTTP", "8080", "/health")
    health = elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [h["TargetHealth"]["State"] for h in health] == ["healthy"]
    [resolver] = deployed.status.services
    assert resolver.endpoints == [f"{lb['DNSName']}:53/udp", "resolver:8080"]  # public, then private


def test_a_redeploy_makes_no_mutating_call(deployed, box):
    box.clear_requests("aws")
    p = provider(box)
    assert p.plan(deadline=Deadline(60)).empty
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2, deadline=Deadline(60))
    assert [r["action"] for r in box.requests("aws") if r["mutating"]] == []


def test_validate_calls_it_exact():
    report = {r.field: r for r in provider(None).validate()}
    assert report["services.resolver.ports.public"].fit.value == "exact"


def test_destroy_removes_the_load_balancing(deployed, box, elb):
    p = provider(box)
    destroy(p, p.destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))
    assert not [lb for lb in elb.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"] == "dns-net"]
    assert not [g for g in elb.describe_target_groups()["TargetGroups"] if g["TargetGroupName"].startswith("dns-")]

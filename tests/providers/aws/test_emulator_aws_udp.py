"""UDP behind a Network Load Balancer in the AWS emulator, through boto3: what ELBv2 refuses (health
checks over UDP, listeners forwarding to a target group of another protocol) and target health
measured over TCP, as ELB checks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from emulator_fixtures import (  # noqa: F401 - fixtures
    aws_fixture,
    aws_server_fixture,
    create_service,
    network_fixture,
    steady,
    tasks,
    wait_until,
)


def vpc_of(aws, network) -> str:
    subnets = aws.client("ec2").describe_subnets(SubnetIds=network["awsvpcConfiguration"]["subnets"][:1])
    return subnets["Subnets"][0]["VpcId"]


def group(aws, network, name: str, protocol: str, port: int, **health) -> str:
    return aws.client("elbv2").create_target_group(
        Name=name, Protocol=protocol, Port=port, TargetType="ip", VpcId=vpc_of(aws, network),
        **health)["TargetGroups"][0]["TargetGroupArn"]


def nlb(aws, network) -> str:
    return aws.client("elbv2").create_load_balancer(Name="dns-net", Type="network",
                                                    Subnets=network["awsvpcConfiguration"]["subnets"],
                                                    )["LoadBalancers"][0]["LoadBalancerArn"]


@pytest.mark.parametrize("protocol, checked", [("UDP", "UDP"), ("TCP_UDP", "TCP_UDP"), ("TCP", "TLS"),
                                               ("HTTP", "TCP")])
def test_health_checks_elb_cannot_make_are_refused(aws, network, protocol, checked):
    with pytest.raises(ClientError) as caught:
        group(aws, network, "dns", protocol, 53, HealthCheckProtocol=checked)
    assert caught.value.response["Error"]["Code"] == "InvalidConfigurationRequest"
    assert checked in caught.value.response["Error"]["Message"]


def test_a_udp_target_group_checked_over_tcp_or_http_is_accepted(aws, network):
    arn = group(aws, network, "dns", "UDP", 53, HealthCheckProtocol="HTTP", HealthCheckPort="8080",
                HealthCheckPath="/health")
    described = aws.client("elbv2").describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert (described["Protocol"], described["HealthCheckProtocol"], described["HealthCheckPort"]) == (
        "UDP", "HTTP", "8080")
    with pytest.raises(ClientError) as caught:
        aws.client("elbv2").modify_target_group(TargetGroupArn=arn, HealthCheckProtocol="UDP")
    assert caught.value.response["Error"]["Code"] == "InvalidConfigurationRequest"


def test_a_listener_forwards_only_to_a_target_group_of_its_protocol(aws, network):
    elb, lb = aws.client("elbv2"), nlb(aws, network)
    tcp = group(aws, network, "dns-tcp", "TCP", 53)
    with pytest.raises(ClientError) as caught:
        elb.create_listener(LoadBalancerArn=lb, Protocol="UDP", Port=53,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp}])
    assert caught.value.response["Error"]["Code"] == "IncompatibleProtocols"
    assert tcp in caught.value.response["Error"]["Message"]
    udp = group(aws, network, "dns-udp", "UDP", 53)
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="UDP", Port=53,
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": udp}])["Listeners"][0]
    assert listener["Protocol"] == "UDP"
    with pytest.raises(ClientError) as caught:
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=54,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": udp}])
    assert caught.value.response["Error"]["Code"] == "IncompatibleProtocols"


def udp_task(ecs, *extra_ports: dict) -> str:
    return ecs.register_task_definition(
        family="dns", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "dns", "image": "coredns/coredns:1.11.3", "essential": True,
                               "portMappings": [{"containerPort": 53, "protocol": "udp"}, *extra_ports]}],
    )["taskDefinition"]["taskDefinitionArn"]


def behind_udp_listener(aws, network, **health) -> str:
    arn = group(aws, network, "dns", "UDP", 53, **health)
    aws.client("elbv2").create_listener(LoadBalancerArn=nlb(aws, network), Protocol="UDP", Port=53,
                                        DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}])
    return arn


def test_udp_targets_checked_over_tcp_on_a_port_the_task_serves_are_healthy(aws, network):
    ecs = aws.client("ecs")
    arn = behind_udp_listener(aws, network, HealthCheckProtocol="TCP", HealthCheckPort="8080")
    create_service(ecs, network, "dns", udp_task(ecs, {"containerPort": 8080, "protocol": "tcp"}), 1,
                   loadBalancers=[{"targetGroupArn": arn, "containerName": "dns", "containerPort": 53}])
    wait_until(steady(ecs, "dns", 1))
    wait_until(lambda: [h["TargetHealth"]["State"] for h in aws.client("elbv2").describe_target_health(
        TargetGroupArn=arn)["TargetHealthDescriptions"]] == ["healthy"])


def test_a_udp_only_task_checked_over_tcp_on_its_udp_port_fails_the_check(aws, network):
    ecs = aws.client("ecs")
    arn = behind_udp_listener(aws, network, HealthCheckProtocol="TCP")  # traffic-port: 53, over TCP
    create_service(ecs, network, "dns", udp_task(ecs), 1,
                   loadBalancers=[{"targetGroupArn": arn, "containerName": "dns", "containerPort": 53}])

    def failed():
        stopped = tasks(ecs, "dns", "STOPPED")
        return stopped[0] if stopped else None
    assert wait_until(failed)["stoppedReason"] == f"Task failed ELB health checks in (target-group {arn})"

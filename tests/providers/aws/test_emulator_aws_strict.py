"""What the AWS emulator refuses as AWS does, seen through real boto3 over HTTP: secrets Fargate
cannot read with the execution role, target health from the health check, load balancer DNS
names and DescribeClusters' counters."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from emulator_fixtures import (  # noqa: F401 - fixtures
    REGION,
    aws_fixture,
    aws_server_fixture,
    create_service,
    describe,
    network_fixture,
    steady,
    tasks,
    wait_until,
)

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def secret_task(ecs, role_arn: str | None, value_from: str) -> str:
    extra = {"executionRoleArn": role_arn} if role_arn else {}
    return ecs.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx:1.27.2", "essential": True,
                               "portMappings": [{"containerPort": 80}],
                               "secrets": [{"name": "TOKEN", "valueFrom": value_from}]}], **extra,
    )["taskDefinition"]["taskDefinitionArn"]


def role(aws, name: str, resources: list[str] | None, action: str = "secretsmanager:GetSecretValue",
         trust: dict = TRUST) -> str:
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if resources is not None:
        policy = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": [action], "Resource": resources}]}
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(policy))
    return arn


def stopped_reason(ecs) -> str:
    def check():
        stopped = tasks(ecs, "web", "STOPPED")
        return stopped[0] if stopped else None
    task = wait_until(check)
    assert task["stopCode"] == "TaskFailedToStart"
    return task["stoppedReason"]


def test_a_secret_that_does_not_exist_stops_the_task(aws, network):
    ecs = aws.client("ecs")
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:shop/missing"
    create_service(ecs, network, "web", secret_task(ecs, role(aws, "exec", [missing + "-??????"]), missing), 1)
    reason = stopped_reason(ecs)
    assert reason.startswith("ResourceInitializationError: unable to pull secrets or registry auth")
    assert missing in reason and "ResourceNotFoundException" in reason
    assert describe(ecs, "web")["runningCount"] == 0


def test_an_execution_role_that_does_not_exist_stops_the_task(aws, network):
    ecs = aws.client("ecs")
    arn = aws.client("secretsmanager").create_secret(Name="shop/token", SecretString="s")["ARN"]
    create_service(ecs, network, "web", secret_task(ecs, "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
                                                    arn), 1)
    reason = stopped_reason(ecs)
    assert "ResourceInitializationError" in reason and arn in reason and "does not exist" in reason


def test_a_role_that_does_not_trust_ecs_tasks_stops_the_task(aws, network):
    ecs = aws.client("ecs")
    arn = aws.client("secretsmanager").create_secret(Name="shop/token", SecretString="s")["ARN"]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    create_service(ecs, network, "web", secret_task(ecs, role(aws, "exec", [arn], trust=trust), arn), 1)
    assert "does not trust ecs-tasks.amazonaws.com" in stopped_reason(ecs)


@pytest.mark.parametrize("grant", [None, ["arn:aws:secretsmanager:*:*:secret:other-??????"]],
                         ids=["no-policy", "another-secret"])
def test_a_role_without_a_grant_for_the_secret_stops_the_task(aws, network, grant):
    ecs = aws.client("ecs")
    arn = aws.client("secretsmanager").create_secret(Name="shop/token", SecretString="s")["ARN"]
    create_service(ecs, network, "web", secret_task(ecs, role(aws, "exec", grant), arn), 1)
    reason = stopped_reason(ecs)
    assert "AccessDeniedException" in reason and "secretsmanager:GetSecretValue" in reason and arn in reason


def test_an_explicit_deny_wins(aws, network):
    ecs = aws.client("ecs")
    arn = aws.client("secretsmanager").create_secret(Name="shop/token", SecretString="s")["ARN"]
    name = role(aws, "exec", ["*"])
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": arn}]}
    aws.client("iam").put_role_policy(RoleName="exec", PolicyName="deny", PolicyDocument=json.dumps(deny))
    create_service(ecs, network, "web", secret_task(ecs, name, arn), 1)
    assert "AccessDeniedException" in stopped_reason(ecs)


def test_a_missing_ssm_parameter_stops_the_task(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", secret_task(ecs, role(aws, "exec", ["*"], "ssm:GetParameters"),
                                                    "/shop/missing"), 1)
    reason = stopped_reason(ecs)
    assert "ResourceInitializationError" in reason and "/shop/missing" in reason


@pytest.mark.parametrize("kind", ["secret", "parameter"])
def test_a_readable_secret_lets_the_task_run(aws, network, kind):
    ecs = aws.client("ecs")
    if kind == "secret":
        arn = aws.client("secretsmanager").create_secret(Name="shop/token", SecretString="s")["ARN"]
        partial = arn.rsplit("-", 1)[0]  # the spec may name it without AWS's random suffix
        exec_role = role(aws, "exec", [partial + "-??????"])
        value_from = partial
    else:
        aws.client("ssm").put_parameter(Name="/shop/token", Value="s", Type="SecureString")
        exec_role = role(aws, "exec", [f"arn:aws:ssm:{REGION}:123456789012:parameter/shop/token"],
                         "ssm:GetParameters")
        value_from = "/shop/token"
    create_service(ecs, network, "web", secret_task(ecs, exec_role, value_from), 1)
    wait_until(steady(ecs, "web", 1))
    assert tasks(ecs, "web", "STOPPED") == []


def _target_group(aws, network, port: int, listener: bool = True, health_port: str = "traffic-port") -> str:
    elb = aws.client("elbv2")
    vpc = aws.client("ec2").describe_subnets(SubnetIds=network["awsvpcConfiguration"]["subnets"][:1])
    arn = elb.create_target_group(Name="web", Protocol="HTTP", Port=port, TargetType="ip",
                                  VpcId=vpc["Subnets"][0]["VpcId"], HealthCheckPath="/",
                                  HealthCheckPort=health_port)["TargetGroups"][0]["TargetGroupArn"]
    if listener:
        lb = elb.create_load_balancer(Name="web", Subnets=network["awsvpcConfiguration"]["subnets"])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}])
    return arn


def test_a_service_behind_a_target_group_without_load_balancer_is_refused(aws, network):
    ecs = aws.client("ecs")
    group = _target_group(aws, network, 80, listener=False)
    with pytest.raises(ClientError) as caught:
        create_service(ecs, network, "web", _plain_task(ecs), 1,
                       loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 80}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "does not have an associated load balancer" in caught.value.response["Error"]["Message"]


def test_a_load_balanced_container_port_must_exist(aws, network):
    ecs = aws.client("ecs")
    group = _target_group(aws, network, 80)
    with pytest.raises(ClientError) as caught:
        create_service(ecs, network, "web", _plain_task(ecs), 1,
                       loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 81}])
    assert "did not have a container port 81" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("container, message", [
    ({"secrets": [{"name": "T", "valueFrom": "/x"}]}, "you must also specify a value for 'executionRoleArn'"),
    ({"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": REGION}}},
     "Fargate requires task definition to have execution role ARN to support log driver awslogs"),
])
def test_task_definitions_needing_an_execution_role_are_refused_without(aws, container, message):
    with pytest.raises(ClientError) as caught:
        aws.client("ecs").register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27.2", **container}])
    assert caught.value.response["Error"]["Code"] == "ClientException"
    assert message in caught.value.response["Error"]["Message"]


def _plain_task(ecs) -> str:
    return ecs.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx:1.27.2", "portMappings": [{"containerPort": 80}]}],
    )["taskDefinition"]["taskDefinitionArn"]


def test_running_tasks_are_healthy_targets_and_leave_when_the_service_goes(aws, network):
    ecs, elb = aws.client("ecs"), aws.client("elbv2")
    group = _target_group(aws, network, 80)
    create_service(ecs, network, "web", _plain_task(ecs), 2,
                   loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 80}])
    wait_until(steady(ecs, "web", 2))
    health = elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    ips = {d["privateIpv4Address"] for t in tasks(ecs, "web") for c in t["containers"]
           for d in c.get("networkInterfaces", [])}
    assert {h["Target"]["Id"] for h in health} == ips and len(ips) == 2
    assert {h["TargetHealth"]["State"] for h in health} == {"healthy"}
    ecs.delete_service(cluster="main", service="web", force=True)
    wait_until(lambda: elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"] == [])


def test_a_task_failing_its_target_health_check_is_replaced(aws, network):
    ecs = aws.client("ecs")
    group = _target_group(aws, network, 80, health_port="8081")  # nothing listens on the checked port
    create_service(ecs, network, "web", _plain_task(ecs), 1,
                   loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 80}])

    def failed():
        stopped = tasks(ecs, "web", "STOPPED")
        return stopped[0] if stopped else None
    task = wait_until(failed)
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {group})"
    assert describe(ecs, "web")["deployments"][0]["failedTasks"] >= 1


def test_load_balancers_have_dns_names(aws, network):
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name="shop", Subnets=network["awsvpcConfiguration"]["subnets"],
                                  Type="application")["LoadBalancers"][0]
    assert lb["DNSName"].startswith("shop-") and lb["DNSName"].endswith(f".{REGION}.elb.amazonaws.com")


def test_describe_clusters_counts_services_and_tasks(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", _plain_task(ecs), 2)
    wait_until(steady(ecs, "web", 2))
    [cluster] = ecs.describe_clusters(clusters=["main"])["clusters"]
    assert (cluster["activeServicesCount"], cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (1, 2, 0)
    ecs.delete_service(cluster="main", service="web", force=True)
    wait_until(lambda: ecs.describe_clusters(clusters=["main"])["clusters"][0]["runningTasksCount"] == 0)
    assert ecs.describe_clusters(clusters=["main"])["clusters"][0]["activeServicesCount"] == 0

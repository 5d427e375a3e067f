"""The AWS emulator's plumbing, with real boto3 over HTTP: moto's services, request naming,
faults and botocore's retries, reset, and the request fixes moto needs."""

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
    register,
    steady,
    wait_until,
)

from cloudorch_providers.aws.emulator import AWSEmulator


def test_default_vpc_has_subnets_and_security_group(aws):
    ec2 = aws.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
    assert len(subnets) >= 2 and all(s["AvailabilityZone"].startswith(REGION) for s in subnets)
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert any(g["VpcId"] == vpcs[0]["VpcId"] for g in groups)


def test_supporting_services_answer(aws):
    assert aws.client("sts").get_caller_identity()["Account"] == "123456789012"
    role = aws.client("iam").create_role(RoleName="app-exec", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))["Role"]
    assert role["Arn"].endswith(":role/app-exec")
    secret = aws.client("secretsmanager").create_secret(Name="app/db", SecretString="s3cr3t")
    assert secret["ARN"].startswith(f"arn:aws:secretsmanager:{REGION}:")
    aws.client("ssm").put_parameter(Name="/app/mode", Value="blue", Type="String")
    assert aws.client("ssm").get_parameter(Name="/app/mode")["Parameter"]["Value"] == "blue"
    sd = aws.client("servicediscovery")
    sd.create_http_namespace(Name="app.local")
    assert [n["Name"] for n in sd.list_namespaces()["Namespaces"]] == ["app.local"]
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="tagged", tags=[{"key": "cloudorch-app", "value": "shop"}])
    found = aws.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "cloudorch-app", "Values": ["shop"]}])["ResourceTagMappingList"]
    assert [r["ResourceARN"].rsplit("/", 1)[-1] for r in found] == ["tagged"]


def test_application_autoscaling_target_and_policy(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    scaling = aws.client("application-autoscaling")
    resource = "service/main/web"
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                     ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4)
    policy = scaling.put_scaling_policy(
        PolicyName="web-cpu", ServiceNamespace="ecs", ResourceId=resource,
        ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    assert policy["PolicyARN"].startswith("arn:aws:autoscaling:")
    targets = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [(resource, 1, 4)]
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    assert [p["PolicyName"] for p in policies] == ["web-cpu"]


def test_request_log_names_actions(aws, network):
    ecs = aws.client("ecs")
    aws.admin("DELETE", "requests")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    describe(ecs, "web")
    aws.client("ec2").describe_subnets()
    aws.client("logs").create_log_group(logGroupName="/x")
    aws.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")
    aws.client("sts").get_caller_identity()
    log = aws.requests()
    for entry in [("ecs:CreateCluster", True), ("ecs:RegisterTaskDefinition", True), ("ecs:CreateService", True),
                  ("ecs:DescribeServices", False), ("ec2:DescribeSubnets", False), ("logs:CreateLogGroup", True),
                  ("application-autoscaling:DescribeScalableTargets", False), ("sts:GetCallerIdentity", False)]:
        assert entry in log


def test_throttling_faults_are_retried_by_botocore(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    aws.admin("DELETE", "requests")
    aws.admin("POST", "faults", {"match": "ecs:DescribeServices", "status": 400, "code": "ThrottlingException",
                                 "message": "Rate exceeded", "count": 2})
    assert describe(ecs, "web")["serviceName"] == "web"
    assert aws.requests().count(("ecs:DescribeServices", False)) == 3


def test_unavailable_is_retried_and_exhausted_retries_surface(aws):
    ecs = aws.client("ecs")
    aws.admin("POST", "faults", {"match": "ecs:ListClusters", "status": 503, "code": "ServiceUnavailable",
                                 "count": 1})
    assert ecs.list_clusters()["clusterArns"] == []
    aws.admin("POST", "faults", {"match": "ecs:ListClusters", "status": 400, "code": "ThrottlingException",
                                 "count": 3})
    with pytest.raises(ClientError) as caught:
        ecs.list_clusters()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


def test_query_protocol_faults_speak_xml(aws):
    """ec2/iam faults carry the code where botocore's query parser looks, so throttling is retried."""
    aws.admin("POST", "faults", {"match": "ec2:DescribeVpcs", "status": 400, "code": "RequestLimitExceeded",
                                 "count": 1})
    assert aws.client("ec2").describe_vpcs()["Vpcs"]
    aws.admin("POST", "faults", {"match": "iam:GetRole", "status": 400, "code": "Throttling", "count": 1})
    aws.admin("POST", "faults", {"match": "iam:GetRole", "status": 400, "code": "AccessDenied", "count": 1})
    with pytest.raises(ClientError) as caught:
        aws.client("iam").get_role(RoleName="nope")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_reset_forgets_everything(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    wait_until(steady(ecs, "web", 1))
    aws.client("logs").create_log_group(logGroupName="/kept")
    aws.admin("POST", "reset")
    assert ecs.list_clusters()["clusterArns"] == []
    assert ecs.list_task_definitions()["taskDefinitionArns"] == []
    assert aws.client("logs").describe_log_groups()["logGroups"] == []
    assert aws.requests() == [("ecs:ListClusters", False), ("ecs:ListTaskDefinitions", False),
                              ("logs:DescribeLogGroups", False)]
    # the default VPC comes back with the next EC2 call, as in a fresh moto
    assert aws.client("ec2").describe_vpcs()["Vpcs"]


def test_awsvpc_without_security_groups_gets_the_default_group(aws, network):
    """moto 5.2 crashes (KeyError) on awsvpcConfiguration without securityGroups; ECS uses the VPC's
    default group, and so does the emulator."""
    ecs = aws.client("ecs")
    subnets = network["awsvpcConfiguration"]["subnets"]
    service = create_service(ecs, {"awsvpcConfiguration": {"subnets": subnets}}, "web",
                             register(ecs, "web", "nginx:1.27.2"), desired=1)
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == \
        network["awsvpcConfiguration"]["securityGroups"]
    wait_until(steady(ecs, "web", 1))


def test_create_service_keeps_what_moto_drops(aws, network):
    ecs = aws.client("ecs")
    namespace_op = aws.client("servicediscovery").create_http_namespace(Name="shop")
    assert namespace_op["OperationId"]
    namespace = aws.client("servicediscovery").list_namespaces()["Namespaces"][0]["Arn"]
    connect = {"enabled": True, "namespace": namespace,
               "services": [{"portName": "p80", "clientAliases": [{"port": 80, "dnsName": "web"}]}]}
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
               "maximumPercent": 200, "minimumHealthyPercent": 100}
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1,
                   serviceConnectConfiguration=connect, deploymentConfiguration=breaker,
                   healthCheckGracePeriodSeconds=30, enableExecuteCommand=True)
    service = describe(ecs, "web")
    assert service["deploymentConfiguration"] == breaker
    assert service["healthCheckGracePeriodSeconds"] == 30
    assert service["enableExecuteCommand"] is True
    assert service["deployments"][0]["serviceConnectConfiguration"] == connect


def test_capacity_provider_strategy_has_no_launch_type(aws, network):
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="main", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    ecs.create_service(cluster="main", serviceName="web", taskDefinition=register(ecs, "web", "nginx:1.27.2"),
                       desiredCount=1, capacityProviderStrategy=strategy, networkConfiguration=network)
    service = wait_until(steady(ecs, "web", 1))
    assert "launchType" not in service and service["capacityProviderStrategy"] == strategy
    arns = ecs.list_tasks(cluster="main", serviceName="web")["taskArns"]
    task = ecs.describe_tasks(cluster="main", tasks=arns)["tasks"][0]
    assert task["capacityProviderName"] == "FARGATE_SPOT"


def test_client_config_and_construction():
    emulator = AWSEmulator()
    assert emulator.name == "aws" and emulator.tls is False
    assert emulator.client_config("http://127.0.0.1:1", None) == {
        "url": "http://127.0.0.1:1", "access_key": "sandbox", "secret_key": "sandbox"}
    with pytest.raises(ValueError):
        AWSEmulator(period=0)


def test_create_service_refuses_what_ecs_refuses(aws, network):
    ecs = aws.client("ecs")
    td = register(ecs, "web", "nginx:1.27.2")
    create_service(ecs, network, "web", td, desired=1)
    with pytest.raises(ClientError) as caught:
        create_service(ecs, network, "web", td, desired=1)
    assert caught.value.response["Error"] == {"Code": "InvalidParameterException",
                                              "Message": "Creation of service was not idempotent."}
    with pytest.raises(ClientError) as caught:
        ecs.create_service(cluster="main", serviceName="api", taskDefinition=td, desiredCount=1, launchType="FARGATE")
    assert "Network Configuration must be provided" in caught.value.response["Error"]["Message"]
    assert [s.rsplit("/", 1)[-1] for s in ecs.list_services(cluster="main")["serviceArns"]] == ["web"]
    with pytest.raises(ClientError) as caught:
        ecs.delete_cluster(cluster="main")
    assert caught.value.response["Error"]["Code"] == "ClusterContainsServicesException"
    ecs.delete_service(cluster="main", service="web", force=True)
    assert ecs.delete_cluster(cluster="main")["cluster"]["status"] == "INACTIVE"


def test_list_tasks_filters_like_ecs(aws, network):
    """moto ignores serviceName and lists stopped tasks too; ECS does neither."""
    ecs = aws.client("ecs")
    td = register(ecs, "web", "nginx:1.27.2")
    create_service(ecs, network, "web", td, desired=2)
    create_service(ecs, network, "api", td, desired=1)
    wait_until(steady(ecs, "web", 2))
    wait_until(steady(ecs, "api", 1))
    victim = ecs.list_tasks(cluster="main", serviceName="api")["taskArns"][0]
    ecs.stop_task(cluster="main", task=victim)
    assert len(ecs.list_tasks(cluster="main", serviceName="web")["taskArns"]) == 2
    assert victim not in ecs.list_tasks(cluster="main")["taskArns"]
    assert ecs.list_tasks(cluster="main", serviceName="api", desiredStatus="STOPPED")["taskArns"] == [victim]


def test_second_emulator_in_the_process_shares_state(aws):
    """moto's backends are process-global: another AWSEmulator serves the same resources."""
    from cloudorch.sandbox.server import serve

    aws.client("ecs").create_cluster(clusterName="shared")
    other = serve(AWSEmulator())
    try:
        ecs = aws.session.client("ecs", endpoint_url=other.url)
        assert [a.rsplit("/", 1)[-1] for a in ecs.list_clusters()["clusterArns"]] == ["shared"]
    finally:
        other.stop()
    assert aws.client("ecs").list_clusters()["clusterArns"]  # the first one still serves

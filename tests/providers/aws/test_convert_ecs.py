"""AWS render: every document checked against botocore's own service models (an oracle nobody here
wrote), golden files for the examples, and the mapping decisions one by one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from cloudorch.spec import parse_spec
from cloudorch_providers.aws.provider import AWSProvider

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ("hello", "webshop", "worker")

#: document kind -> (botocore service, operation)
CALLS = {
    "SchedulerRole": ("iam", "CreateRole"),
    "SchedulerRolePolicy": ("iam", "PutRolePolicy"),
    "ScheduleGroup": ("scheduler", "CreateScheduleGroup"),
    "Schedule": ("scheduler", "CreateSchedule"),
    "Role": ("iam", "CreateRole"),
    "RolePolicy": ("iam", "PutRolePolicy"),
    "SecurityGroup": ("ec2", "CreateSecurityGroup"),
    "SecurityGroupIngress": ("ec2", "AuthorizeSecurityGroupIngress"),
    "LoadBalancer": ("elbv2", "CreateLoadBalancer"),
    "TargetGroup": ("elbv2", "CreateTargetGroup"),
    "Listener": ("elbv2", "CreateListener"),
    "ListenerRule": ("elbv2", "CreateRule"),
    "Cluster": ("ecs", "CreateCluster"),
    "Namespace": ("servicediscovery", "CreateHttpNamespace"),
    "LogGroup": ("logs", "CreateLogGroup"),
    "LogRetention": ("logs", "PutRetentionPolicy"),
    "TaskDefinition": ("ecs", "RegisterTaskDefinition"),
    "Service": ("ecs", "CreateService"),
    "ScalableTarget": ("application-autoscaling", "RegisterScalableTarget"),
    "ScalingPolicy": ("application-autoscaling", "PutScalingPolicy"),
}

# Every spec field and every setting, so every branch of the conversion meets botocore.
FULL = """\
version: 1
name: full
labels: {team: media, tier: backend}
services:
  front:
    image: ghcr.io/acme/front:1.0.0
    image_pull_secret: registry-creds
    command: ["/bin/front"]
    args: ["--port", "8080"]
    env: {ZED: last, ALPHA: first}
    secrets: {TOKEN: api-token, DB: db-password}
    ports:
      - {port: 8080, protocol: http, public: true}
      - {port: 9090}
      - {port: 5353, protocol: udp}
    resources: {cpu: 0.3, memory: 700Mi}
    replicas: 3
    autoscale: {min: 2, max: 8, cpu_percent: 55}
    health:
      http: {path: "/health?full=1", port: 8080}
      interval: 2500ms
      timeout: 2s
      retries: 5
      start_period: 400s
    security: {run_as_user: 1000, run_as_group: 2000, read_only_root: true, drop_capabilities: true}
    depends_on: [back]
    volumes:
      - {name: scratch, path: /scratch}
      - {name: shared, path: /shared}
    sidecars:
      - name: agent
        image: ghcr.io/acme/agent:2.0.0
        command: ["/agent"]
        args: ["--verbose"]
        env: {MODE: sidecar}
        secrets: {AGENT_KEY: agent-key}
        resources: {cpu: 0.1, memory: 64Mi}
        volumes: [{name: shared, path: /data}]
      - name: proxy
        image: envoyproxy/envoy:v1.31.0
        resources: {cpu: 0.1, memory: 64Mi}
  back:
    image: redis:7.4.1
    ports: [{port: 6379}]
    health:
      tcp: {port: 6379}
      interval: 400s
      timeout: 90s
  batch:
    image: busybox:1.36
    replicas: 0
    health:
      command: ["true"]
providers:
  aws:
    region: eu-central-1
    cluster: media-cluster
    launch_type: FARGATE
    subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    security_groups: [sg-0123456789abcdef0]
    assign_public_ip: false
    execution_role_arn: myExecRole
    task_role_arn: arn:aws:iam::111122223333:role/app
    account_id: "111122223333"
    log_retention_days: 14
    secrets:
      registry-creds: arn:aws:secretsmanager:eu-central-1:111122223333:secret:registry-AbCdEf
      api-token: arn:aws:ssm:eu-central-1:111122223333:parameter/full/api-token
      db-password: "arn:aws:secretsmanager:eu-central-1:111122223333:secret:db-XyZ123:password::"
"""

EC2 = """\
version: 1
name: onec2
services:
  api:
    image: nginx:1.27.2
    ports: [{port: 80, protocol: http}]
    resources: {cpu: 0.1, memory: 100Mi}
    secrets: {KEY: key}
providers:
  aws: {launch_type: EC2}
"""


def render(text: str, name: str = "test.yaml") -> list[dict]:
    docs = AWSProvider(parse_spec(text, name, env={})).render()
    return [{"kind": d.kind, "name": d.name, "service": d.service, "body": d.body} for d in docs]


def render_example(load_example, name: str) -> list[dict]:
    docs = AWSProvider(load_example(name)).render()
    return [{"kind": d.kind, "name": d.name, "service": d.service, "body": d.body} for d in docs]


def by_kind(docs: list[dict], kind: str, service: str | None = None) -> dict:
    found = [d["body"] for d in docs if d["kind"] == kind and (service is None or d["service"] == service)]
    assert len(found) == 1, f"{len(found)} {kind} documents for {service}"
    return found[0]


# -- botocore as the oracle --------------------------------------------------------------------

_session = get_session()


def _regex(pattern: str | None) -> re.Pattern | None:
    """A botocore (Java) pattern in Python, or None where Python reads it differently."""
    if not pattern or "\\uD8" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:  # \p{...} classes and the like
        return None


def _constraint_errors(value, shape, path: str) -> list[str]:
    """What ParamValidator leaves out: enums, maximum lengths and patterns (matched whole)."""
    errors = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "string":
        if "enum" in meta and value not in meta["enum"]:
            errors.append(f"{path}: {value!r} not in {meta['enum']}")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: longer than {meta['max']}")
        regex = _regex(meta.get("pattern"))
        if regex and not regex.fullmatch(value):
            errors.append(f"{path}: {value!r} does not match {regex.pattern}")
    elif kind in ("integer", "long"):
        if "max" in meta and value > meta["max"]:
            errors.append(f"{path}: above {meta['max']}")
    elif kind == "structure":
        for key, item in value.items():
            errors += _constraint_errors(item, shape.members[key], f"{path}.{key}")
    elif kind == "list":
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: more than {meta['max']} items")
        for i, item in enumerate(value):
            errors += _constraint_errors(item, shape.member, f"{path}[{i}]")
    elif kind == "map":
        for key, item in value.items():
            errors += _constraint_errors(key, shape.key, f"{path} key")
            errors += _constraint_errors(item, shape.value, f"{path}.{key}")
    return errors


def assert_botocore_accepts(doc: dict) -> None:
    service, operation = CALLS[doc["kind"]]
    shape = _session.get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(doc["body"], shape)
    assert not report.has_errors(), f"{doc['kind']} {doc['name']}:\n{report.generate_report()}"
    errors = _constraint_errors(doc["body"], shape, doc["kind"])
    # offline (no account in the settings) a role is rendered by name; deploy knows the account and sends
    # its ARN (tests/providers/aws/test_live_aws_jobs.py checks the deployed schedule's RoleArn)
    errors = [e for e in errors if not (e.startswith("Schedule.Target.RoleArn:") and "arn:" not in e.split("'")[1])]
    assert errors == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_validate_against_botocore(load_example, name):
    docs = render_example(load_example, name)
    assert docs
    for doc in docs:
        assert_botocore_accepts(doc)


@pytest.mark.parametrize("text", [FULL, EC2], ids=["full", "ec2"])
def test_every_field_validates_against_botocore(text):
    docs = render(text)
    assert {d["kind"] for d in docs} >= {"Cluster", "LogGroup", "LogRetention", "TaskDefinition", "Service"}
    for doc in docs:
        assert_botocore_accepts(doc)


def test_the_oracle_catches_a_bad_document():
    with pytest.raises(AssertionError):
        assert_botocore_accepts({"kind": "Service", "name": "x", "body": {"serviceName": "x", "desiredCount": "2"}})
    with pytest.raises(AssertionError):
        assert_botocore_accepts({"kind": "LogGroup", "name": "x", "body": {"logGroupName": "bad name"}})


@pytest.mark.parametrize("name", EXAMPLES)
def test_golden(load_example, golden, name):
    golden(GOLDEN / f"{name}.json", render_example(load_example, name))


# -- markers, secrets, order -------------------------------------------------------------------

@pytest.mark.parametrize("text", [FULL, EC2], ids=["full", "ec2"])
def test_markers_and_labels_on_every_taggable_resource(text):
    docs = render(text)
    app = "full" if text is FULL else "onec2"
    markers = {"cloudorch-app": app, "managed-by": "cloudorch"}
    labels = {"team": "media", "tier": "backend"} if text is FULL else {}
    untaggable = {"LogRetention", "ScalingPolicy", "RolePolicy"}  # an inline policy is part of its role
    for doc in docs:
        body = doc["body"]
        if doc["kind"] in untaggable:
            continue
        tags = body.get("tags", body.get("Tags"))
        if "TagSpecifications" in body:  # EC2 tags what it creates through TagSpecifications
            [spec] = body["TagSpecifications"]
            tags = spec["Tags"]
        assert tags is not None, f"{doc['kind']} carries no tags"
        if isinstance(tags, list):
            tags = {t.get("key", t.get("Key")): t.get("value", t.get("Value")) for t in tags}
        assert tags == {**labels, **markers}, doc["kind"]


def test_a_label_cannot_override_a_marker():
    text = FULL.replace("labels: {team: media, tier: backend}", "labels: {managed-by: someone-else}")
    cluster = by_kind(render(text), "Cluster")
    assert {"key": "managed-by", "value": "cloudorch"} in cluster["tags"]


def test_secrets_appear_only_as_references():
    docs = render(FULL)
    task = by_kind(docs, "TaskDefinition", "front")
    front, agent, proxy = task["containerDefinitions"]
    assert front["secrets"] == [
        {"name": "DB", "valueFrom": "arn:aws:secretsmanager:eu-central-1:111122223333:secret:db-XyZ123:password::"},
        {"name": "TOKEN", "valueFrom": "arn:aws:ssm:eu-central-1:111122223333:parameter/full/api-token"},
    ]
    # not mapped in providers.aws.secrets: the SSM parameter /{app}/{secret}
    assert agent["secrets"] == [{"name": "AGENT_KEY", "valueFrom": "/full/agent-key"}]
    assert "secrets" not in proxy
    names = {"TOKEN", "DB", "AGENT_KEY"}
    for container in task["containerDefinitions"]:
        assert not names & {e["name"] for e in container["environment"]}


def test_secret_values_from_the_environment_never_reach_the_output():
    text = EC2.replace("secrets: {KEY: key}", "secrets: {KEY: key}\n    env: {PLAIN: \"${PLAIN}\"}")
    value = "s3cr3t-value-that-must-not-leak"
    spec = parse_spec(text, "t.yaml", env={"PLAIN": "visible", "KEY": value, "key": value})
    dumped = json.dumps([d.body for d in AWSProvider(spec).render()])
    assert value not in dumped
    assert "visible" in dumped


def test_apply_order_follows_dependencies(load_example):
    docs = render_example(load_example, "webshop")
    kinds = [d["kind"] for d in docs]
    first = ["Role", "RolePolicy", "SecurityGroup", "SecurityGroup", "SecurityGroupIngress",
             "SecurityGroupIngress", "LoadBalancer", "TargetGroup", "Listener", "Cluster", "Namespace"]
    assert kinds[:len(first)] == first
    services = [d["service"] for d in docs if d["kind"] == "Service"]
    assert services == ["redis", "api", "web", "worker"]
    for service in services:
        own = [d["kind"] for d in docs if d["service"] == service]
        assert own[:4] == ["LogGroup", "LogRetention", "TaskDefinition", "Service"]


# -- the task definition -----------------------------------------------------------------------

def test_task_definition_fields():
    task = by_kind(render(FULL), "TaskDefinition", "front")
    assert task["family"] == "full-front"
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    # 0.3 + 0.1 + 0.1 vCPU = 512 units; 700 + 64 + 64 MiB -> Fargate 512 / 1024
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    # the containers' shares are rounded down, so they never exceed the task: 307 + 102 + 102
    assert [c["cpu"] for c in task["containerDefinitions"]] == [307, 102, 102]
    assert task["executionRoleArn"] == "arn:aws:iam::111122223333:role/myExecRole"
    assert task["taskRoleArn"] == "arn:aws:iam::111122223333:role/app"
    assert task["volumes"] == [{"name": "scratch"}, {"name": "shared"}]
    assert "clientToken" not in json.dumps(task)


def test_main_container():
    task = by_kind(render(FULL), "TaskDefinition", "front")
    main = task["containerDefinitions"][0]
    assert main["name"] == "front" and main["essential"] is True
    assert (main["cpu"], main["memoryReservation"]) == (307, 700)
    assert main["entryPoint"] == ["/bin/front"]
    assert main["command"] == ["--port", "8080"]
    assert main["environment"] == [{"name": "ALPHA", "value": "first"}, {"name": "ZED", "value": "last"}]
    assert main["portMappings"] == [
        {"name": "front-8080", "containerPort": 8080, "protocol": "tcp", "appProtocol": "http"},
        {"name": "front-9090", "containerPort": 9090, "protocol": "tcp"},
        {"name": "front-5353", "containerPort": 5353, "protocol": "udp"},
    ]
    assert main["mountPoints"] == [
        {"sourceVolume": "scratch", "containerPath": "/scratch", "readOnly": False},
        {"sourceVolume": "shared", "containerPath": "/shared", "readOnly": False},
    ]
    assert main["user"] == "1000:2000"
    assert main["readonlyRootFilesystem"] is True
    assert main["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
    assert main["repositoryCredentials"] == {
        "credentialsParameter": "arn:aws:secretsmanager:eu-central-1:111122223333:secret:registry-AbCdEf"}
    assert main["logConfiguration"] == {"logDriver": "awslogs", "options": {
        "awslogs-group": "/cloudorch/full/front", "awslogs-region": "eu-central-1",
        "awslogs-stream-prefix": "front"}}


def test_sidecars():
    task = by_kind(render(FULL), "TaskDefinition", "front")
    _, agent, proxy = task["containerDefinitions"]
    assert agent["essential"] is False and proxy["essential"] is False
    assert agent["restartPolicy"] == {"enabled": True, "restartAttemptPeriod": 60}
    assert (agent["cpu"], agent["memoryReservation"]) == (102, 64)
    assert agent["entryPoint"] == ["/agent"] and agent["command"] == ["--verbose"]
    assert agent["mountPoints"] == [{"sourceVolume": "shared", "containerPath": "/data", "readOnly": False}]
    assert agent["logConfiguration"]["options"]["awslogs-stream-prefix"] == "front"
    # same registry (ghcr.io) as the service image: the pull credentials go along; Docker Hub: not
    assert agent["repositoryCredentials"] == task["containerDefinitions"][0]["repositoryCredentials"]
    assert "repositoryCredentials" not in proxy
    # the service's hardening is the main container's only
    for key in ("user", "readonlyRootFilesystem", "linuxParameters", "healthCheck", "portMappings"):
        assert key not in agent and key not in proxy


def test_health_checks_and_their_clamping():
    docs = render(FULL)
    front = by_kind(docs, "TaskDefinition", "front")["containerDefinitions"][0]["healthCheck"]
    assert front == {
        "command": ["CMD-SHELL", "curl -fsS -o /dev/null 'http://127.0.0.1:8080/health?full=1' || "
                                 "wget -q -O /dev/null 'http://127.0.0.1:8080/health?full=1' || exit 1"],
        "interval": 5,  # 2.5s: rounded up to 3, raised to ECS's minimum 5
        "timeout": 2,
        "retries": 5,
        "startPeriod": 300,  # 400s lowered to ECS's maximum
    }
    back = by_kind(docs, "TaskDefinition", "back")["containerDefinitions"][0]["healthCheck"]
    assert back == {
        "command": ["CMD-SHELL", "nc -z -w 2 127.0.0.1 6379 || bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379' || exit 1"],
        "interval": 300, "timeout": 60, "retries": 3,
    }
    batch = by_kind(docs, "TaskDefinition", "batch")["containerDefinitions"][0]["healthCheck"]
    assert batch == {"command": ["CMD", "true"], "interval": 10, "timeout": 5, "retries": 3}


def test_defaults_without_settings():
    text = EC2.replace("providers:\n  aws: {launch_type: EC2}\n", "")
    docs = render(text)
    assert by_kind(docs, "Cluster")["clusterName"] == "onec2"
    task = by_kind(docs, "TaskDefinition")
    # no account known: the app's own role by name (deploy resolves it to an ARN)
    assert task["executionRoleArn"] == "onec2-execution"
    assert by_kind(docs, "Role")["RoleName"] == "onec2-execution"
    assert "taskRoleArn" not in task
    # no region known: deploy adds awslogs-region
    assert "awslogs-region" not in task["containerDefinitions"][0]["logConfiguration"]["options"]
    assert task["containerDefinitions"][0]["secrets"] == [{"name": "KEY", "valueFrom": "/onec2/key"}]
    assert by_kind(docs, "LogRetention")["retentionInDays"] == 30
    # 0.1 vCPU / 100 MiB rounded up to the smallest Fargate size
    assert (task["cpu"], task["memory"]) == ("256", "512")


def test_ec2_launch_type():
    docs = render(EC2)
    task = by_kind(docs, "TaskDefinition")
    assert task["requiresCompatibilities"] == ["EC2"]
    assert task["networkMode"] == "awsvpc"
    # EC2: the exact sum, raised to ECS's minimum of 128 units
    assert (task["cpu"], task["memory"]) == ("128", "100")
    service = by_kind(docs, "Service")
    assert service["launchType"] == "EC2"
    assert service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"


def test_execution_role_arn_partition_follows_the_region():
    text = EC2.replace("aws: {launch_type: EC2}", "aws: {region: cn-north-1, account_id: '123456789012'}")
    task = by_kind(render(text), "TaskDefinition")
    assert task["executionRoleArn"] == "arn:aws-cn:iam::123456789012:role/onec2-execution-cn-north-1"


# -- the service -------------------------------------------------------------------------------

def test_service_fields():
    docs = render(FULL)
    service = by_kind(docs, "Service", "front")
    assert service["cluster"] == "media-cluster"
    assert service["serviceName"] == "full-front"
    assert service["taskDefinition"] == "full-front"
    assert service["desiredCount"] == 3
    assert service["launchType"] == "FARGATE"
    assert service["networkConfiguration"] == {"awsvpcConfiguration": {
        "subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        "securityGroups": ["sg-0123456789abcdef0"],
        "assignPublicIp": "DISABLED",  # the assign_public_ip setting wins over the public port
    }}
    assert service["deploymentConfiguration"] == {
        "minimumHealthyPercent": 100, "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    assert service["propagateTags"] == "SERVICE" and service["enableECSManagedTags"] is True
    assert "clientToken" not in service
    # the public port registers with the app's load balancer; start_period is the grace period
    assert service["loadBalancers"] == [{"targetGroupArn": "${TargetGroup:full-front-8080}",
                                         "containerName": "front", "containerPort": 8080}]
    assert service["healthCheckGracePeriodSeconds"] == 400
    assert by_kind(docs, "Service", "batch")["desiredCount"] == 0


def test_service_connect_publishes_tcp_ports_by_service_name():
    docs = render(FULL)
    assert by_kind(docs, "Namespace") == {
        "Name": "full", "Description": "Service Connect namespace of the cloudorch app full",
        "Tags": [{"Key": "cloudorch-app", "Value": "full"}, {"Key": "managed-by", "Value": "cloudorch"},
                 {"Key": "team", "Value": "media"}, {"Key": "tier", "Value": "backend"}]}
    front = by_kind(docs, "Service", "front")["serviceConnectConfiguration"]
    assert front == {"enabled": True, "namespace": "full", "services": [
        {"portName": "front-8080", "discoveryName": "front", "clientAliases": [{"port": 8080, "dnsName": "front"}]},
        {"portName": "front-9090", "discoveryName": "front-9090",
         "clientAliases": [{"port": 9090, "dnsName": "front"}]},
    ]}  # no UDP: Service Connect is TCP only
    # a service without ports joins as a client only
    assert by_kind(docs, "Service", "batch")["serviceConnectConfiguration"] == {"enabled": True, "namespace": "full"}


def test_no_service_connect_for_a_single_service(load_example):
    docs = render_example(load_example, "hello")
    assert "Namespace" not in [d["kind"] for d in docs]
    assert "serviceConnectConfiguration" not in by_kind(docs, "Service")


@pytest.mark.parametrize("settings, public, expected", [
    ("{}", "true", "ENABLED"),
    ("{}", "false", "ENABLED"),  # default VPC: a public IP is the only way out to the registry
    ("{subnets: [subnet-0123456789abcdef0]}", "false", "DISABLED"),
    ("{subnets: [subnet-0123456789abcdef0]}", "true", "DISABLED"),  # reached through the load balancer
    ("{assign_public_ip: true, subnets: [subnet-0123456789abcdef0]}", "false", "ENABLED"),
    ("{assign_public_ip: false}", "true", "DISABLED"),
])
def test_assign_public_ip(settings, public, expected):
    text = (f"version: 1\nname: ip\nservices:\n  web:\n    image: nginx:1.27.2\n"
            f"    ports: [{{port: 80, public: {public}}}]\nproviders:\n  aws: {settings}\n")
    service = by_kind(render(text), "Service")
    assert service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == expected


def test_autoscaling():
    docs = render(FULL)
    target = by_kind(docs, "ScalableTarget", "front")
    assert target == {
        "ServiceNamespace": "ecs", "ResourceId": "service/media-cluster/full-front",
        "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 8,
        "Tags": {"cloudorch-app": "full", "managed-by": "cloudorch", "team": "media", "tier": "backend"}}
    policy = by_kind(docs, "ScalingPolicy", "front")
    assert policy == {
        "PolicyName": "full-front-cpu", "ServiceNamespace": "ecs", "ResourceId": "service/media-cluster/full-front",
        "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 55.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}
    assert [d["service"] for d in docs if d["kind"] == "ScalableTarget"] == ["front"]


def test_autoscale_start_count_is_clamped():
    text = ("version: 1\nname: a\nservices:\n  web:\n    image: nginx:1.27.2\n"
            "    autoscale: {min: 3, max: 5}\n")
    assert by_kind(render(text), "Service")["desiredCount"] == 3


def test_log_group_and_retention():
    docs = render(FULL)
    assert by_kind(docs, "LogGroup", "back") == {
        "logGroupName": "/cloudorch/full/back",
        "tags": {"cloudorch-app": "full", "managed-by": "cloudorch", "team": "media", "tier": "backend"}}
    assert by_kind(docs, "LogRetention", "back") == {"logGroupName": "/cloudorch/full/back", "retentionInDays": 14}


def test_run_as_group_alone_is_left_out():
    text = ("version: 1\nname: g\nservices:\n  web:\n    image: nginx:1.27.2\n"
            "    security: {run_as_group: 10}\n")
    main = by_kind(render(text), "TaskDefinition")["containerDefinitions"][0]
    assert "user" not in main

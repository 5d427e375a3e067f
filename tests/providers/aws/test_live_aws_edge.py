"""What a task needs to start and be reached on a real account, through the sandbox with plain
boto3 for the out-of-band side: the execution role, security groups, load balancer, target group
and listener are created, untouched by a redeploy (0 mutating calls), repaired after drift,
deleted by destroy, and look-alikes that are not ours are left alone."""

from __future__ import annotations

import json

import boto3
import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.engine.destroy import destroy
from cloudorch.errors import ProviderError
from cloudorch.provider import Action
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox

SPEC = """
version: 1
name: edge
services:
  web:
    image: nginx:1.27.2
    secrets: {TOKEN: token}
    ports: [{port: 80, protocol: http, public: true}]
    health: {http: {path: /healthz, port: 80}, interval: 10s, timeout: 3s, start_period: 5s}
  api:
    image: nginx:1.27.2
    ports: [{port: 8080, protocol: http, public: true}, {port: 9000}]
  db:
    image: redis:7.4.1
    ports: [{port: 6379, public: true}]
providers:
  aws: {region: us-east-1}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-edge"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def clients(box):
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                    region_name="us-east-1")
    return lambda name: session.client(name, endpoint_url=box.config("aws")["url"])


def provider(box, text: str = SPEC):
    p = open_provider(parse_spec(text, "edge.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


@pytest.fixture(scope="module")
def deployed(box, clients):
    p = provider(box)
    p.store_secret("token", "t0ken", deadline=Deadline(60))
    result = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    assert result.status.healthy, result.status
    return result


def mutating(box) -> list[str]:
    return [r["action"] for r in box.requests("aws") if r["mutating"]]


def pending(box) -> dict[tuple[str, str], tuple[str, list[str]]]:
    return {(c.kind, c.name): (str(c.action), c.fields) for c in provider(box).plan(deadline=Deadline(60)).pending}


def test_everything_a_task_needs_is_created_and_tagged(deployed, clients):
    iam, ec2, elb = clients("iam"), clients("ec2"), clients("elbv2")
    role = iam.get_role(RoleName="edge-execution-us-east-1")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    policy = iam.get_role_policy(RoleName="edge-execution-us-east-1", PolicyName="cloudorch-execution")
    reads = [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "ReadParameters"]
    assert reads[0]["Resource"] == ["arn:aws:ssm:us-east-1:123456789012:parameter/edge/token"]
    assert not [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "DecryptSecrets"]
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["edge-tasks", "edge-lb"]}])["SecurityGroups"]}
    assert set(groups) == {"edge-tasks", "edge-lb"}
    tasks_rules = {(p["FromPort"], pair["GroupId"]) for p in groups["edge-tasks"]["IpPermissions"]
                   for pair in p.get("UserIdGroupPairs", [])}
    lb, tasks = groups["edge-lb"]["GroupId"], groups["edge-tasks"]["GroupId"]
    assert tasks_rules == {(80, tasks), (80, lb), (8080, tasks), (8080, lb), (9000, tasks), (6379, tasks), (6379, lb)}
    assert not any(p.get("IpRanges") for p in groups["edge-tasks"]["IpPermissions"])  # nothing from outside
    assert {p["FromPort"] for p in groups["edge-lb"]["IpPermissions"]} == {80, 6379}
    # moto's state is per process: other test modules' apps may share this emulator
    balancers = {b["LoadBalancerName"]: b for b in elb.describe_load_balancers()["LoadBalancers"]
                 if b["LoadBalancerName"].startswith("edge")}
    assert {n: b["Type"] for n, b in balancers.items()} == {"edge": "application", "edge-net": "network"}
    groups_tg = {t["TargetGroupName"]: t for t in elb.describe_target_groups()["TargetGroups"]
                 if t["TargetGroupName"].startswith("edge-")}
    assert set(groups_tg) == {"edge-web-80", "edge-api-8080", "edge-db-6379"}
    assert groups_tg["edge-web-80"]["HealthCheckPath"] == "/healthz"
    assert groups_tg["edge-web-80"]["HealthCheckIntervalSeconds"] == 10
    [rule] = [r for r in elb.describe_rules(ListenerArn=elb.describe_listeners(
        LoadBalancerArn=balancers["edge"]["LoadBalancerArn"])["Listeners"][0]["ListenerArn"])["Rules"]
        if not r["IsDefault"]]
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/api", "/api/*"]
    health = elb.describe_target_health(TargetGroupArn=groups_tg["edge-web-80"]["TargetGroupArn"])
    assert [h["TargetHealth"]["State"] for h in health["TargetHealthDescriptions"]] == ["healthy"]
    for arn in [b["LoadBalancerArn"] for b in balancers.values()] + [t["TargetGroupArn"] for t in groups_tg.values()]:
        tags = {t["Key"]: t["Value"] for t in elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]}
        assert tags["cloudorch-app"] == "edge" and tags["managed-by"] == "cloudorch"


def test_status_shows_the_load_balancers_addresses(deployed):
    endpoints = {s.name: s.endpoints for s in deployed.status.services}
    assert endpoints["web"] == ["http://edge-1.us-east-1.elb.amazonaws.com"]
    assert endpoints["api"] == ["http://edge-1.us-east-1.elb.amazonaws.com/api", "api:9000"]
    assert endpoints["db"] == ["edge-net-1.us-east-1.elb.amazonaws.com:6379"]


def test_redeploy_makes_no_mutating_call(deployed, box):
    box.clear_requests("aws")
    p = provider(box)
    plan = p.plan(deadline=Deadline(60))
    assert plan.empty, plan.pending
    deploy(p, plan, poll=0.2)
    assert mutating(box) == []


def test_drift_is_repaired(deployed, box, clients):
    iam, ec2, elb = clients("iam"), clients("ec2"), clients("elbv2")
    [tasks] = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["edge-tasks"]}])["SecurityGroups"]
    ec2.revoke_security_group_ingress(GroupId=tasks["GroupId"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
        "UserIdGroupPairs": [{"GroupId": tasks["GroupId"], "Description": "from the app's tasks"}]}])
    ec2.authorize_security_group_ingress(GroupId=tasks["GroupId"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    [tg] = elb.describe_target_groups(Names=["edge-web-80"])["TargetGroups"]
    elb.modify_target_group(TargetGroupArn=tg["TargetGroupArn"], HealthCheckPath="/")
    iam.put_role_policy(RoleName="edge-execution-us-east-1", PolicyName="cloudorch-execution",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    assert pending(box) == {
        ("SecurityGroupIngress", "edge-tasks"): ("update", ["IpPermissions"]),
        ("TargetGroup", "edge-web-80"): ("update", ["HealthCheckPath"]),
        ("RolePolicy", "edge-execution-us-east-1/cloudorch-execution"): ("update", ["PolicyDocument"]),
    }
    p = provider(box)
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    assert pending(box) == {}
    [tasks] = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["edge-tasks"]}])["SecurityGroups"]
    assert 22 not in {p["FromPort"] for p in tasks["IpPermissions"]}


def test_a_deleted_listener_is_recreated(deployed, box, clients):
    elb = clients("elbv2")
    [lb] = elb.describe_load_balancers(Names=["edge-net"])["LoadBalancers"]
    [listener] = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    elb.delete_listener(ListenerArn=listener["ListenerArn"])
    assert pending(box) == {("Listener", "edge-net:6379"): ("create", [])}
    p = provider(box)
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    assert pending(box) == {}


def test_a_public_port_made_private_drops_its_load_balancing(deployed, box):
    text = SPEC.replace("[{port: 6379, public: true}]", "[{port: 6379}]")
    pending = provider(box, text).plan(deadline=Deadline(60)).pending
    deletions = {(c.kind, c.name) for c in pending if c.action is Action.DELETE}
    assert deletions == {("LoadBalancer", "edge-net"), ("TargetGroup", "edge-db-6379")}


def test_an_unowned_role_of_the_same_name_is_refused(box, clients):
    text = SPEC.replace("name: edge", "name: other")
    clients("iam").create_role(RoleName="other-execution-us-east-1", AssumeRolePolicyDocument="{}")
    with pytest.raises(ProviderError, match="IAM role other-execution-us-east-1 exists but is not managed"):
        provider(box, text).plan(deadline=Deadline(60))


def test_given_roles_and_groups_are_used_as_they_are(box):
    text = SPEC.replace("aws: {region: us-east-1}", "aws: {region: us-east-1, execution_role_arn: mine, "
                        "security_groups: [sg-0123456789abcdef0]}")
    plan = provider(box, text).plan(deadline=Deadline(60))
    made = {(c.kind, str(c.action)) for c in plan.changes if c.kind in {"Role", "RolePolicy", "SecurityGroup",
                                                                       "SecurityGroupIngress"}}
    # nothing of that kind is made or changed; the ones made before are no longer needed
    assert made == {("Role", "delete"), ("SecurityGroup", "delete")}
    services = [c for c in plan.changes if c.kind == "Service"]
    assert services and all("networkConfiguration" in c.fields for c in services)


def test_destroy_deletes_ours_in_dependency_order_and_leaves_look_alikes(deployed, box, clients):
    ec2, elb, iam = clients("ec2"), clients("elbv2"), clients("iam")
    vpc = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["edge-tasks"]}]
                                       )["SecurityGroups"][0]["VpcId"]
    handmade = elb.create_target_group(Name="edge-handmade", Protocol="HTTP", Port=80, VpcId=vpc,
                                       TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    p = provider(box)
    plan = p.destroy_plan(deadline=Deadline(60))
    kinds = [c.kind for c in plan.pending]
    assert kinds.index("Service") < kinds.index("LoadBalancer") < kinds.index("TargetGroup") \
        < kinds.index("SecurityGroup") < kinds.index("Role")
    destroy(p, plan)
    assert [t["TargetGroupArn"] for t in elb.describe_target_groups()["TargetGroups"]
            if t["TargetGroupName"].startswith("edge-")] == [handmade]
    assert not [b for b in elb.describe_load_balancers()["LoadBalancers"] if b["LoadBalancerName"].startswith("edge")]
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["edge-tasks", "edge-lb"]}]
                                        )["SecurityGroups"] == []
    assert "edge-execution-us-east-1" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert provider(box).destroy_plan(deadline=Deadline(60)).empty

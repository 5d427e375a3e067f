"""Reading what lets tasks start and be reached: the execution role, the app's security groups,
load balancers, target groups, listeners and rules (exact names, plus the app's tagged orphans).

Each found id goes into the command's :class:`~cloudorch_providers.aws.live.refs.Refs`, so the
plan can compare documents with live values and apply can fill references in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_access import POLICY_NAME, TASK_POLICY_NAME
from cloudorch_providers.aws.live.clients import Clients, aws_errors
from cloudorch_providers.aws.live.refs import Refs
from cloudorch_providers.aws.live.state import chunks


def kv_tags(resource: dict[str, Any] | list | None) -> dict[str, str]:
    tags = resource.get("Tags", []) if isinstance(resource, dict) else (resource or [])
    return {t["Key"]: t["Value"] for t in tags}


@dataclass
class Edge:
    vpc: str | None = None
    role: dict[str, Any] | None = None
    role_policy: dict[str, Any] | None = None  # the inline policy document
    task_role: dict[str, Any] | None = None  # the task role cloudorch makes for ECS Exec
    task_role_policy: dict[str, Any] | None = None
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # group name -> group
    balancers: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> LB (with Tags)
    target_groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> TG (with Tags)
    listeners: dict[str, dict[str, Any]] = field(default_factory=dict)  # "lb:port" -> listener
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # "lb:port/priority" -> rule


def _code(exc) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def read_role(aws: Clients, ctx: Context, edge: Edge) -> None:
    """The execution role and the task role cloudorch makes (each with its inline policy), by name."""
    edge.role, edge.role_policy = _read_role(aws, ctx.execution_role_name, POLICY_NAME)
    edge.task_role, edge.task_role_policy = _read_role(aws, ctx.task_role_name, TASK_POLICY_NAME)


def _read_role(aws: Clients, name: str, policy: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    import botocore.exceptions

    iam = aws("iam")
    with aws_errors(f"reading IAM role {name}"):
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except botocore.exceptions.ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            return None, None
        if "Tags" not in role:
            role["Tags"] = iam.list_role_tags(RoleName=name).get("Tags", [])
        try:
            return role, iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        except botocore.exceptions.ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            return role, None


def read_groups(aws: Clients, ctx: Context, edge: Edge, refs: Refs) -> None:
    ec2 = aws("ec2")
    with aws_errors("finding the subnets' VPC"):
        if ctx.subnets:
            edge.vpc = ec2.describe_subnets(SubnetIds=list(ctx.subnets)[:1])["Subnets"][0]["VpcId"]
    if edge.vpc is None:
        return
    refs.set("Vpc", None, edge.vpc)
    names = [ctx.tasks_security_group, ctx.lb_security_group]
    with aws_errors(f"reading security groups {', '.join(names)}"):
        reply = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [edge.vpc]},
                                                      {"Name": "group-name", "Values": names}])
    for group in reply["SecurityGroups"]:
        edge.groups[group["GroupName"]] = group
        refs.set("SecurityGroup", group["GroupName"], group["GroupId"])


def _elb_tags(elb, arns: list[str]) -> dict[str, dict[str, str]]:
    found = {}
    for batch in chunks(arns, 20):
        for description in elb.describe_tags(ResourceArns=batch)["TagDescriptions"]:
            found[description["ResourceArn"]] = kv_tags(description)
    return found


def read_balancing(aws: Clients, ctx: Context, edge: Edge, refs: Refs) -> None:
    """The app's load balancers (by name), its target groups (by name, or by our tags under the
    app's name prefix: orphans), and the listeners and rules of the load balancers found."""
    elb = aws("elbv2")
    with aws_errors(f"reading the load balancers of app {ctx.app.name}"):
        lbs = [lb for page in elb.get_paginator("describe_load_balancers").paginate()
               for lb in page["LoadBalancers"] if lb["LoadBalancerName"] in (ctx.alb, ctx.nlb)]
        prefix = ctx.app.name[:25]
        tgs = [tg for page in elb.get_paginator("describe_target_groups").paginate()
               for tg in page["TargetGroups"] if tg["TargetGroupName"].startswith(prefix)]
        tags = _elb_tags(elb, [lb["LoadBalancerArn"] for lb in lbs] + [tg["TargetGroupArn"] for tg in tgs])
        for lb in lbs:
            lb["Tags"] = [{"Key": k, "Value": v} for k, v in tags.get(lb["LoadBalancerArn"], {}).items()]
            edge.balancers[lb["LoadBalancerName"]] = lb
            refs.set("LoadBalancer", lb["LoadBalancerName"], lb["LoadBalancerArn"])
        for tg in tgs:
            tg["Tags"] = [{"Key": k, "Value": v} for k, v in tags.get(tg["TargetGroupArn"], {}).items()]
            edge.target_groups[tg["TargetGroupName"]] = tg
            refs.set("TargetGroup", tg["TargetGroupName"], tg["TargetGroupArn"])
        for name, lb in edge.balancers.items():
            for page in elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=lb["LoadBalancerArn"]):
                for listener in page["Listeners"]:
                    key = f"{name}:{listener['Port']}"
                    edge.listeners[key] = listener
                    refs.set("Listener", key, listener["ListenerArn"])
                    if listener["Protocol"] in ("HTTP", "HTTPS"):
                        rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
                        for rule in rules:
                            if not rule.get("IsDefault"):
                                edge.rules[f"{key}/{rule['Priority']}"] = rule


def read_edge(aws: Clients, ctx: Context, refs: Refs) -> Edge:
    edge = Edge()
    read_role(aws, ctx, edge)
    read_groups(aws, ctx, edge, refs)
    read_balancing(aws, ctx, edge, refs)
    return edge

"""Reading the live app from AWS: the cluster, namespace, log groups, task definitions, services
and autoscaling of one app, in as few read calls as the APIs allow (DescribeServices 10 at a
time, the SDKs' own paginators for lists)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.clients import Clients, aws_errors

from cloudorch.live.ownership import Markers

#: the ownership markers (the core kit's rule; AWSProvider.ownership is the same default)
MARKERS = Markers()
OWNER = MARKERS.owner_key


def ecs_tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in resource.get("tags") or []}


def chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class Live:
    cluster: dict[str, Any] | None = None
    namespace: dict[str, Any] | None = None
    log_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # family -> latest ACTIVE
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # service name -> ACTIVE/DRAINING
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource id -> scalable target
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # policy name -> policy
    #: family -> ACTIVE revision ARNs carrying this app's markers (read for deletions only)
    revisions: dict[str, list[str]] = field(default_factory=dict)
    #: ARN -> the task definition a service runs when it is not its family's latest (after a rollback)
    running: dict[str, dict[str, Any]] = field(default_factory=dict)

    def owned_by(self, resource_tags: dict[str, str], app: str) -> bool:
        return MARKERS.owns(resource_tags, app)


def read_cluster(aws: Clients, ctx: Context) -> dict[str, Any] | None:
    with aws_errors(f"reading ECS cluster {ctx.cluster}"):
        reply = aws("ecs").describe_clusters(clusters=[ctx.cluster], include=["TAGS"])
    for cluster in reply.get("clusters", []):
        if cluster.get("status") == "ACTIVE":
            return cluster
    return None


def read_services(aws: Clients, ctx: Context, names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """ACTIVE/DRAINING services of the cluster: the named ones, or (names=None) every service
    carrying this app's markers."""
    ecs = aws("ecs")
    found: dict[str, dict[str, Any]] = {}
    with aws_errors(f"listing services of ECS cluster {ctx.cluster}"):
        if names is None:
            pages = ecs.get_paginator("list_services").paginate(
                cluster=ctx.cluster, PaginationConfig={"PageSize": 100})
            arns = [arn for page in pages for arn in page["serviceArns"]]
        else:
            arns = list(names)
        for batch in chunks(arns, 10):
            reply = ecs.describe_services(cluster=ctx.cluster, services=batch, include=["TAGS"])
            for service in reply.get("services", []):
                if service.get("status") in ("ACTIVE", "DRAINING"):
                    found[service["serviceName"]] = service
    if names is None:
        found = {n: s for n, s in found.items() if ecs_tags(s).get(OWNER) == ctx.app.name}
    return found


def read_task_definition(aws: Clients, family: str) -> dict[str, Any] | None:
    import botocore.exceptions

    try:
        reply = aws("ecs").describe_task_definition(taskDefinition=family, include=["TAGS"])
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ClientException", "InvalidParameterException"):
            return None
        with aws_errors(f"reading task definition {family}"):
            raise
    definition = reply["taskDefinition"]
    if definition.get("status") != "ACTIVE":
        return None
    definition["tags"] = reply.get("tags", [])
    return definition


def read_log_groups(aws: Clients, ctx: Context) -> dict[str, dict[str, Any]]:
    prefix = f"{ctx.log_group('x')[:-1]}"
    groups = {}
    with aws_errors(f"listing log groups {prefix}*"):
        for page in aws("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            for group in page["logGroups"]:
                groups[group["logGroupName"]] = group
        for name, group in groups.items():  # DescribeLogGroups carries no tags
            group["tags"] = aws("logs").list_tags_log_group(logGroupName=name).get("tags", {})
    return groups


def read_revisions(aws: Clients, ctx: Context, family: str) -> list[str]:
    """The family's ACTIVE revisions that carry this app's markers (newest last)."""
    ecs = aws("ecs")
    found = []
    with aws_errors(f"listing revisions of task definition family {family}"):
        pages = ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
        for arn in [a for page in pages for a in page["taskDefinitionArns"]]:
            if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] != family:  # the prefix also matches other families
                continue
            tags = {t["key"]: t["value"] for t in
                    ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags", [])}
            if MARKERS.owns(tags, ctx.app.name):
                found.append(arn)
    return found


def read_autoscaling(aws: Clients, ctx: Context, services: list[str]) -> tuple[dict, dict]:
    scaling = aws("application-autoscaling")
    targets, policies = {}, {}
    ids = [ctx.resource_id(s) for s in services]
    with aws_errors("reading Application Auto Scaling targets"):
        for batch in chunks(ids, 50):
            for page in scaling.get_paginator("describe_scalable_targets").paginate(
                    ServiceNamespace="ecs", ResourceIds=batch, ScalableDimension="ecs:service:DesiredCount"):
                for target in page["ScalableTargets"]:
                    targets[target["ResourceId"]] = target
        names = [ctx.policy_name(s) for s in services if ctx.resource_id(s) in targets]
        for batch in chunks(names, 50):
            for page in scaling.get_paginator("describe_scaling_policies").paginate(
                    ServiceNamespace="ecs", PolicyNames=batch):
                for policy in page["ScalingPolicies"]:
                    policies[policy["PolicyName"]] = policy
    return targets, policies


def read_namespace(aws: Clients, ctx: Context) -> dict[str, Any] | None:
    with aws_errors(f"reading Cloud Map namespace {ctx.namespace}"):
        sd = aws("servicediscovery")
        for page in sd.get_paginator("list_namespaces").paginate():
            for namespace in page["Namespaces"]:
                if namespace["Name"] == ctx.namespace:
                    tags = sd.list_tags_for_resource(ResourceARN=namespace["Arn"]).get("Tags", [])
                    namespace["tags"] = {t["Key"]: t["Value"] for t in tags}
                    return namespace
    return None


def read_live(aws: Clients, ctx: Context, with_namespace: bool, destroying: bool = False) -> Live:
    """Everything plan needs: the spec's resources by exact name, plus the app's orphans (and,
    for what will be deleted -- orphans, or everything when ``destroying`` -- the owned revisions)."""
    live = Live(cluster=read_cluster(aws, ctx))
    if with_namespace:
        live.namespace = read_namespace(aws, ctx)
    live.log_groups = read_log_groups(aws, ctx)
    if live.cluster is not None:
        live.services = read_services(aws, ctx, None)
        wanted = [ctx.service_name(s) for s in ctx.app.services if ctx.service_name(s) not in live.services]
        live.services.update(read_services(aws, ctx, wanted) if wanted else {})
    services = set(ctx.app.services) | {_spec_name(ctx, n) for n in live.services} - {None}
    from concurrent.futures import ThreadPoolExecutor

    families = [ctx.family(s) for s in sorted(s for s in services if s)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = pool.map(lambda f: read_task_definition(aws, f), families)
        for family, definition in zip(families, found, strict=True):
            if definition is not None:
                live.task_definitions[family] = definition
    if live.cluster is not None:
        live.targets, live.policies = read_autoscaling(aws, ctx, sorted(s for s in services if s))
    if not destroying:  # what a service runs when it is not the latest revision: plan shows its images
        latest = {d["taskDefinitionArn"] for d in live.task_definitions.values()}
        for arn in sorted({s.get("taskDefinition") for s in live.services.values()} - latest - {None}):
            definition = read_task_definition(aws, arn)
            if definition is not None:
                live.running[arn] = definition
    leaving = [s for s in services if s and (destroying or s not in ctx.app.services)]
    for service in leaving:
        if ctx.family(service) in live.task_definitions:
            live.revisions[ctx.family(service)] = read_revisions(aws, ctx, ctx.family(service))
    return live


def _spec_name(ctx: Context, service_name: str) -> str | None:
    prefix = f"{ctx.app.name}-"
    return service_name[len(prefix):] if service_name.startswith(prefix) else None

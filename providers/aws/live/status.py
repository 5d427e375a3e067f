"""AWS status: ECS services (DescribeServices, 10 per call) mapped onto the common model: the facts
(running/desired counts, the primary deployment's rollout state, why tasks of the current deployment
stopped) classified by the kit's one precedence (:func:`cloudorch.live.health.classify`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudorch.live import health
from cloudorch.provider import AppStatus, ServiceStatus
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.clients import Clients, aws_errors
from cloudorch_providers.aws.live.state import chunks


def _primary(service: dict[str, Any]) -> dict[str, Any]:
    return next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), {})


#: stop codes that are not failures (scale-in, deployments replacing tasks, people)
_BENIGN_STOPS = {"ServiceSchedulerInitiated", "UserInitiated", "SpotInterruption", "TerminationNotice"}


def _tasks(aws: Clients, ctx: Context, service: dict[str, Any], desired_status: str) -> list[dict[str, Any]]:
    """The service's tasks in ``desired_status`` (the SDK's paginator; DescribeTasks 100 at a time)."""
    ecs = aws("ecs")
    pages = ecs.get_paginator("list_tasks").paginate(cluster=ctx.cluster, serviceName=service["serviceName"],
                                                      desiredStatus=desired_status)
    arns = [arn for page in pages for arn in page["taskArns"]]
    return [task for batch in chunks(arns, 100)
            for task in ecs.describe_tasks(cluster=ctx.cluster, tasks=batch).get("tasks", [])]


def _stopped_reasons(aws: Clients, ctx: Context, service: dict[str, Any], deployment: dict[str, Any]) -> list[str]:
    """Why tasks of the current deployment stopped, newest first (failures only)."""
    failures = []
    for task in _tasks(aws, ctx, service, "STOPPED"):
        if deployment.get("id") and task.get("startedBy") != deployment["id"]:
            continue
        if task.get("taskDefinitionArn") != deployment.get("taskDefinition") or \
                task.get("stopCode") in _BENIGN_STOPS:
            continue
        container = next((c.get("reason") for c in task.get("containers", []) if c.get("reason")), None)
        reason = task.get("stoppedReason") or "task stopped"
        failures.append((str(task.get("stoppedAt", "")), f"{reason} ({container})" if container else reason))
    return [reason for _, reason in sorted(failures, reverse=True)]


def _public_endpoints(aws: Clients, ctx: Context, service: dict[str, Any], ports: list[int]) -> list[str]:
    enis = [detail["value"] for task in _tasks(aws, ctx, service, "RUNNING")
            for attachment in task.get("attachments", []) for detail in attachment.get("details", [])
            if detail.get("name") == "networkInterfaceId"]
    if not enis:
        return []
    # a filter, not NetworkInterfaceIds: an ENI deleted since ListTasks (its task stopping during a
    # rollout) is simply absent instead of failing the whole call with InvalidNetworkInterfaceID.NotFound
    reply = aws("ec2").describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": enis}])
    ips = sorted({i.get("Association", {}).get("PublicIp") for i in reply["NetworkInterfaces"]} - {None})
    return [f"{ip}:{port}" for ip in ips for port in ports]


def service_status(aws: Clients, ctx: Context, name: str, live: dict[str, Any] | None,
                   definitions: dict[str, dict[str, Any]]) -> ServiceStatus:
    spec = ctx.app.services[name] if name in ctx.app.services else None
    if live is None or live.get("status") != "ACTIVE":
        return health.service_status(name, None, desired=spec.desired_replicas if spec else 0)
    desired, running, pending = live.get("desiredCount", 0), live.get("runningCount", 0), live.get("pendingCount", 0)
    primary = _primary(live)
    definition_arn = primary.get("taskDefinition") or live.get("taskDefinition", "")
    definition = definitions.get(definition_arn)
    if definition is None:  # revisions are immutable: one read per revision per command
        definition = aws("ecs").describe_task_definition(taskDefinition=definition_arn)["taskDefinition"]
        definitions[definition_arn] = definition
    main = next((c for c in definition["containerDefinitions"] if c.get("essential", True)),
                definition["containerDefinitions"][0])
    rollout = primary.get("rolloutState")
    deployment = primary or {"taskDefinition": definition_arn}
    reasons = _stopped_reasons(aws, ctx, live, deployment) if running < desired else []
    events = [e.get("message", "") for e in live.get("events", [])]
    # the facts; the state follows by the kit's one precedence (cloudorch.live.health): tasks of the
    # current deployment that stopped are failures while none runs, the reason shown otherwise
    facts = health.Facts(
        desired=desired, running=running, pending=pending,
        failed=max(len(reasons), int(primary.get("failedTasks", 0)) if running < desired else 0),
        failures=reasons if running == 0 else [],
        gave_up=(reasons[0] if reasons else primary.get("rolloutStateReason") or "deployment failed")
        if rollout == "FAILED" else "",
        rolling=len(live.get("deployments", [])) > 1 or rollout == "IN_PROGRESS",
        progress=primary.get("rolloutStateReason", "") or (events[0] if events else ""),
        waiting=reasons[0] if reasons else "",
    )
    status = health.service_status(name, facts, image=main.get("image", ""),
                                   revision=definition_arn.rsplit("/", 1)[-1])
    if spec:
        public = [p.port for p in spec.ports if p.public]
        if public and running:
            status.endpoints = _public_endpoints(aws, ctx, live, public)
        status.endpoints += [f"{name}:{p.port}" for p in spec.ports if not p.public and p.protocol != "udp"]
    return status


def app_status(aws: Clients, ctx: Context, names: list[str],
               definitions: dict[str, dict[str, Any]] | None = None) -> AppStatus:
    """``definitions`` caches task definitions by ARN across calls (e.g. the polls of a deploy)."""
    definitions = {} if definitions is None else definitions
    found: dict[str, dict[str, Any]] = {}
    with aws_errors(f"reading ECS services of app {ctx.app.name}"):
        ecs = aws("ecs")
        clusters = ecs.describe_clusters(clusters=[ctx.cluster]).get("clusters", [])
        if any(c.get("status") == "ACTIVE" for c in clusters):
            for batch in chunks([ctx.service_name(n) for n in names], 10):
                for service in ecs.describe_services(cluster=ctx.cluster, services=batch).get("services", []):
                    found[service["serviceName"]] = service
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(
                lambda n: service_status(aws, ctx, n, found.get(ctx.service_name(n)), definitions), names))
    return AppStatus(ctx.app.name, "aws", statuses)

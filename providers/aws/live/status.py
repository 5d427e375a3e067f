"""AWS status: ECS services (DescribeServices, 10 per call) mapped onto the common model.

- A deployment the ECS circuit breaker failed is FAILED, also once the rollback has completed:
  the service then runs an older revision than its family's latest (which deploy registered) and
  its events say a deployment failed. The message names the failed revision, why its tasks
  stopped, and the revision serving now.
- A task stopped because it could not read a secret names the spec's secret and the fix.
- Public endpoints: the load balancers' DNS names (``http[s]://NAME`` for http ports, with
  ``/service`` for path-routed services; ``NAME:port`` for tcp); a public udp port has none but
  each task's public IP. Private ports: ``service:port``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudorch.live import health
from cloudorch.live.health import Facts
from cloudorch.provider import AppStatus, ServiceStatus
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_network import endpoints, public_http, public_net
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


def _failure(task: dict[str, Any]) -> bool:
    if (task.get("stoppedReason") or "").startswith("Task failed ELB health checks"):
        return True  # the scheduler stops it, but because it failed
    return task.get("stopCode") not in _BENIGN_STOPS


def _stopped_reasons(aws: Clients, ctx: Context, service: dict[str, Any], deployment: dict[str, Any]) -> list[str]:
    """Why tasks of ``deployment`` (its id, else its task definition) stopped, newest first (failures only)."""
    failures = []
    for task in _tasks(aws, ctx, service, "STOPPED"):
        if deployment.get("id") and task.get("startedBy") != deployment["id"]:
            continue
        if task.get("taskDefinitionArn") != deployment.get("taskDefinition") or not _failure(task):
            continue
        container = next((c.get("reason") for c in task.get("containers", []) if c.get("reason")), None)
        reason = task.get("stoppedReason") or "task stopped"
        failures.append((str(task.get("stoppedAt", "")), f"{reason} ({container})" if container else reason))
    return [reason for _, reason in sorted(failures, reverse=True)]


def _revision(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _latest(aws: Clients, family: str, definitions: dict[str, Any]) -> str | None:
    """The family's latest ACTIVE revision (read once per command)."""
    import botocore.exceptions

    key = f"latest:{family}"
    if key not in definitions:
        try:
            definitions[key] = aws("ecs").describe_task_definition(taskDefinition=family)["taskDefinition"][
                "taskDefinitionArn"]
        except botocore.exceptions.ClientError:
            definitions[key] = None
    return definitions[key]


def rolled_back(aws: Clients, ctx: Context, name: str, live: dict[str, Any], primary: dict[str, Any],
                definitions: dict[str, Any]) -> str | None:
    """Why the service does not run the spec's revision: the circuit breaker failed its deployment
    (and rolls back, or has rolled back, to the revision serving now). None when it did not."""
    deployments = live.get("deployments", [])
    failed = next((d for d in deployments if d.get("rolloutState") == "FAILED"), None)
    if failed is not None:
        new = failed.get("taskDefinition", "")
        others = [d.get("taskDefinition") for d in deployments if d is not failed]
        target = live.get("taskDefinition") if live.get("taskDefinition") != new else None
        serving = next((t for t in others if t and t != new), None) or target
    else:
        events = [e.get("message", "") for e in live.get("events", [])]
        if not any("deployment failed" in e for e in events):  # (checked first: no read otherwise)
            return None
        latest = _latest(aws, ctx.family(name), definitions)
        if not latest or latest == primary.get("taskDefinition"):
            return None
        new, serving = latest, primary.get("taskDefinition")
    stopped = failed is None or int(failed.get("failedTasks", 1)) > 0
    reasons = _stopped_reasons(aws, ctx, live, {"taskDefinition": new}) if stopped else []
    why = reasons[0] if reasons else (failed or {}).get("rolloutStateReason") or "its tasks failed to start"
    if not serving:
        return f"new revision {_revision(new)} failed: {why}"
    return (f"new revision {_revision(new)} failed and the ECS circuit breaker rolled back to {_revision(serving)}, "
            f"which is serving now: {why}")


def with_fix(ctx: Context, message: str) -> str:
    """A task that could not read a spec secret: name the secret and how to store it."""
    if "ResourceInitializationError" not in message:
        return message
    for secret in sorted(ctx.app_secrets()):
        value_from = ctx.value_from(secret)
        if secret_id_of(value_from) in message or value_from in message:
            if "AccessDenied" in message or "unable to assume" in message:
                return (f"{message}; the execution role cannot read secret {secret}: allow it in "
                        "providers.aws.execution_role_arn's policies, or leave that setting out")
            return f"{message}; secret {secret} does not exist: store it with `cloudorch secrets set -p aws {secret}`"
    return message


def secret_id_of(value_from: str) -> str:
    return ":".join(value_from.split(":")[:7]) if value_from.startswith("arn:") else value_from


def service_status(aws: Clients, ctx: Context, name: str, live: dict[str, Any] | None,
                   definitions: dict[str, dict[str, Any]], balancers: dict[str, str] | None = None) -> ServiceStatus:
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
    reasons = [with_fix(ctx, r) for r in _stopped_reasons(aws, ctx, live, deployment)] if running < desired else []
    rollback = rolled_back(aws, ctx, name, live, primary, definitions) if primary else None
    events = [e.get("message", "") for e in live.get("events", [])]
    facts = Facts(  # the kit's classifier decides the state from these
        desired=desired, running=running, pending=pending,
        failed=max(len(reasons), int(primary.get("failedTasks", 0)) if running < desired else 0),
        failures=reasons if running == 0 else [],  # replicas of this revision cannot start
        gave_up=with_fix(ctx, rollback) if rollback else "",
        rolling=len(live.get("deployments", [])) > 1 or rollout == "IN_PROGRESS",
        progress=primary.get("rolloutStateReason", "") or (events[0] if events else ""),
        waiting=reasons[0] if reasons else "",
    )
    status = health.service_status(name, facts, image=main.get("image", ""),
                                   revision=definition_arn.rsplit("/", 1)[-1])
    if spec:
        status.endpoints = endpoints(ctx, name, balancers or {})
        status.endpoints += [f"{name}:{p.port}" for p in spec.ports if not p.public and p.protocol != "udp"]
    return status


def balancer_dns(aws: Clients, ctx: Context) -> dict[str, str]:
    """The app's load balancers' DNS names by name (only those the spec needs)."""
    import botocore.exceptions

    names = ([ctx.alb] if public_http(ctx) else []) + ([ctx.nlb] if public_net(ctx) else [])
    found = {}
    for name in names:
        try:
            for lb in aws("elbv2").describe_load_balancers(Names=[name])["LoadBalancers"]:
                found[lb["LoadBalancerName"]] = lb["DNSName"]
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "LoadBalancerNotFound":
                raise
    return found


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
        balancers = balancer_dns(aws, ctx) if found else {}
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(
                lambda n: service_status(aws, ctx, n, found.get(ctx.service_name(n)), definitions, balancers), names))
    return AppStatus(ctx.app.name, "aws", statuses)

"""AWS exec (ECS Exec) and events.

exec: ``ExecuteCommand`` on a RUNNING task of the service (interactive, as ECS requires), then the session
handed to AWS's ``session-manager-plugin`` the way the AWS CLI's ``aws ecs execute-command`` hands it:
``session-manager-plugin AWS_SSM_START_SESSION_RESPONSE REGION StartSession PROFILE PARAMS ENDPOINT``, the
session (``sessionId``, ``streamUrl``, ``tokenValue``) in the environment variable named by the first
argument (the current CLI's form: the token never shows in the process list), ``PARAMS`` the
``{"Target": "ecs:CLUSTER_TASKID_RUNTIMEID"}`` of the container, ``ENDPOINT`` the SSM endpoint. The plugin
owns the terminal; its exit code is cloudorch's (the plugin carries the remote command's).
ECS Exec needs ``providers.aws.exec: true`` when the task started (the service's enableExecuteCommand).

events: each service's ``events`` from DescribeServices (ECS keeps the last 100), newest ECS messages
such as "has reached a steady state" and "was unable to place a task".
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from cloudorch.errors import ProviderError, UsageError
from cloudorch.remote import Event, ExecRequest, Handoff
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.clients import Clients, aws_errors

PLUGIN = "session-manager-plugin"
RESPONSE_ENV = "AWS_SSM_START_SESSION_RESPONSE"
MISSING = (f"AWS's {PLUGIN} is not installed (it carries ECS Exec sessions); install it: "
           "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html")


def _running_tasks(aws: Clients, ctx: Context, service: str) -> list[dict[str, Any]]:
    ecs = aws("ecs")
    name = ctx.service_name(service)
    with aws_errors(f"listing the tasks of ECS service {name}"):
        arns = [arn for page in ecs.get_paginator("list_tasks").paginate(
            cluster=ctx.cluster, serviceName=name, desiredStatus="RUNNING") for arn in page["taskArns"]]
        tasks = [t for i in range(0, len(arns), 100)
                 for t in ecs.describe_tasks(cluster=ctx.cluster, tasks=arns[i:i + 100]).get("tasks", [])]
    return sorted(tasks, key=lambda t: t.get("startedAt") or 0)


def open_exec(aws: Clients, ctx: Context, request: ExecRequest, profile: str) -> Handoff:
    tasks = _running_tasks(aws, ctx, request.service)
    task_id = lambda t: t["taskArn"].rsplit("/", 1)[-1]  # noqa: E731
    if request.replica:
        chosen = [t for t in tasks if task_id(t).startswith(request.replica)]
        if not chosen:
            raise UsageError(f"service {request.service} has no running task {request.replica!r} (tasks: "
                             f"{', '.join(task_id(t) for t in tasks) or 'none'})")
        tasks = chosen
    running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
    if not running:
        raise ProviderError(f"service {request.service} has no running task; see `cloudorch status` and "
                            "`cloudorch events`")
    task = running[0]
    names = [c["name"] for c in task.get("containers", [])]
    container = request.container or request.service
    if container not in names:
        raise UsageError(f"task {task_id(task)} has no container {container!r} (containers: {', '.join(names)})")
    if not task.get("enableExecuteCommand"):
        hint = "" if ctx.settings.exec else "set providers.aws.exec: true, deploy, and "
        raise ProviderError(f"task {task_id(task)} of service {request.service} was started without ECS Exec; "
                            f"{hint}run the command in a task started since (deploy replaces the tasks)")
    runtime = next(c.get("runtimeId") for c in task["containers"] if c["name"] == container)
    with aws_errors(f"starting the command in task {task_id(task)}, container {container}"):
        reply = aws("ecs").execute_command(cluster=ctx.cluster, task=task["taskArn"], container=container,
                                           interactive=True, command=shlex.join(request.command))
    target = f"ecs:{ctx.cluster}_{task_id(task)}_{runtime}"
    endpoint = aws("ssm").meta.endpoint_url
    return Handoff((PLUGIN, RESPONSE_ENV, aws.region, "StartSession", profile, json.dumps({"Target": target}),
                    endpoint), MISSING, {RESPONSE_ENV: json.dumps(reply["session"])})


def read_events(aws: Clients, ctx: Context) -> list[Event]:
    ecs = aws("ecs")
    names = {ctx.service_name(s): s for s in ctx.app.services}
    found = []
    batch = list(names)
    with aws_errors(f"reading the ECS services of app {ctx.app.name}"):
        services = [s for i in range(0, len(batch), 10)
                    for s in ecs.describe_services(cluster=ctx.cluster, services=batch[i:i + 10]).get("services", [])]
    for service in services:
        name = service.get("serviceName", "")
        if name not in names or service.get("status") == "INACTIVE":
            continue
        for event in service.get("events") or []:
            message = event.get("message", "")
            warning = any(word in message for word in ("unable", "failed", "unhealthy", "error", "Error"))
            found.append(Event(event["createdAt"], names[name], f"Service/{name}", "ServiceEvent",
                               message, "Warning" if warning else "Normal"))
    return found

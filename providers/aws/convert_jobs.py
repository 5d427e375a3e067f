"""Spec jobs on ECS: a task definition per job, run by ``RunTask``; schedules through EventBridge Scheduler.

Per job (documents carry ``service=<job>``):

- ``LogGroup`` / ``LogRetention`` ``/cloudorch/{app}/{job}`` and the ``TaskDefinition`` family
  ``{app}-{job}``: one essential container named after the job, mapped like a service's container
  (``command`` -> ``entryPoint``, ``args`` -> ``command``, env, secrets from the execution role,
  ``memoryReservation``, awslogs), no ports or health check; Fargate size from its resources.
- a scheduled job: a ``Schedule`` ``{job}`` in the app's schedule group ``cloudorch-{app}`` (schedules
  take no tags; the group carries the ownership markers, and deleting it deletes its schedules), with
  ``ScheduleExpression`` ``cron(...)`` converted from the 5-field cron (:func:`aws_cron`),
  ``ScheduleExpressionTimezone: UTC``, ``FlexibleTimeWindow: OFF`` and an ECS target: the cluster,
  the family (its latest ACTIVE revision), the services' network configuration, group ``job:{job}``,
  and ``RetryPolicy.MaximumRetryAttempts`` = ``retries``. EventBridge
  Scheduler retries only a failed *invocation* (RunTask refused or throttled), not a task that ran and
  exited non-zero: that is said by ``validate``.
- one ``SchedulerRole`` ``{app}-scheduler`` (and its inline ``SchedulerRolePolicy`` ``run-jobs``) when
  any job is scheduled: trusted by
  ``scheduler.amazonaws.com``, allowed ``ecs:RunTask`` on the jobs' families, ``ecs:TagResource`` and
  ``iam:PassRole`` on the execution (and task) role.
"""

from __future__ import annotations

import json
from typing import Any

from cloudorch.provider import Document
from cloudorch.spec.cron import cron_fields
from cloudorch.spec.models import Job, Service
from cloudorch_providers.aws.context import Context, limited
from cloudorch_providers.aws.convert_network import security_groups
from cloudorch_providers.aws.convert_service import assign_public_ip
from cloudorch_providers.aws.convert_task import _common
from cloudorch_providers.aws.fargate import task_size

POLICY_NAME = "run-jobs"
RUN_STARTED_BY = "cloudorch-run"
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def aws_cron(expression: str) -> str:
    """``cron(min hour dom month dow year)`` from a 5-field cron. AWS wants one of day-of-month and
    day-of-week to be ``?``; its days of week count 1 (SUN) .. 7 (SAT), so names are used."""
    minute, hour, dom, month, dow = cron_fields(expression)
    if dow != "*":
        dom = "?"
        dow = _aws_days(dow)
    else:
        dow = "?"
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _aws_days(field: str) -> str:
    def day(text: str) -> str:
        return _DAYS[int(text) % 7].upper() if text.isdigit() else text.upper()

    items = []
    for item in field.split(","):
        span, _, step = item.partition("/")
        span = "-".join(day(v) for v in span.split("-")) if span != "*" else "*"
        items.append(span + (f"/{step}" if step else ""))
    return ",".join(items)


def group_name(ctx: Context) -> str:
    return limited(f"cloudorch-{ctx.app.name}", 64)


def scheduler_role_name(ctx: Context) -> str:
    return limited(f"{ctx.app.name}-scheduler" + (f"-{ctx.region}" if ctx.region else ""), 64)


def job_as_service(job: Job) -> Service:
    """The job's container as a service without ports, for the shared task-size rules."""
    return Service.model_construct(image=job.image, resources=job.resources, sidecars=[], ports=[])


def network(ctx: Context) -> dict[str, Any]:
    return {"awsvpcConfiguration": {"subnets": list(ctx.subnets), "securityGroups": security_groups(ctx),
                                    "assignPublicIp": assign_public_ip(ctx, None)}}


def job_task_definition(ctx: Context, name: str, job: Job) -> dict[str, Any]:
    size = task_size(job_as_service(job), ctx.settings.launch_type)
    if size is None:
        raise ValueError(f"jobs.{name}: no task size fits; run the checks before rendering")
    container = _common(ctx, name, job, name, job.volumes)
    container["essential"] = True
    doc: dict[str, Any] = {"family": ctx.family(name), "networkMode": "awsvpc",
                           "requiresCompatibilities": [ctx.settings.launch_type], "cpu": str(size.cpu),
                           "memory": str(size.memory), "executionRoleArn": ctx.execution_role}
    if ctx.task_role:
        doc["taskRoleArn"] = ctx.task_role
    doc["containerDefinitions"] = [container]
    doc["volumes"] = [{"name": v.name} for v in job.volumes]
    doc["tags"] = ctx.ecs_tags()
    return doc


def schedule(ctx: Context, name: str, job: Job) -> dict[str, Any]:
    return {"Name": name, "GroupName": group_name(ctx), "ScheduleExpression": aws_cron(job.schedule),
            "ScheduleExpressionTimezone": "UTC", "FlexibleTimeWindow": {"Mode": "OFF"}, "State": "ENABLED",
            "Description": f"cloudorch job {name} of app {ctx.app.name}",
            "Target": {"Arn": ctx.arn("ecs", f"cluster/{ctx.cluster}"),
                       "RoleArn": ctx.role(scheduler_role_name(ctx)),
                       "RetryPolicy": {"MaximumRetryAttempts": job.retries, "MaximumEventAgeInSeconds": 3600},
                       "EcsParameters": {"TaskDefinitionArn": ctx.arn("ecs", f"task-definition/{ctx.family(name)}"),
                                         "TaskCount": 1, "LaunchType": ctx.settings.launch_type,
                                         "NetworkConfiguration": _scheduler_network(ctx),
                                         "Group": f"job:{name}", "Tags": [ctx.tags()],
                                         "EnableECSManagedTags": True}}}


def _scheduler_network(ctx: Context) -> dict[str, Any]:
    """The services' network in the Scheduler's spelling. Offline (no subnets in the settings) the
    default VPC's subnets are not known yet: ``${DefaultSubnets}`` stands for them, as ``${Kind:name}``
    references stand for ids that exist only once deployed; deploy renders the real ones."""
    vpc = network(ctx)["awsvpcConfiguration"]
    return {"awsvpcConfiguration": {"Subnets": vpc["subnets"] or ["${DefaultSubnets}"],
                                    "SecurityGroups": vpc["securityGroups"],
                                    "AssignPublicIp": vpc["assignPublicIp"]}}


def scheduler_role(ctx: Context, scheduled: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The role's CreateRole input and its inline policy's PutRolePolicy input."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "scheduler.amazonaws.com"}}]}
    roles = [ctx.execution_role] + ([ctx.task_role] if ctx.task_role else [])
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": [ctx.arn("ecs", f"task-definition/{ctx.family(n)}:*") for n in scheduled]},
        {"Effect": "Allow", "Action": "ecs:TagResource", "Resource": ctx.arn("ecs", "task/*")},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": roles}]}
    return {"RoleName": scheduler_role_name(ctx), "AssumeRolePolicyDocument": json.dumps(trust, sort_keys=True),
            "Description": f"EventBridge Scheduler runs the scheduled jobs of {ctx.app.name}",
            "Tags": ctx.key_value_tags()}, {"RoleName": scheduler_role_name(ctx), "PolicyName": POLICY_NAME,
                                            "PolicyDocument": json.dumps(policy, sort_keys=True)}


def documents(ctx: Context, scheduled_ok: bool = True) -> list[Document]:
    docs: list[Document] = []
    scheduled = [n for n, j in ctx.app.jobs.items() if j.schedule and scheduled_ok]
    if scheduled:
        role, policy = scheduler_role(ctx, scheduled)
        docs.append(Document("SchedulerRole", scheduler_role_name(ctx), role))
        docs.append(Document("SchedulerRolePolicy", scheduler_role_name(ctx), policy))
        docs.append(Document("ScheduleGroup", group_name(ctx), {"Name": group_name(ctx),
                                                                  "Tags": ctx.key_value_tags()}))
    for name, job in ctx.app.jobs.items():
        group = ctx.log_group(name)
        docs += [Document("LogGroup", group, {"logGroupName": group, "tags": ctx.tags()}, name),
                 Document("LogRetention", group,
                          {"logGroupName": group, "retentionInDays": ctx.settings.log_retention_days}, name),
                 Document("TaskDefinition", ctx.family(name), job_task_definition(ctx, name, job), name)]
        if name in scheduled:
            docs.append(Document("Schedule", name, schedule(ctx, name, job), name))
    return docs

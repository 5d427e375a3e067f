"""Planning the jobs' AWS resources (:mod:`cloudorch_providers.aws.convert_jobs`), mixed into the Planner.

Log groups and task definitions of jobs go through the Planner's own rules (same kinds as a service's).
Here: the scheduler role (IAM, tagged with the markers; its inline policy ``run-jobs``), the schedule
group (tagged; schedules take no tags, so a schedule is the app's when it is in the app's group), and
one schedule per scheduled job, compared field by field with ``GetSchedule`` (UpdateSchedule replaces
the whole schedule). What the spec no longer has is deleted: schedules first, then the group and the
role when no job is scheduled any more; a job removed from the spec loses its task definition
revisions and log group. Nothing found without the app's markers is touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudorch.diff import differences, top_fields
from cloudorch.provider import Action, Document
from cloudorch_providers.aws.convert_jobs import POLICY_NAME, group_name, scheduler_role_name
from cloudorch_providers.aws.live.apply import call
from cloudorch_providers.aws.live.state import MARKERS, read_revisions, read_task_definition

SCHEDULE_KEYS = ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "State", "Target",
                 "Description")


@dataclass
class JobsLive:
    role: dict[str, Any] | None = None
    role_tags: dict[str, str] = field(default_factory=dict)
    role_policy: dict[str, Any] | None = None
    group: dict[str, Any] | None = None
    group_tags: dict[str, str] = field(default_factory=dict)
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> GetSchedule reply
    #: jobs this app had (log groups of names that are neither services nor jobs of the spec now)
    gone: list[str] = field(default_factory=list)


def _missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException")


def read_jobs(aws, ctx, live, destroying: bool = False) -> JobsLive:
    """The jobs' live state; fills ``live.task_definitions`` / ``live.revisions`` for the job families."""
    import botocore.exceptions

    from cloudorch_providers.aws.live.clients import aws_errors

    jobs = JobsLive()
    prefix = f"/cloudorch/{ctx.app.name}/"
    known = set(ctx.app.services) | set(ctx.app.jobs) | {n[len(ctx.app.name) + 1:] for n in live.services}
    jobs.gone = sorted({g[len(prefix):] for g in live.log_groups if g.startswith(prefix)} - known)
    for name in list(ctx.app.jobs) + jobs.gone:
        definition = read_task_definition(aws, ctx.family(name))
        if definition is not None:
            live.task_definitions[ctx.family(name)] = definition
            if destroying or name in jobs.gone:
                live.revisions[ctx.family(name)] = read_revisions(aws, ctx, ctx.family(name))
    scheduler, iam = aws("scheduler"), aws("iam")
    with aws_errors(f"reading schedule group {group_name(ctx)}"):
        try:
            jobs.group = scheduler.get_schedule_group(Name=group_name(ctx))
        except botocore.exceptions.ClientError as exc:
            if not _missing(exc):
                raise
        if jobs.group is not None:
            reply = scheduler.list_tags_for_resource(ResourceArn=jobs.group["Arn"])
            jobs.group_tags = {t["Key"]: t["Value"] for t in reply.get("Tags", [])}
            for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group_name(ctx)):
                for item in page.get("Schedules", []):
                    jobs.schedules[item["Name"]] = scheduler.get_schedule(Name=item["Name"],
                                                                          GroupName=group_name(ctx))
    role = scheduler_role_name(ctx)
    with aws_errors(f"reading IAM role {role}"):
        try:
            jobs.role = iam.get_role(RoleName=role)["Role"]
        except botocore.exceptions.ClientError as exc:
            if not _missing(exc):
                raise
        if jobs.role is not None:
            jobs.role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role).get("Tags", [])}
            try:
                jobs.role_policy = iam.get_role_policy(RoleName=role, PolicyName=POLICY_NAME)["PolicyDocument"]
            except botocore.exceptions.ClientError as exc:
                if not _missing(exc):
                    raise
    return jobs


def _document(value: Any) -> Any:
    if isinstance(value, str):
        from urllib.parse import unquote

        return json.loads(unquote(value))
    return value


def stop_runs(aws, refs, deadline, *, cluster: str, families: list[str]) -> None:
    """Stop every running task of ``families`` and wait until ECS reports them STOPPED (a cluster with
    active tasks cannot be deleted). Listed at apply time, so a run a schedule started since the plan
    is stopped too."""
    import time

    ecs = aws("ecs")
    arns = []
    for family in families:
        for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, family=family, desiredStatus="RUNNING"):
            arns += page.get("taskArns", [])
    for arn in arns:
        ecs.stop_task(cluster=cluster, task=arn, reason="the app is being destroyed (cloudorch destroy)")
    while arns:
        deadline.check(f"waiting for {len(arns)} job tasks to stop in cluster {cluster}")
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:100])["tasks"]
        arns = [t["taskArn"] for t in tasks if t.get("lastStatus") != "STOPPED"]
        if arns:
            time.sleep(1)


class JobPlanning:
    """Mixed into :class:`cloudorch_providers.aws.live.plan.Planner` (``self.ctx``, ``self.app``,
    ``self.add``, ``self.refs``, ``self.live`` with ``live.jobs``)."""

    def _jobs_live(self) -> JobsLive:
        return getattr(self.live, "jobs", None) or JobsLive()

    def _schedulerrole(self, doc: Document, _) -> None:
        jobs, body, role = self._jobs_live(), doc.body, doc.name
        if jobs.role is None:
            self.add(Action.CREATE, doc, "SchedulerRole", role, None, [call("iam", "create_role", body)])
            return
        if not MARKERS.owns(jobs.role_tags, self.app):
            raise MARKERS.not_ours("IAM role", role, jobs.role_tags, self.app)
        if _document(jobs.role.get("AssumeRolePolicyDocument")) != json.loads(body["AssumeRolePolicyDocument"]):
            trust = {"RoleName": role, "PolicyDocument": body["AssumeRolePolicyDocument"]}
            self.add(Action.UPDATE, doc, "SchedulerRole", role, None,
                     [call("iam", "update_assume_role_policy", trust)], ["AssumeRolePolicyDocument"])
        else:
            self.add(Action.NOOP, doc, "SchedulerRole", role, None)

    def _schedulerrolepolicy(self, doc: Document, _) -> None:
        jobs = self._jobs_live()
        live = jobs.role_policy
        if live is not None and _document(live) == json.loads(doc.body["PolicyDocument"]):
            self.add(Action.NOOP, doc, "SchedulerRolePolicy", doc.name, None)
            return
        self.add(Action.CREATE if live is None else Action.UPDATE, doc, "SchedulerRolePolicy", doc.name, None,
                 [call("iam", "put_role_policy", doc.body)], [] if live is None else ["PolicyDocument"])

    def _schedulegroup(self, doc: Document, _) -> None:
        jobs = self._jobs_live()
        if jobs.group is None:
            self.add(Action.CREATE, doc, "ScheduleGroup", doc.name, None,
                     [call("scheduler", "create_schedule_group", doc.body)])
            return
        if not MARKERS.owns(jobs.group_tags, self.app):
            raise MARKERS.not_ours("schedule group", doc.name, jobs.group_tags, self.app)
        self.add(Action.NOOP, doc, "ScheduleGroup", doc.name, None)

    def _schedule(self, doc: Document, _) -> None:
        body = self.refs.resolve(doc.body)
        live = self._jobs_live().schedules.get(doc.name)
        if live is None:
            self.add(Action.CREATE, doc, "Schedule", doc.name, doc.service,
                     [call("scheduler", "create_schedule", body)])
            return
        fields = top_fields(differences({k: body.get(k) for k in SCHEDULE_KEYS}, live))
        if fields:
            self.add(Action.UPDATE, doc, "Schedule", doc.name, doc.service,
                     [call("scheduler", "update_schedule", body)], fields)
        else:
            self.add(Action.NOOP, doc, "Schedule", doc.name, doc.service)

    # -- what the spec no longer has ----------------------------------------------------------------
    def job_orphans(self, destroying: bool = False) -> None:
        jobs, ctx = self._jobs_live(), self.ctx
        wanted = set() if destroying else {n for n, j in ctx.app.jobs.items() if j.schedule}
        ours = jobs.group is not None and MARKERS.owns(jobs.group_tags, self.app)
        if ours:
            for name in sorted(set(jobs.schedules) - wanted):
                self.add(Action.DELETE, None, "Schedule", name, name,
                         [call("scheduler", "delete_schedule", {"Name": name, "GroupName": group_name(ctx)})],
                         reason="" if destroying else "no schedule for it in the spec")
            if not wanted:
                self.add(Action.DELETE, None, "ScheduleGroup", group_name(ctx), None,
                         [call("scheduler", "delete_schedule_group", {"Name": group_name(ctx)})])
        if not wanted and jobs.role is not None and MARKERS.owns(jobs.role_tags, self.app):
            role = scheduler_role_name(ctx)
            steps = ([call("iam", "delete_role_policy", {"RoleName": role, "PolicyName": POLICY_NAME})]
                     if jobs.role_policy is not None else [])
            self.add(Action.DELETE, None, "SchedulerRole", role, None,
                     steps + [call("iam", "delete_role", {"RoleName": role})])
        leaving = list(ctx.app.jobs) + jobs.gone if destroying else jobs.gone
        if destroying and self.live.cluster is not None and leaving:
            from cloudorch.live.plan import Step

            families = [ctx.family(n) for n in leaving]
            self.add(Action.DELETE, None, "JobRuns", ctx.cluster, None,
                     [Step(stop_runs, (), {"cluster": ctx.cluster, "families": families}, on=f"cluster {ctx.cluster}")],
                     reason="running job tasks are stopped")
        for name in leaving:
            revisions = self.live.revisions.get(ctx.family(name), [])
            if revisions:
                self.add(Action.DELETE, None, "TaskDefinition", ctx.family(name), name,
                         [call("ecs", "deregister_revisions", {"revisions": revisions})])
            group = ctx.log_group(name)
            if group in self.live.log_groups and MARKERS.owns(self.live.log_groups[group].get("tags", {}), self.app):
                self.add(Action.DELETE, None, "LogGroup", group, name,
                         [call("logs", "delete_log_group", {"logGroupName": group})])

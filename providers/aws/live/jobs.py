"""Job runs on ECS, mixed into the provider as :class:`AWSJobOperations`.

- ``start_run``: ``RunTask`` of the job's family (its latest ACTIVE revision) in the app's cluster,
  with the services' network configuration, ``startedBy: cloudorch-run``, ``group: job:{job}`` and the
  ownership tags; a service's one-off command runs the service's family with a ``containerOverrides``
  ``command`` for its main container (ECS overrides the image's CMD, not its ENTRYPOINT: a service
  whose spec sets ``command`` keeps it as the entry point, and the one-off command becomes its
  arguments). The run id is the task ARN.
- ``run_state``: ``DescribeTasks``: STOPPED with the main container's ``exitCode`` (none when the task
  never started: ``stoppedReason`` says why, e.g. ``CannotPullContainerError``).
- ``run_logs``: the CloudWatch stream ``{job}/{container}/{task id}`` of the run.
- ``stop_run``: ``StopTask`` with the reason (ECS has no task timeout of its own: ``run --wait``
  enforces the job's ``timeout`` this way; scheduled runs are not bounded).
- ``job_statuses``: per job, the newest task of its family (``ListTasks`` RUNNING and STOPPED; ECS
  keeps stopped tasks for about an hour), scheduled when EventBridge Scheduler started it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import JobRun, JobStatus, LogLine, RunState


def _when(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(float(value), dt.UTC)


def run_of(task: dict[str, Any], job: str) -> JobRun:
    from cloudorch_providers.aws.convert_jobs import RUN_STARTED_BY

    main = next((c for c in task.get("containers", []) if c.get("name") == job), None) \
        or (task.get("containers") or [{}])[0]
    run = JobRun(task["taskArn"], job, RunState.PENDING, started=_when(task.get("startedAt")),
                 trigger="manual" if task.get("startedBy") == RUN_STARTED_BY else "scheduled")
    status = task.get("lastStatus")
    if status == "STOPPED":
        run.finished = _when(task.get("stoppedAt"))
        code = main.get("exitCode")
        run.exit_code = code
        run.state = RunState.SUCCEEDED if code == 0 else RunState.FAILED
        if code != 0:
            run.reason = task.get("stoppedReason") or main.get("reason") or ""
            if task.get("stopCode") == "UserInitiated":
                run.exit_code = None  # stopped by StopTask: the container's code says nothing about the job
    elif status == "RUNNING":
        run.state = RunState.RUNNING
    return run


class AWSJobOperations:
    """Needs what :class:`~cloudorch_providers.aws.live.operations.AWSLiveOperations` has."""

    def start_run(self, name: str, command: Sequence[str] | None = None, *, deadline: Deadline) -> str:
        from cloudorch_providers.aws.convert_jobs import RUN_STARTED_BY, network
        from cloudorch_providers.aws.live.clients import aws_errors
        from cloudorch_providers.aws.live.edge_state import read_edge

        aws = self._aws(deadline)
        ctx = self.live_context(aws)
        read_edge(aws, ctx, self.refs)  # the tasks security group's id
        kwargs: dict[str, Any] = {
            "cluster": ctx.cluster, "taskDefinition": ctx.family(name), "count": 1,
            "launchType": ctx.settings.launch_type, "networkConfiguration": self.refs.resolve(network(ctx),
                                                                                              strict=True),
            "startedBy": RUN_STARTED_BY, "group": f"job:{name}" if name in self.app.jobs else f"admin:{name}",
            "tags": ctx.ecs_tags() + [{"key": "cloudorch-job", "value": name}],
            "enableECSManagedTags": True, "propagateTags": "TASK_DEFINITION"}
        if command:
            kwargs["overrides"] = {"containerOverrides": [{"name": name, "command": list(command)}]}
        with aws_errors(f"running task {ctx.family(name)} in cluster {ctx.cluster}"):
            reply = aws("ecs").run_task(**kwargs)
        if reply.get("failures") or not reply.get("tasks"):
            failure = (reply.get("failures") or [{}])[0]
            raise ProviderError(f"RunTask of {ctx.family(name)} failed: {failure.get('reason', 'no task started')}"
                                f"{' (' + failure['detail'] + ')' if failure.get('detail') else ''}; run "
                                f"`cloudorch deploy {self.spec.file_options} -p aws` first if the job is new")
        return reply["tasks"][0]["taskArn"]

    def _describe(self, aws, arn: str) -> dict[str, Any]:
        from cloudorch_providers.aws.live.clients import aws_errors

        ctx = self.context(region=aws.region)
        with aws_errors(f"reading task {arn}"):
            reply = aws("ecs").describe_tasks(cluster=ctx.cluster, tasks=[arn], include=["TAGS"])
        if not reply.get("tasks"):
            raise ProviderError(f"no task {arn} in cluster {ctx.cluster} (ECS forgets stopped tasks after "
                                "about an hour)")
        return reply["tasks"][0]

    @staticmethod
    def _job_of(task: dict[str, Any]) -> str:
        group = task.get("group") or ""
        return group.split(":", 1)[1] if ":" in group else group

    def run_state(self, run_id: str, *, deadline: Deadline) -> JobRun:
        aws = self._aws(deadline)
        task = self._describe(aws, run_id)
        return run_of(task, self._job_of(task))

    def run_logs(self, run_id: str, since: dt.datetime | None = None, *, deadline: Deadline) -> list[LogLine]:
        import botocore.exceptions

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        task = self._describe(aws, run_id)
        name, task_id = self._job_of(task), run_id.rsplit("/", 1)[-1]
        kwargs: dict[str, Any] = {"logGroupName": ctx.log_group(name),
                                  "logStreamName": f"{name}/{name}/{task_id}", "startFromHead": True}
        if since is not None:
            kwargs["startTime"] = int(since.timestamp() * 1000) + 1
        try:
            events = aws("logs").get_log_events(**kwargs).get("events", [])
        except botocore.exceptions.ClientError:
            return []  # no stream until the container writes
        return [LogLine(dt.datetime.fromtimestamp(e["timestamp"] / 1000, dt.UTC), name, task_id[:8], name,
                        e.get("message", "").rstrip("\n")) for e in events]

    def stop_run(self, run_id: str, reason: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.clients import aws_errors

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        with aws_errors(f"stopping task {run_id}"):
            aws("ecs").stop_task(cluster=ctx.cluster, task=run_id, reason=reason[:1024])

    def job_statuses(self, *, deadline: Deadline) -> list[JobStatus]:
        import botocore.exceptions

        from cloudorch_providers.aws.live.clients import aws_errors

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        ecs, found = aws("ecs"), []
        for name, job in self.app.jobs.items():
            family = ctx.family(name)
            with aws_errors(f"reading the runs of {family}"):
                try:
                    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
                except botocore.exceptions.ClientError:
                    definition = None
                arns: list[str] = []
                if definition is not None:
                    for desired in ("RUNNING", "STOPPED"):
                        try:
                            arns += ecs.list_tasks(cluster=ctx.cluster, family=family,
                                                   desiredStatus=desired).get("taskArns", [])
                        except botocore.exceptions.ClientError:
                            break  # no cluster
                tasks = ecs.describe_tasks(cluster=ctx.cluster, tasks=arns[:100])["tasks"] if arns else []
            last = max(tasks, key=lambda t: str(t.get("createdAt")), default=None)
            deployed = definition is not None and definition.get("status") == "ACTIVE"
            found.append(JobStatus(name, job.schedule, deployed, run_of(last, name) if last else None,
                                   "" if deployed else "not deployed"))
        return found

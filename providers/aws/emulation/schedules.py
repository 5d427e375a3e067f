"""EventBridge Scheduler firing in the emulator: moto stores schedules but never invokes them.

Each ENABLED schedule with a ``cron(...)`` expression and an ECS target (``Target.EcsParameters``)
runs its task definition in the target cluster at each schedule time after the schedule was created
(or last fired): one ``RunTask`` with the target's network configuration, group, tags and ``TaskCount``,
started by ``scheduler`` and adopted as a :class:`~.job_tasks.JobTask`. Only the most recent missed
time runs. Times are read on the emulator's clock, which ``POST /_cloudorch/clock`` moves forward.
``rate()`` and ``at()`` expressions are not fired (cloudorch renders ``cron()`` only).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

log = logging.getLogger(__name__)

STARTED_BY = "scheduler"
_CRON = re.compile(r"^cron\((.+)\)$")


def five_fields(expression: str) -> str | None:
    """``cron(m h dom mon dow year)`` as a 5-field cron (``?`` read as ``*``; the year dropped)."""
    match = _CRON.match(expression or "")
    if not match:
        return None
    parts = match.group(1).split()
    if len(parts) != 6:
        return None
    return " ".join("*" if p == "?" else p for p in parts[:5])


class ScheduleRunner:
    def __init__(self) -> None:
        self.fired: dict[str, float] = {}  # schedule ARN -> the schedule time it last fired for

    def forget(self) -> None:
        self.fired.clear()

    def tick(self, clock: float, start_delay: float, real_now: float) -> None:
        from cronsim import CronSim, CronSimError
        from moto.scheduler.models import scheduler_backends

        for _account, _region, backend in scheduler_backends.iter_backends():
            for group in list(backend.schedule_groups.values()):
                for schedule in list(group.schedules.values()):
                    fields = five_fields(schedule.schedule_expression)
                    ecs = (schedule.target or {}).get("EcsParameters")
                    if schedule.state != "ENABLED" or fields is None or not ecs:
                        continue
                    since = self.fired.get(schedule.arn, float(schedule.last_modified_date))
                    try:
                        times = CronSim(fields, dt.datetime.fromtimestamp(since, dt.UTC))
                    except CronSimError:
                        continue
                    due = None
                    for _, when in zip(range(100), times, strict=False):
                        if when.timestamp() > clock:
                            break
                        due = when.timestamp()
                    if due is not None:
                        self.fired[schedule.arn] = due
                        self._run(schedule, ecs, real_now, start_delay)

    @staticmethod
    def _run(schedule, ecs: dict, now: float, start_delay: float) -> None:
        from moto.ecs.models import ecs_backends

        from cloudorch_providers.aws.emulation.job_tasks import JobTask

        arn = schedule.target["Arn"]
        account, region = arn.split(":")[4], arn.split(":")[3]
        backend = ecs_backends[account][region]
        vpc = (ecs.get("NetworkConfiguration") or {}).get("awsvpcConfiguration") or {}
        network = {"awsvpcConfiguration": {"subnets": vpc.get("Subnets", []),
                                           "securityGroups": vpc.get("SecurityGroups", []),
                                           "assignPublicIp": vpc.get("AssignPublicIp", "DISABLED")}}
        tags = [{"key": k, "value": v} for entry in ecs.get("Tags") or [] for k, v in entry.items()]
        try:
            tasks = backend.run_task(arn.rsplit("/", 1)[-1], ecs["TaskDefinitionArn"], ecs.get("TaskCount", 1), None,
                                     STARTED_BY, tags, ecs.get("LaunchType"), network, ecs.get("Group"))
        except Exception as exc:  # noqa: BLE001 - a failed invocation; the real one would retry per RetryPolicy
            log.info("schedule %s could not run its task: %s", schedule.name, exc)
            return
        for task in tasks:
            table = backend.tasks[task.cluster_name]
            table[task.task_arn] = JobTask.adopt(backend, task, {}, now, start_delay)

"""How each job field maps onto ECS (``validate -p aws``, ``jobs.<name>.<key>``): a task definition per
job run by RunTask, schedules by EventBridge Scheduler (:mod:`cloudorch_providers.aws.convert_jobs`)."""

from __future__ import annotations

from cloudorch.provider import Fit
from cloudorch_providers.aws.convert_jobs import aws_cron

Verdict = tuple[Fit, str]


def job_fit(name: str, job, key: str) -> Verdict:
    if key == "image":
        return Fit.EXACT, f"task definition family <app>-{name}; `cloudorch run {name}` calls ecs RunTask"
    if key == "command":
        return Fit.EXACT, "entryPoint (replaces the image ENTRYPOINT)"
    if key == "args":
        return Fit.EXACT, "command (replaces the image CMD)"
    if key == "env":
        return Fit.EXACT, "container environment"
    if key == "secrets":
        return Fit.EXACT, "container secrets (valueFrom), read by the execution role at task start"
    if key == "resources":
        return Fit.EXACT, "task cpu/memory (the smallest Fargate size that fits) and memoryReservation"
    if key == "volumes":
        return Fit.EXACT, "task volumes (scratch, as long as the task)"
    if key == "schedule":
        return Fit.EXACT, (f"EventBridge Scheduler schedule {aws_cron(job.schedule)} (UTC) in the app's schedule "
                           "group, ECS RunTask target through the app's scheduler role")
    if key == "timeout":
        return Fit.LOSSY, ("ECS has no task timeout: `cloudorch run --wait` stops the task (StopTask) when it "
                           "passes; scheduled runs are not bounded")
    if key == "retries":
        return Fit.LOSSY, ("`cloudorch run --wait` starts a failed run again, up to retries times; for scheduled "
                           "runs the schedule's RetryPolicy retries only a failed RunTask call (throttled, "
                           "no capacity), not a task that exited non-zero")
    return Fit.UNSUPPORTED, f"cloudorch's AWS provider does not know the job field {key!r}"

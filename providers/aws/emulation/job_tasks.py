"""Standalone ECS tasks (``RunTask``: jobs, one-off commands, EventBridge Scheduler targets) run to
completion in the emulator.

moto creates a RunTask task RUNNING at once and never ends it. Each task a successful RunTask returns
is adopted as a :class:`JobTask` (the same ARN, moto still serves Describe/List/StopTask): PENDING for
``start_delay``, then RUNNING for as long as its command says, then STOPPED with ``stopCode``
``EssentialContainerExited`` and the main container's ``exitCode``, by the stand-ins of
:mod:`cloudorch.sandbox.standins` (``exit N``, ``sleep N``, ``echo TEXT`` in the command; images
containing ``notfound`` fail with ``TaskFailedToStart`` / ``CannotPullContainerError``, ``crashloop``
exits 1). The ``echo`` lines, a start line and an exit line go to the container's awslogs stream.
``StopTask`` stops it with ``stopCode`` ``UserInitiated`` and exit code 143 (SIGTERM), as ECS does.
A missing secret or log group fails it like a service task (:mod:`.secrets`, :mod:`.logs`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from cloudorch.sandbox.standins import behaviour
from cloudorch_providers.aws.emulation.tasks import ContainerState, ServiceTask, utc


class JobTask(ServiceTask):
    """A RunTask task, adopted from moto's own ``Task`` object."""

    @classmethod
    def adopt(cls, backend, task, overrides: dict[str, Any], now: float, start_delay: float) -> JobTask:
        job = object.__new__(cls)
        job.__dict__.update(task.__dict__)
        definition = backend.describe_task_definition(task.task_definition_arn)
        job.service_arn = None
        job.deployment_id = None
        job.last_status = "PENDING"
        job.desired_status = "RUNNING"
        job.stopped_reason = None
        job.stop_code = None
        job.health_status = "UNKNOWN"
        job.cpu, job.memory = definition.cpu, definition.memory
        job.platform_family = "Linux" if task.launch_type == "FARGATE" else None
        job.enable_execute_command = False
        job.version = 1
        job.created_at = utc(now)
        job.pull_started_at = job.pull_stopped_at = job.started_at = None
        job.connectivity = job.connectivity_at = job.stopping_at = job.stopped_at = None
        job.execution_stopped_at = None
        job.availability_zone = None
        job.start_at = now + start_delay
        job.containers = [ContainerState(job.task_arn, d, job.attachments) for d in definition.container_definitions]
        job.container_ports = []
        job.execution_role = getattr(definition, "execution_role_arn", None)
        job.secret_refs = [s["valueFrom"] for d in definition.container_definitions
                           for s in d.get("secrets") or [] if s.get("valueFrom")]
        by_name = {o.get("name"): o for o in (overrides or {}).get("containerOverrides") or []}
        job.argv = {}
        for d in definition.container_definitions:
            command = (by_name.get(d["name"]) or {}).get("command") or d.get("command") or []
            job.argv[d["name"]] = list(d.get("entryPoint") or []) + list(command)
        for c in job.containers:
            c.next_log_at = math.inf  # no service heartbeat lines: a job writes only its own output
        job.ends_at = None
        return job

    def main(self) -> ContainerState:
        return next((c for c in self.containers if c.essential), self.containers[0])

    def step(self, account_id: str, region: str, now: float, start_delay: float) -> None:
        from cloudorch_providers.aws.emulation.logs import log_group_problem, write_lines
        from cloudorch_providers.aws.emulation.secrets import secret_problem

        main = self.main()
        how = behaviour(main.image, self.argv.get(main.name, []), start_delay)
        if self.last_status == "STOPPED":
            return
        if self.desired_status == "STOPPED":  # StopTask
            write_lines(account_id, region, self, main, now, [f"{main.name}: stopped (SIGTERM)"])
            self.stop(now, reason=self.stopped_reason or "Task stopped by user", code="UserInitiated",
                      exit_code=143 if self.last_status == "RUNNING" else None, failed=main.name)
            return
        if self.last_status == "PENDING" and now >= self.start_at:
            problem = secret_problem(account_id, region, self.execution_role, self.secret_refs, self.task_id) \
                or log_group_problem(account_id, region, main)
            if not how.pulls:
                self.stop(now, reason=f"CannotPullContainerError: pull image manifest has been retried 5 "
                          f"time(s): {main.image}: not found", code="TaskFailedToStart", exit_code=None)
                return
            if problem:
                self.stop(now, reason=problem, code="TaskFailedToStart", exit_code=None)
                return
            self.run(now)
            for c in self.containers:
                c.next_log_at = math.inf
            self.ends_at = now + how.seconds
            write_lines(account_id, region, self, main, now,
                        [f"{main.name}: started (image {main.image})", *how.echoes])
        if self.last_status == "RUNNING" and self.ends_at is not None and now >= self.ends_at:
            write_lines(account_id, region, self, main, now, [f"{main.name}: exiting with status {how.exit_code}"])
            self.stop(now, reason="Essential container in task exited", code="EssentialContainerExited",
                      exit_code=how.exit_code, container_reason=None, failed=main.name)


def adopt_run(backend, body: dict[str, Any], payload: bytes, now: float, start_delay: float) -> bytes:
    """Replace the tasks a RunTask reply names with JobTasks; the reply says they are PENDING, as ECS's."""
    reply = json.loads(payload)
    for item in reply.get("tasks", []):
        arn = item["taskArn"]
        for table in backend.tasks.values():
            if arn in table:
                table[arn] = JobTask.adopt(backend, table[arn], body.get("overrides") or {}, now, start_delay)
                item["lastStatus"] = "PENDING"
                for container in item.get("containers") or []:
                    container["lastStatus"] = "PENDING"
    return json.dumps(reply).encode()


def step_all(backend, now: float, start_delay: float) -> None:
    for table in list(backend.tasks.values()):
        for task in list(table.values()):
            if isinstance(task, JobTask):
                task.step(backend.account_id, backend.region_name, now, start_delay)

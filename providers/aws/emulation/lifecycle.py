"""A simulated ECS service scheduler over moto's in-process ECS backends.

moto stores services but never starts their tasks (runningCount stays 0), and its UpdateService
leaves ``deployments`` on the old task definition. :class:`EcsLifecycle` walks every ECS backend
(account x region x service) on each :meth:`~EcsLifecycle.reconcile` and makes services behave
like ECS's rolling-update scheduler (minimumHealthyPercent 100, maximumPercent 200):

- Deployments: a service starts with one PRIMARY deployment on its task definition. A new task
  definition (or ``forceNewDeployment``) makes a new PRIMARY deployment (``rolloutState``
  IN_PROGRESS); the previous one becomes ACTIVE and keeps its tasks until the new tasks run, then is
  removed and the primary turns COMPLETED. A desiredCount change alone changes the primary's
  ``desiredCount`` without a new deployment, as on ECS. The service's ``taskDefinition`` is always
  the full ARN (moto keeps whatever string UpdateService got).
- Tasks: missing tasks are launched as PENDING (``group`` ``service:NAME``, ``startedBy`` the
  deployment id) and start ``start_delay`` seconds later: RUNNING, or STOPPED when an image or a log
  group says so (see ``cloudorch_providers.aws.emulation.tasks``). Surplus tasks (scale-down, drained old
  deployments) are stopped with ECS's "Scaling activity initiated by (deployment ...)" reason.
  ``runningCount``/``pendingCount`` of the service and of each deployment are counted from tasks,
  and a stopped task is replaced, so a crashing image cycles every ``start_delay`` seconds and
  ``failedTasks`` grows. The newest ``keep_stopped`` stopped tasks per service stay listable.
- Circuit breaker: when CreateService/UpdateService asked for ``deploymentCircuitBreaker``, a
  primary deployment with ``failedTasks`` >= clamp(ceil(desired / 2), 3, 200) turns FAILED and,
  with ``rollback``, the service rolls back to the last COMPLETED task definition.
- Events (newest first, at most 100): "has started N tasks: (task ID) ...", "is unable to
  consistently start tasks successfully ...", "(deployment ID) deployment completed.",
  "has reached a steady state.", "deployment failed: tasks failed to start.".
- Logs: see ``cloudorch_providers.aws.emulation.logs``.
- Secrets: a task whose secrets the execution role cannot read fails to start
  (``cloudorch_providers.aws.emulation.secrets``).
- Load balancers: running tasks are the targets of the service's target groups, with health from
  the health check; tasks failing it past the grace period are replaced
  (``cloudorch_providers.aws.emulation.targets``).
- Cluster counters (``activeServicesCount``, ``runningTasksCount``, ``pendingTasksCount``) are
  counted from the services and tasks.

Task health: a running container with a ``healthCheck`` is HEALTHY; one without is UNKNOWN, and a
task is HEALTHY only when at least one essential container has a health check, UNKNOWN otherwise
(as on ECS, whose task health follows the essential containers' health checks).

The caller holds the emulator's lock around every call, and so around moto's request handling.
"""

from __future__ import annotations

import uuid

from cloudorch_providers.aws.emulation.deployments import (
    MAX_EVENTS,
    UNSTABLE,
    Deployment,
    ServiceRecord,
    breaker_threshold,
    count_clusters,
    new_deployment,
    new_deployment_id,
    service_cluster,
    task_definition_arn,
)
from cloudorch_providers.aws.emulation.job_tasks import step_all
from cloudorch_providers.aws.emulation.logs import emit_logs, log_group_problem, write_lines
from cloudorch_providers.aws.emulation.secrets import secret_problem
from cloudorch_providers.aws.emulation.targets import ELB_FAILURE, sync_targets, unregister_all
from cloudorch_providers.aws.emulation.tasks import CRASHLOOP, NOTFOUND, ServiceTask, utc


class EcsLifecycle:
    """See the module docstring. ``clock`` gives wall-clock seconds."""

    def __init__(self, *, start_delay: float, log_interval: float, keep_stopped: int, clock):
        self.start_delay = start_delay
        self.log_interval = log_interval
        self.keep_stopped = keep_stopped
        self.clock = clock
        self._records: dict[str, ServiceRecord] = {}
        from cloudorch_providers.aws.emulation.schedules import ScheduleRunner

        self.schedules = ScheduleRunner()
        #: seconds the schedule clock runs ahead of ``clock`` (``POST /_cloudorch/clock``)
        self.clock_offset = 0.0

    def forget(self) -> None:
        self._records.clear()
        self.schedules.forget()

    # -- walking moto ----------------------------------------------------------------------------
    @staticmethod
    def backends():
        from moto.ecs.models import ecs_backends

        return list(ecs_backends.iter_backends())

    def reconcile(self) -> None:
        now = self.clock()
        seen = set()
        for _account, _region, backend in self.backends():
            for service in list(backend.services.values()):
                cluster = backend.clusters.get(service.cluster_name)
                if cluster is None:
                    continue
                seen.add(service.arn)
                self._service(backend, cluster, service, now)
            step_all(backend, now, self.start_delay)  # RunTask tasks (jobs)
            count_clusters(backend)
        for arn in set(self._records) - seen:
            del self._records[arn]

    def tick(self) -> None:
        now = self.clock()
        self.schedules.tick(now + self.clock_offset, self.start_delay, now)
        self.reconcile()
        emit_logs(self.backends(), self.clock(), self.log_interval)

    # -- one service -------------------------------------------------------------------------------
    def _service(self, backend, cluster, service, now: float) -> None:
        if (service.deployment_controller or {}).get("type", "ECS") != "ECS" or service.scheduling_strategy == "DAEMON":
            return
        tasks = _tasks_of(backend, cluster, service)
        if service.status != "ACTIVE":
            for task in tasks:
                if task.desired_status == "RUNNING":
                    self._stop(backend, task, now, "Service deleted", "ServiceSchedulerInitiated")
            unregister_all(backend.account_id, service.region_name, service)
            service.running_count = service.pending_count = 0
            self._records.pop(service.arn, None)
            return
        record = self._record(backend, service, now)
        td_arn = task_definition_arn(backend, service)
        primary = record.deployments[0]
        exported = service.deployments[0]["id"] if service.deployments else primary.id
        if td_arn != primary.task_definition or exported != primary.id:
            primary = self._deploy(record, service, td_arn, now)
        if primary.desired != service.desired_count:
            primary.desired, primary.updated = service.desired_count, now
            record.steady = False

        for task in tasks:
            if task.desired_status == "STOPPED" and task.stopped_at is None:  # StopTask through the API
                self._stop(backend, task, now, task.stopped_reason or "Task stopped by user", "UserInitiated")
            elif task.last_status == "PENDING" and now >= task.start_at:
                self._start(backend, service, record, task, now)
        live = [t for t in tasks if t.desired_status == "RUNNING"]
        self._scale_primary(backend, cluster, service, record, primary, live, now)
        self._drain_old(backend, record, primary, live, now)
        tasks = _tasks_of(backend, cluster, service)  # with the ones just launched
        self._count(service, record, tasks)
        self._load_balancing(backend, service, record, tasks, now)
        self._settle(service, record, primary, now)
        self._prune(backend, cluster, tasks)
        service.deployments = [d.as_dict() for d in record.deployments]

    def _record(self, backend, service, now: float) -> ServiceRecord:
        record = self._records.get(service.arn)
        if record is not None and record.service is service:
            return record
        record = ServiceRecord(service)
        moto_id = service.deployments[0]["id"] if service.deployments else new_deployment_id()
        td_arn = task_definition_arn(backend, service)
        record.deployments.append(new_deployment(service, td_arn, now, moto_id))
        if getattr(service, "created_at", None) is None:
            service.created_at = utc(now)
        self._records[service.arn] = record
        return record

    def _deploy(self, record: ServiceRecord, service, td_arn: str, now: float) -> Deployment:
        for old in record.deployments:
            old.status, old.updated = "ACTIVE", now
        primary = new_deployment(service, td_arn, now)
        record.deployments.insert(0, primary)
        record.steady = False
        return primary

    # -- tasks ----------------------------------------------------------------------------------
    def _launch(self, backend, cluster, service, record: ServiceRecord, deployment: Deployment, count: int,
                now: float) -> None:
        try:
            td = backend.describe_task_definition(deployment.task_definition)
            started = [ServiceTask(backend=backend, cluster=cluster, service=service, task_definition=td,
                                   deployment_id=deployment.id, now=now, start_delay=self.start_delay)
                       for _ in range(count)]
        except Exception as exc:  # noqa: BLE001 - ECS reports launch failures as service events
            message = getattr(exc, "message", None) or str(exc)
            self._event(service, record, f"(service {service.name}) failed to launch a task with "
                        f"(error {message}).", once=True)
            return
        table = backend.tasks.setdefault(cluster.name, {})
        for task in started:
            table[task.task_arn] = task
        ids = " ".join(f"(task {t.task_id})" for t in started)
        self._event(service, record, f"(service {service.name}) has started {len(started)} tasks: {ids}.")

    def _start(self, backend, service, record: ServiceRecord, task: ServiceTask, now: float) -> None:
        deployment = next((d for d in record.deployments if d.id == task.deployment_id), None)
        for c in task.containers:
            if c.failure() == NOTFOUND:
                reason = (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
                          f"resolve ref {c.image}: {c.image}: not found")
                return self._fail(backend, service, record, deployment, task, now, reason, "TaskFailedToStart",
                                  None, reason, c.name)
        problem = secret_problem(backend.account_id, service.region_name, task.execution_role, task.secret_refs,
                                 task.task_id)
        if problem:
            return self._fail(backend, service, record, deployment, task, now, problem, "TaskFailedToStart",
                              None, None, None)
        for c in task.containers:
            problem = log_group_problem(backend.account_id, service.region_name, c)
            if problem:
                return self._fail(backend, service, record, deployment, task, now, problem, "TaskFailedToStart",
                                  None, problem, c.name)
        task.run(now)
        for c in task.containers:
            if c.failure() is None:
                write_lines(backend.account_id, service.region_name, task, c, now, [f"{c.name}: started ({c.image})"])
        for crashing in [c for c in task.containers if c.failure() == CRASHLOOP]:
            lines = [f"{crashing.name}: starting ({crashing.image})", "fatal: crashloop requested, exiting with code 1"]
            write_lines(backend.account_id, service.region_name, task, crashing, now, lines)
            if not crashing.essential:  # ECS keeps the task running when a non-essential container exits
                crashing.last_status, crashing.exit_code = "STOPPED", 1
                crashing.reason, crashing.health_status = "CrashLoop: exited with code 1", "UNKNOWN"
                continue
            return self._fail(backend, service, record, deployment, task, now, "Essential container in task exited",
                              "EssentialContainerExited", 1, "CrashLoop: exited with code 1", crashing.name)

    def _fail(self, backend, service, record, deployment, task, now, reason, code, exit_code, container_reason,
              container) -> None:
        self._stop(backend, task, now, reason, code, exit_code=exit_code, container_reason=container_reason,
                   failed=container)
        if deployment is None:
            return
        deployment.failed += 1
        deployment.updated = now
        if deployment.failed == 2 or deployment.failed % 10 == 0:
            self._event(service, record, UNSTABLE.format(name=service.name))
        self._circuit_breaker(service, record, deployment, now)

    def _stop(self, backend, task: ServiceTask, now: float, reason: str, code: str, **failure) -> None:
        task.stop(now, reason=reason, code=code, **failure)
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[backend.account_id][task.region_name]
        for eni in task.network_interface_ids():
            try:
                ec2.delete_network_interface(eni)
            except Exception:  # noqa: BLE001 - already gone
                pass

    def _scale_primary(self, backend, cluster, service, record, primary: Deployment, live, now) -> None:
        mine = [t for t in live if t.deployment_id == primary.id]
        missing = primary.desired - len(mine)
        if missing > 0:
            self._launch(backend, cluster, service, record, primary, missing, now)
        elif missing < 0:
            for task in _surplus_first(mine)[:-missing]:
                self._stop(backend, task, now, f"Scaling activity initiated by (deployment {primary.id})",
                           "ServiceSchedulerInitiated")

    def _drain_old(self, backend, record: ServiceRecord, primary: Deployment, live, now: float) -> None:
        primary_running = sum(1 for t in live if t.deployment_id == primary.id and t.last_status == "RUNNING")
        keep = max(0, primary.desired - primary_running)
        old_tasks = _surplus_first([t for t in live if t.deployment_id != primary.id])
        # keep the oldest running ones while the new deployment is not up (minimumHealthyPercent 100)
        keep_set = {id(t) for t in [t for t in old_tasks if t.last_status == "RUNNING"][-keep:]} if keep else set()
        for task in old_tasks:
            if id(task) not in keep_set:
                self._stop(backend, task, now, f"Scaling activity initiated by (deployment {primary.id})",
                           "ServiceSchedulerInitiated")
        alive = {t.deployment_id for t in live if t.desired_status == "RUNNING"}
        record.deployments = [d for d in record.deployments if d is primary or d.id in alive]

    def _load_balancing(self, backend, service, record: ServiceRecord, tasks, now: float) -> None:
        """Targets follow the running tasks; a task failing its target group's health check past the
        grace period is stopped by the scheduler, and counts as a failed task of its deployment."""
        unhealthy = sync_targets(backend.account_id, service.region_name, service, tasks)
        grace = float(getattr(service, "health_check_grace_period_seconds", None) or 0)
        for task, arn in unhealthy:
            if now - task.start_at >= grace:
                deployment = next((d for d in record.deployments if d.id == task.deployment_id), None)
                self._fail(backend, service, record, deployment, task, now, ELB_FAILURE.format(arn=arn),
                           "ServiceSchedulerInitiated", None, None, None)
        if unhealthy:
            self._count(service, record, _tasks_of(backend, service_cluster(backend, service), service))

    def _count(self, service, record: ServiceRecord, tasks) -> None:
        for d in record.deployments:
            d.running = sum(1 for t in tasks if t.deployment_id == d.id and t.desired_status == "RUNNING"
                            and t.last_status == "RUNNING")
            d.pending = sum(1 for t in tasks if t.deployment_id == d.id and t.desired_status == "RUNNING"
                            and t.last_status == "PENDING")
        service.running_count = sum(d.running for d in record.deployments)
        service.pending_count = sum(d.pending for d in record.deployments)

    def _settle(self, service, record: ServiceRecord, primary: Deployment, now: float) -> None:
        done = (len(record.deployments) == 1 and primary.running == primary.desired and primary.pending == 0)
        if done and primary.rollout_state == "IN_PROGRESS":
            primary.rollout_state, primary.updated = "COMPLETED", now
            primary.rollout_reason = f"ECS deployment {primary.id} completed."
            record.last_good = primary.task_definition
            self._event(service, record, f"(service {service.name}) (deployment {primary.id}) deployment completed.")
        if done and not record.steady:
            record.steady = True
            self._event(service, record, f"(service {service.name}) has reached a steady state.")
        elif not done:
            record.steady = False

    def _circuit_breaker(self, service, record: ServiceRecord, deployment: Deployment, now: float) -> None:
        breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
        if not breaker.get("enable") or deployment.rollout_state != "IN_PROGRESS" or deployment.status != "PRIMARY":
            return
        if deployment.failed < breaker_threshold(deployment.desired):
            return
        deployment.rollout_state, deployment.updated = "FAILED", now
        deployment.rollout_reason = "ECS deployment circuit breaker: tasks failed to start."
        self._event(service, record, f"(service {service.name}) (deployment {deployment.id}) deployment failed: "
                    "tasks failed to start.")
        if breaker.get("rollback") and record.last_good and record.last_good != deployment.task_definition:
            service.task_definition = record.last_good
            self._event(service, record, f"(service {service.name}) rolling back to task definition "
                        f"{record.last_good}.")

    def _prune(self, backend, cluster, tasks) -> None:
        stopped = sorted((t for t in tasks if t.last_status == "STOPPED" and t.stopped_at is not None),
                         key=lambda t: t.stopped_at)
        table = backend.tasks.get(cluster.name, {})
        for task in stopped[: max(0, len(stopped) - self.keep_stopped)]:
            table.pop(task.task_arn, None)

    def _event(self, service, record: ServiceRecord, message: str, once: bool = False) -> None:
        if once:
            if message in record.warned:
                return
            record.warned.add(message)
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utc(self.clock()), "message": message})
        del service.events[MAX_EVENTS:]


def _tasks_of(backend, cluster, service) -> list[ServiceTask]:
    return [t for t in backend.tasks.get(cluster.name, {}).values()
            if isinstance(t, ServiceTask) and t.service_arn == service.arn]


def _surplus_first(tasks: list[ServiceTask]) -> list[ServiceTask]:
    """Tasks in the order the scheduler stops them: pending before running, newest first."""
    return sorted(tasks, key=lambda t: (t.last_status == "RUNNING", -t.start_at))

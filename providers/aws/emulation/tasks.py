"""ECS tasks that the simulated service scheduler starts (see ``cloudorch_providers.aws.emulation.lifecycle``).

They are moto's own ``Task`` objects (a small subclass), stored in the ECS backend's task table, so
moto's ListTasks / DescribeTasks / StopTask serve them unchanged. What the subclass adds:

- one container per container definition (moto's ``Task`` models only the first one), with
  ``lastStatus``, ``exitCode``, ``reason`` and ``healthStatus``;
- the timestamps and codes of a real task (``createdAt``, ``pullStartedAt``, ``startedAt``,
  ``stoppingAt``, ``stoppedAt``, ``stopCode``, ``connectivity``), its ``cpu``/``memory`` and
  ``availabilityZone``;
- a status that only the lifecycle moves: moto advances every described task one step towards
  STOPPED (its ``ecs::task`` state transition), which a long-running service task must not do.

How a task ends is decided by its images, so tests and the sandbox can provoke failures:

- an image containing ``notfound``: the task never starts; ``stopCode`` TaskFailedToStart and
  ``stoppedReason`` ``CannotPullContainerError: ... not found``;
- an image containing ``crashloop``: the container starts and exits with code 1 at once (its
  ``exitCode`` is 1, its ``reason`` "CrashLoop: exited with code 1"); when it is essential the task
  stops with ``stoppedReason`` "Essential container in task exited", otherwise the task keeps
  running without it, as on ECS;
- an awslogs log group that does not exist (and ``awslogs-create-group`` is not ``true``): the task
  fails with ``ResourceInitializationError``, as ECS does;
- a secret that does not exist, or that the execution role cannot read: the task fails with
  ``ResourceInitializationError`` naming the secret (see ``cloudorch_providers.aws.emulation.secrets``).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from moto.ecs.models import Task

CRASHLOOP = "crashloop"
NOTFOUND = "notfound"


def utc(seconds: float) -> datetime.datetime:
    """A wall-clock time as moto stores it (naive UTC)."""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).replace(tzinfo=None)


class ContainerState:
    """One container of a task, serialised by moto through its attribute names."""

    def __init__(self, task_arn: str, definition: dict[str, Any], attachments: list[dict]):
        arn_head, _, task_path = task_arn.partition(":task/")
        self.container_arn = f"{arn_head}:container/{task_path}/{uuid.uuid4()}"
        self.task_arn = task_arn
        self.name: str = definition.get("name", "")
        self.image: str = definition.get("image", "")
        self.essential: bool = definition.get("essential", True)
        self.cpu = str(definition.get("cpu", 0))
        self.memory = str(definition["memory"]) if definition.get("memory") else None
        self.memory_reservation = str(definition["memoryReservation"]) if definition.get("memoryReservation") else None
        self.has_health_check = bool(definition.get("healthCheck"))
        self.last_status = "PENDING"
        self.exit_code: int | None = None
        self.reason: str | None = None
        self.health_status = "UNKNOWN"
        self.runtime_id: str | None = None
        self.network_bindings: list[dict] = []
        self.network_interfaces = [
            {"attachmentId": a["id"], "privateIpv4Address": d["value"]}
            for a in attachments
            for d in a.get("details", [])
            if d["name"] == "privateIPv4Address"
        ]
        log = definition.get("logConfiguration") or {}
        awslogs = log.get("logDriver") == "awslogs"
        self.awslogs: dict[str, str] | None = dict(log.get("options") or {}) if awslogs else None
        #: wall-clock time of this container's next log line
        self.next_log_at = 0.0

    def failure(self) -> str | None:
        """``notfound`` / ``crashloop`` when the image asks for that failure."""
        if NOTFOUND in self.image:
            return NOTFOUND
        if CRASHLOOP in self.image:
            return CRASHLOOP
        return None


class ServiceTask(Task):
    """A task of an ECS service, started by the simulated scheduler."""

    def __init__(self, *, backend, cluster, service, task_definition, deployment_id: str, now: float,
                 start_delay: float):
        super().__init__(
            cluster=cluster,
            task_definition=task_definition,
            container_instance_arn=None,
            resource_requirements=None,
            backend=backend,
            group=f"service:{service.name}",
            launch_type=service.launch_type or "",
            started_by=deployment_id,
            tags=_propagated_tags(service, task_definition),
            networking_configuration=service.network_configuration or None,
            platform_version=service.platform_version,
            capacity_provider_name=_capacity_provider(service),
        )
        self.service_arn = service.arn
        self.deployment_id = deployment_id
        self.last_status = "PENDING"
        self.stopped_reason = None
        self.stop_code: str | None = None
        self.health_status = "UNKNOWN"
        self.cpu = task_definition.cpu
        self.memory = task_definition.memory
        fargate = service.launch_type == "FARGATE" or (self.capacity_provider_name or "").startswith("FARGATE")
        self.platform_family = "Linux" if fargate else None
        self.enable_execute_command = bool(getattr(service, "enable_execute_command", False))
        self.version = 1
        self.created_at = utc(now)
        self.pull_started_at = self.pull_stopped_at = self.started_at = None
        self.connectivity = self.connectivity_at = self.stopping_at = self.stopped_at = None
        self.execution_stopped_at = None
        self.availability_zone = _availability_zone(backend, service)
        #: when the scheduler lets this task start (or fail to)
        self.start_at = now + start_delay
        self.containers = [ContainerState(self.task_arn, d, self.attachments)
                           for d in task_definition.container_definitions]
        self.container_ports = [m["containerPort"] for d in task_definition.container_definitions
                                for m in d.get("portMappings") or [] if m.get("containerPort")]
        #: the ports a TCP connection reaches (every load balancer health check is TCP, HTTP or HTTPS)
        self.tcp_ports = [m["containerPort"] for d in task_definition.container_definitions
                          for m in d.get("portMappings") or []
                          if m.get("containerPort") and (m.get("protocol") or "tcp").lower() == "tcp"]
        self.execution_role: str | None = getattr(task_definition, "execution_role_arn", None)
        #: what Fargate reads with the execution role before the containers start
        self.secret_refs = [s["valueFrom"] for d in task_definition.container_definitions
                            for s in d.get("secrets") or [] if s.get("valueFrom")]
        self.secret_refs += [d["repositoryCredentials"]["credentialsParameter"]
                             for d in task_definition.container_definitions
                             if (d.get("repositoryCredentials") or {}).get("credentialsParameter")]
        network = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
        if network.get("assignPublicIp") == "ENABLED":
            self._assign_public_ips(backend, service)

    def _assign_public_ips(self, backend, service) -> None:
        """As Fargate does with assignPublicIp ENABLED: each task ENI gets a public IP."""
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[backend.account_id][service.region_name]
        for eni_id in self.network_interface_ids():
            eni = ec2.get_network_interface(eni_id)
            eni.public_ip_auto_assign = True
            eni.check_auto_public_ip()

    def advance(self) -> None:
        """DescribeTasks calls this to move moto's own tasks along; the lifecycle moves ours."""

    # -- transitions (called by the lifecycle) -------------------------------------------------
    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]

    def run(self, now: float) -> None:
        self.version += 1
        self.last_status = "RUNNING"
        self.pull_started_at = utc(self.start_at - 0.2 if now > self.start_at else now)
        self.pull_stopped_at = self.started_at = self.connectivity_at = utc(now)
        self.connectivity = "CONNECTED"
        for c in self.containers:
            c.last_status = "RUNNING"
            c.runtime_id = f"{self.task_id}-{uuid.uuid4().int % 10**10}"
            c.health_status = "HEALTHY" if c.has_health_check else "UNKNOWN"
            c.next_log_at = now
        checked = [c for c in self.containers if c.has_health_check and c.essential]
        self.health_status = "HEALTHY" if checked else "UNKNOWN"

    def stop(self, now: float, *, reason: str, code: str, exit_code: int | None = 0,
             container_reason: str | None = None, failed: str | None = None) -> None:
        """Stop the task. ``failed`` names the container whose failure stopped it (it gets
        ``exit_code`` and ``container_reason``; the others exit 0 or never started)."""
        self.version += 1
        was_running = self.last_status == "RUNNING"
        self.desired_status = "STOPPED"
        self.last_status = "STOPPED"
        self.stopped_reason = reason
        self.stop_code = code
        self.stopping_at = self.stopped_at = self.execution_stopped_at = utc(now)
        if self.health_status == "HEALTHY":
            self.health_status = "UNHEALTHY" if failed else "UNKNOWN"
        for c in self.containers:
            c.last_status = "STOPPED"
            if c.name == failed:
                c.exit_code, c.reason = exit_code, container_reason
            elif was_running or self.started_at is not None:
                c.exit_code = 0 if c.exit_code is None else c.exit_code
        for attachment in self.attachments:
            attachment["status"] = "DELETED"

    def network_interface_ids(self) -> list[str]:
        return [d["value"] for a in self.attachments for d in a.get("details", [])
                if d["name"] == "networkInterfaceId"]


def _propagated_tags(service, task_definition) -> list[dict[str, str]]:
    if service.propagate_tags == "SERVICE":
        return list(service.tags or [])
    if service.propagate_tags == "TASK_DEFINITION":
        return list(task_definition.tags or [])
    return []


def _capacity_provider(service) -> str | None:
    strategy = getattr(service, "capacity_provider_strategy", None) or []
    return strategy[0].get("capacityProvider") if strategy else None


def _availability_zone(backend, service) -> str | None:
    subnets = ((service.network_configuration or {}).get("awsvpcConfiguration") or {}).get("subnets") or []
    if not subnets:
        return f"{service.region_name}a"
    from moto.ec2.models import ec2_backends

    try:
        return ec2_backends[backend.account_id][service.region_name].get_subnet(subnets[0]).availability_zone
    except Exception:  # noqa: BLE001 - a vanished subnet only loses the zone
        return None

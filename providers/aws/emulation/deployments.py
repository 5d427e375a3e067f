"""The lifecycle's memory of an ECS service: its deployments (as DescribeServices shows them) and
the facts the scheduler needs (steady state, rollback target), plus ECS's event texts.

A deployment's ``platformFamily`` is ``Linux`` on Fargate (launch type or a FARGATE* capacity
provider) and absent otherwise, as on ECS (moto writes ``FARGATE``/``EC2``). The circuit breaker's
failed-task threshold is ECS's: half the desired count, at least 3 and at most 200.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from cloudorch_providers.aws.emulation.tasks import utc

MAX_EVENTS = 100
UNSTABLE = ("(service {name}) is unable to consistently start tasks successfully. For more information, "
            "see the Troubleshooting section of the Amazon ECS Developer Guide.")


def new_deployment_id() -> str:
    return f"ecs-svc/{uuid.uuid4().int % 10**19}"


def breaker_threshold(desired: int) -> int:
    """Failed tasks after which the deployment circuit breaker fails a deployment."""
    return min(200, max(3, math.ceil(desired / 2)))


@dataclass
class Deployment:
    id: str
    task_definition: str
    desired: int
    created: float
    launch_type: str | None
    capacity_provider_strategy: list | None
    platform_version: str | None
    network_configuration: dict | None
    service_connect: dict | None
    status: str = "PRIMARY"
    rollout_state: str = "IN_PROGRESS"
    rollout_reason: str = ""
    updated: float = 0.0
    failed: int = 0
    running: int = 0
    pending: int = 0

    def fargate(self) -> bool:
        if self.launch_type:
            return self.launch_type == "FARGATE"
        return any(str(s.get("capacityProvider", "")).startswith("FARGATE")
                   for s in self.capacity_provider_strategy or [])

    def as_dict(self) -> dict[str, Any]:
        """The Deployment shape of DescribeServices."""
        out: dict[str, Any] = {
            "id": self.id, "status": self.status, "taskDefinition": self.task_definition,
            "desiredCount": self.desired, "pendingCount": self.pending, "runningCount": self.running,
            "failedTasks": self.failed, "createdAt": utc(self.created), "updatedAt": utc(self.updated or self.created),
            "launchType": self.launch_type, "capacityProviderStrategy": self.capacity_provider_strategy,
            "platformVersion": self.platform_version,
            "platformFamily": "Linux" if self.fargate() else None,
            "networkConfiguration": self.network_configuration,
            "rolloutState": self.rollout_state,
            "rolloutStateReason": self.rollout_reason or f"ECS deployment {self.id} in progress.",
        }
        if self.service_connect:
            out["serviceConnectConfiguration"] = self.service_connect
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class ServiceRecord:
    service: Any
    deployments: list[Deployment] = field(default_factory=list)
    steady: bool = False
    #: task definition ARN of the last COMPLETED deployment (rollback target)
    last_good: str | None = None
    warned: set[str] = field(default_factory=set)


def task_definition_arn(backend, service) -> str:
    if service.task_definition and ":task-definition/" not in service.task_definition:
        try:
            service.task_definition = backend.describe_task_definition(service.task_definition).arn
        except Exception:  # noqa: BLE001 - moto validated it in UpdateService; keep what is there
            pass
    return service.task_definition or ""


def new_deployment(service, td_arn: str, now: float, dep_id: str | None = None) -> Deployment:
    return Deployment(
        id=dep_id or new_deployment_id(), task_definition=td_arn,
        desired=service.desired_count, created=now, launch_type=service.launch_type,
        capacity_provider_strategy=getattr(service, "capacity_provider_strategy", None),
        platform_version=service.platform_version,
        network_configuration=service.network_configuration or None,
        service_connect=getattr(service, "service_connect_configuration", None),
    )


def service_cluster(backend, service):
    return backend.clusters.get(service.cluster_name)


def count_clusters(backend) -> None:
    """DescribeClusters' counters, as ECS keeps them (moto leaves them at its own guesses)."""
    for cluster in backend.clusters.values():
        services = [s for s in backend.services.values() if s.cluster_name == cluster.name and s.status == "ACTIVE"]
        tasks = [t for t in backend.tasks.get(cluster.name, {}).values() if t.desired_status == "RUNNING"]
        cluster.active_services_count = len(services)
        cluster.running_tasks_count = sum(1 for t in tasks if t.last_status == "RUNNING")
        cluster.pending_tasks_count = sum(1 for t in tasks if t.last_status == "PENDING")

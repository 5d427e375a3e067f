"""ECS services behind Elastic Load Balancing target groups (moto's ECS never registers targets,
and moto's target groups call every registered target healthy).

For a service with ``loadBalancers``, ECS registers each RUNNING task's IP (``ip`` target type,
``awsvpc`` tasks) with each target group on the container port, and deregisters a task when it
stops (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html).
The target group reports each target's health from its health check
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html):
here a target is ``healthy`` when its task runs and one of its containers listens on the checked
port over TCP (``traffic-port`` = the target's port; ELB health checks are TCP, HTTP or HTTPS, so
a udp port mapping answers none), ``unhealthy`` (``Target.Timeout``) when nothing
listens there or the essential container is down. ECS stops a task whose target stays unhealthy
once the service's ``healthCheckGracePeriodSeconds`` has passed since the task started, with
"Task failed ELB health checks in (target-group ARN)".
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

ELB_FAILURE = "Task failed ELB health checks in (target-group {arn})"


class CheckedTargetGroup(FakeTargetGroup):
    """A moto target group whose targets' health is what the lifecycle measured."""

    def health_for(self, target: dict[str, Any], ec2_backend) -> FakeHealthStatus:
        measured = getattr(self, "measured", {}).get(target["Id"])
        registered = self.targets.get(target["Id"])
        if measured is None or registered is None:
            return super().health_for(target, ec2_backend)
        state, reason, description = measured
        return FakeHealthStatus(target["Id"], registered["Port"], self.health_check_port, state, reason, description)


def _target_group(account_id: str, region: str, arn: str):
    from moto.elbv2.models import elbv2_backends

    group = elbv2_backends[account_id][region].target_groups.get(arn)
    if group is not None and not isinstance(group, CheckedTargetGroup):
        group.__class__ = CheckedTargetGroup
        group.measured = {}
    return group


def task_ip(task) -> str | None:
    return next((d["value"] for a in task.attachments for d in a.get("details", [])
                 if d["name"] == "privateIPv4Address"), None)


def _health(group, task, port: int) -> tuple[str, str | None, str | None]:
    checked = port if group.health_check_port in (None, "traffic-port") else int(group.health_check_port)
    listening = set(getattr(task, "tcp_ports", task.container_ports))  # ELB checks over TCP, HTTP or HTTPS only
    main_up = all(c.last_status == "RUNNING" for c in task.containers if c.essential)
    if task.last_status == "RUNNING" and main_up and checked in listening:
        return "healthy", None, None
    return "unhealthy", "Target.Timeout", "Request timed out"


def sync_targets(account_id: str, region: str, service, tasks) -> list[tuple[Any, str]]:
    """Register the service's running tasks and deregister the others; returns (task, target
    group ARN) for each running task whose target is unhealthy."""
    unhealthy = []
    for entry in getattr(service, "load_balancers", None) or []:
        arn, port = entry.get("targetGroupArn"), entry.get("containerPort")
        group = _target_group(account_id, region, arn) if arn else None
        if group is None or port is None:
            continue
        wanted = {}
        for task in tasks:
            ip = task_ip(task)
            if ip and task.desired_status == "RUNNING" and task.last_status == "RUNNING":
                wanted[ip] = task
        for ip in [ip for ip in group.targets if ip not in wanted]:
            group.deregister([{"Id": ip}])
            group.measured.pop(ip, None)
        for ip, task in wanted.items():
            if ip not in group.targets:
                group.register([{"Id": ip, "Port": port}])
            group.measured[ip] = _health(group, task, port)
            if group.measured[ip][0] == "unhealthy":
                unhealthy.append((task, arn))
    return unhealthy


def unregister_all(account_id: str, region: str, service) -> None:
    for entry in getattr(service, "load_balancers", None) or []:
        group = _target_group(account_id, region, entry.get("targetGroupArn", ""))
        if group is not None:
            for ip in list(group.targets):
                group.deregister([{"Id": ip}])
            group.measured.clear()

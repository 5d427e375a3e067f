"""What running containers write to CloudWatch Logs, through moto's logs backend in-process.

Every running task's containers that use the ``awslogs`` driver write one line per
``log_interval`` seconds, e.g. ``GET / 200 (web, nginx:1.27.2)``, with real timestamps, into
the log group ``awslogs-group`` (in ``awslogs-region``, default the task's region) and the stream
``{awslogs-stream-prefix}/{container name}/{task id}`` -- ECS's own naming (just the task id
without a prefix). A missing stream is created; a missing group is created only with
``awslogs-create-group: "true"``, otherwise the task fails to start with ECS's
``ResourceInitializationError`` (see :func:`log_group_problem`). A group deleted while tasks run
just swallows their lines.
"""

from __future__ import annotations

from cloudorch_providers.aws.emulation.tasks import ContainerState, ServiceTask

#: most lines one container writes per tick (a stalled thread must not flood the log)
MAX_LINES_PER_TICK = 20


def _logs_backend(account_id: str, region: str):
    from moto.logs.models import logs_backends

    return logs_backends[account_id][region]


def _target(account_id: str, task_region: str, task: ServiceTask, container: ContainerState):
    options = container.awslogs or {}
    group = options.get("awslogs-group")
    if not group:
        return None
    region = options.get("awslogs-region") or task_region
    prefix = options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container.name}/{task.task_id}" if prefix else task.task_id
    try:
        backend = _logs_backend(account_id, region)
    except Exception:  # noqa: BLE001 - a region moto does not know
        return None
    return backend, group, stream, options


def log_group_problem(account_id: str, task_region: str, container: ContainerState) -> str | None:
    """Why ECS could not start this container's logging, or None (creates the group when the
    task definition asks for ``awslogs-create-group``)."""
    options = container.awslogs or {}
    group = options.get("awslogs-group")
    if not group:
        return None
    region = options.get("awslogs-region") or task_region
    try:
        backend = _logs_backend(account_id, region)
    except Exception:  # noqa: BLE001
        return f"ResourceInitializationError: failed to validate logger args: invalid awslogs-region {region!r}"
    if group in backend.groups:
        return None
    if str(options.get("awslogs-create-group", "")).lower() == "true":
        backend.ensure_log_group(group)
        return None
    return ("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
            "failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not "
            "exist. : exit status 1")


def write_lines(account_id: str, task_region: str, task: ServiceTask, container: ContainerState, now: float,
                lines: list[str]) -> None:
    """Append ``lines`` (timestamped ``now``) to the container's log stream, if it logs."""
    _put(account_id, task_region, task, container, [(now, line) for line in lines])


def emit_logs(backends, now: float, interval: float) -> None:
    """One tick of logging for every running service task in ``backends`` (account, region, ecs)."""
    for account_id, region, backend in backends:
        for table in list(backend.tasks.values()):
            for task in list(table.values()):
                if not isinstance(task, ServiceTask) or task.last_status != "RUNNING":
                    continue
                for container in task.containers:
                    if container.awslogs is None or container.last_status != "RUNNING":
                        continue
                    times = []
                    while container.next_log_at <= now and len(times) < MAX_LINES_PER_TICK:
                        times.append(container.next_log_at)
                        container.next_log_at += interval
                    if container.next_log_at <= now:  # fell behind: skip ahead
                        container.next_log_at = now + interval
                    line = f"GET / 200 ({container.name}, {container.image})"
                    _put(account_id, region, task, container, [(t, line) for t in times])


def _put(account_id: str, region: str, task: ServiceTask, container: ContainerState,
         lines: list[tuple[float, str]]) -> None:
    target = _target(account_id, region, task, container) if lines else None
    if target is None:
        return
    backend, group, stream, _ = target
    if group not in backend.groups:
        return
    backend.ensure_log_stream(group, stream)
    backend.put_log_events(group, stream, [{"timestamp": int(t * 1000), "message": m} for t, m in lines])

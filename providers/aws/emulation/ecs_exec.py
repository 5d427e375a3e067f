"""ECS ``ExecuteCommand`` (moto 5.2 does not serve it), as strict as ECS about when a command may start.

ECS Exec (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html) starts a command only
in a RUNNING task that was started with ``enableExecuteCommand`` (the service's setting when the task
started; changing the service later does not change running tasks), in interactive mode, naming the
container when the task has several. Refusals, all ``InvalidParameterException`` as ECS answers them:

- ``interactive`` false: "Interactive is the only mode supported currently.";
- a task without ECS Exec: "The execute command failed because execute command was not enabled when the
  task was run or the execute command agent isn't running. Wait and try the command again or run a new task
  with execute command enabled and try again." (the message of the ECS Exec troubleshooting guide);
- an unknown or stopped task, or an unknown container (messages of the emulator's own: ECS's exact texts
  for these are not in its documentation).

The reply has ECS's shape: ``clusterArn``, ``containerArn``, ``containerName``, ``interactive``,
``taskArn`` and ``session`` (``sessionId``, ``streamUrl``, ``tokenValue``), which the AWS CLI hands to the
session-manager-plugin. The stream URL names the emulator's own address: the sandbox serves no SSM data
channel, so a session stops at that hand-off (a real plugin reaching it gets no answer it can use).
"""

from __future__ import annotations

import secrets
from typing import Any

from cloudorch_providers.aws.emulation.ecs_requests import Refused

NOT_ENABLED = ("The execute command failed because execute command was not enabled when the task was run or the "
               "execute command agent isn't running. Wait and try the command again or run a new task with execute "
               "command enabled and try again.")


def execute_command(body: dict[str, Any], account_id: str, region: str, host: str) -> dict[str, Any]:
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[account_id][region]
    cluster = str(body.get("cluster") or "default").split("/")[-1]
    if cluster not in backend.clusters:
        raise Refused("Cluster not found.", "ClusterNotFoundException")
    for key in ("command", "task"):
        if not body.get(key):
            raise Refused(f"{key} can not be blank.")
    if not body.get("interactive"):
        raise Refused("Interactive is the only mode supported currently.")
    wanted = str(body["task"])
    task = next((t for arn, t in (backend.tasks.get(cluster) or {}).items()
                 if arn == wanted or arn.rsplit("/", 1)[-1] == wanted), None)
    if task is None or task.last_status != "RUNNING":
        raise Refused(f"The task {wanted} is not running in cluster {cluster}.")
    if not getattr(task, "enable_execute_command", False):
        raise Refused(NOT_ENABLED)
    containers = list(getattr(task, "containers", []))
    name = body.get("container")
    if not name and len(containers) > 1:
        raise Refused("The task has more than one container: a container name is required.")
    container = next((c for c in containers if not name or c.name == name), None)
    if container is None:
        raise Refused(f"The container {name} is not in task {wanted}.")
    session = f"ecs-execute-command-{secrets.token_hex(8)}"
    return {
        "clusterArn": backend.clusters[cluster].arn,
        "containerArn": container.container_arn,
        "containerName": container.name,
        "interactive": True,
        "taskArn": task.task_arn,
        "session": {"sessionId": session,
                    "streamUrl": f"wss://{host}/v1/data-channel/{session}?role=publish_subscribe",
                    "tokenValue": secrets.token_urlsafe(48)},
    }

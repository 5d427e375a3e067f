"""A spec service -> ECS ``RegisterTaskDefinition`` kwargs (one task definition per service).

Task: family ``{app}-{service}``, ``networkMode: awsvpc`` (each task has its own IP, needed for
Fargate and Service Connect), ``requiresCompatibilities`` = the launch type, task-level ``cpu`` /
``memory`` as strings in CPU units / MiB from :mod:`cloudorch_providers.aws.fargate`, ``executionRoleArn``
always (see :mod:`cloudorch_providers.aws.context`), ``taskRoleArn`` when set, scratch ``volumes`` as
``{"name": ...}`` only (Fargate ephemeral task storage / a task-scoped Docker volume on EC2: it
lives as long as the task), tags.

Containers: the service's own container first (name = the service name, ``essential: true``: if it
stops the task stops and is replaced), then the sidecars in spec order (``essential: false`` with
``restartPolicy: {enabled: true, restartAttemptPeriod: 60}``: a sidecar that exits is restarted in
place, without replacing the task, provided it had run for 60 s, ECS's shortest period; one that
dies sooner stays down while the task goes on). Per container:

- ``cpu`` in CPU units (rounded down, see :mod:`cloudorch_providers.aws.fargate`) and ``memoryReservation``
  in MiB from its spec resources (a soft limit: the task-level size is the hard one);
- ``command`` -> ``entryPoint`` (replaces the image ENTRYPOINT) and ``args`` -> ``command``
  (replaces the image CMD), ECS's own semantics;
- ``env`` -> ``environment`` sorted by name; ``secrets`` -> ``secrets`` ``[{name, valueFrom}]``
  sorted by name, by reference only (the execution role reads them at task start);
- ``ports`` -> ``portMappings`` ``{name: {service}-{port}, containerPort, protocol tcp|udp}`` plus
  ``appProtocol: http`` for http ports (the names are what Service Connect refers to);
- ``health`` -> ``healthCheck`` (see :mod:`cloudorch_providers.aws.health`), main container only;
- ``logConfiguration``: ``awslogs`` to the service's log group, stream prefix = the service name
  (streams are ``{service}/{container}/{task-id}``), region when known;
- ``volumes`` -> ``mountPoints`` (read-write) of the task volumes;
- ``security`` (main container only; sidecars keep their images' defaults): ``run_as_user[:run_as_group]``
  -> ``user`` (a group alone cannot be expressed and is left out), ``read_only_root`` ->
  ``readonlyRootFilesystem``, ``drop_capabilities`` -> ``linuxParameters.capabilities.drop: [ALL]``;
- ``image_pull_secret`` -> ``repositoryCredentials.credentialsParameter`` (the secret's valueFrom, a
  Secrets Manager secret) on the main container and on every sidecar whose image comes from the
  same registry host (sending those credentials to another registry would break its pull).

No ``dependsOn``: sidecars have no start order in the spec, and the spec's ``depends_on`` is between
services, which ECS cannot express (deploy orders services instead).
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import Container, Service, Sidecar, Volume
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.fargate import TaskSize, cpu_share
from cloudorch_providers.aws.health import health_check

#: seconds a sidecar must have run before ECS restarts it (ECS's minimum)
SIDECAR_RESTART_PERIOD = 60


def port_name(service: str, port: int) -> str:
    return f"{service}-{port}"


def registry_host(image: str) -> str:
    """The registry an image reference pulls from (``docker.io`` when it names none)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def _common(ctx: Context, service_name: str, container: Container, name: str,
            volumes: list[Volume]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": name,
        "image": container.image,
        "cpu": cpu_share(container.resources.cpu),
        "memoryReservation": container.resources.memory,
    }
    if container.command is not None:
        doc["entryPoint"] = list(container.command)
    if container.args is not None:
        doc["command"] = list(container.args)
    doc["environment"] = [{"name": k, "value": v} for k, v in sorted(container.env.items())]
    if container.secrets:
        doc["secrets"] = [{"name": k, "valueFrom": ctx.value_from(v)}
                          for k, v in sorted(container.secrets.items())]
    doc["mountPoints"] = [{"sourceVolume": v.name, "containerPath": v.path, "readOnly": False}
                          for v in volumes]
    options = {"awslogs-group": ctx.log_group(service_name), "awslogs-stream-prefix": service_name}
    if ctx.region:
        options["awslogs-region"] = ctx.region
    doc["logConfiguration"] = {"logDriver": "awslogs", "options": options}
    return doc


def main_container(ctx: Context, name: str, service: Service) -> dict[str, Any]:
    doc = _common(ctx, name, service, name, service.volumes)
    doc["essential"] = True
    doc["portMappings"] = [
        {"name": port_name(name, p.port), "containerPort": p.port,
         "protocol": "udp" if p.protocol == "udp" else "tcp",
         **({"appProtocol": "http"} if p.protocol == "http" else {})}
        for p in service.ports
    ]
    if service.health:
        doc["healthCheck"] = health_check(service.health)
    sec = service.security
    if sec:
        if sec.run_as_user is not None:
            group = f":{sec.run_as_group}" if sec.run_as_group is not None else ""
            doc["user"] = f"{sec.run_as_user}{group}"
        if sec.read_only_root:
            doc["readonlyRootFilesystem"] = True
        if sec.drop_capabilities:
            doc["linuxParameters"] = {"capabilities": {"drop": ["ALL"]}}
    if service.image_pull_secret:
        doc["repositoryCredentials"] = {"credentialsParameter": ctx.value_from(service.image_pull_secret)}
    return doc


def sidecar_container(ctx: Context, name: str, service: Service, sidecar: Sidecar) -> dict[str, Any]:
    doc = _common(ctx, name, sidecar, sidecar.name, sidecar.volumes)
    doc["essential"] = False
    doc["restartPolicy"] = {"enabled": True, "restartAttemptPeriod": SIDECAR_RESTART_PERIOD}
    if service.image_pull_secret and registry_host(sidecar.image) == registry_host(service.image):
        doc["repositoryCredentials"] = {"credentialsParameter": ctx.value_from(service.image_pull_secret)}
    return doc


def task_definition(ctx: Context, name: str, service: Service, size: TaskSize) -> dict[str, Any]:
    containers = [main_container(ctx, name, service)]
    containers += [sidecar_container(ctx, name, service, s) for s in service.sidecars]
    doc: dict[str, Any] = {
        "family": ctx.family(name),
        "networkMode": "awsvpc",
        "requiresCompatibilities": [ctx.settings.launch_type],
        "cpu": str(size.cpu),
        "memory": str(size.memory),
        "executionRoleArn": ctx.execution_role,
    }
    if ctx.task_role:
        doc["taskRoleArn"] = ctx.task_role
    doc["containerDefinitions"] = containers
    doc["volumes"] = [{"name": v.name} for v in service.volumes]
    doc["tags"] = ctx.ecs_tags()
    return doc

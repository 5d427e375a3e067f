"""Spec -> Docker Engine API bodies: one overlay network per app, one replicated service per spec
service (``POST /networks/create``, ``POST /services/create`` of Engine API 1.41).

Names follow ``docker stack deploy`` (the app is the stack): services ``{app}_{service}``, sidecars
``{app}_{service}-{sidecar}``, network ``{app}_default``; every object carries the label
``com.docker.stack.namespace={app}`` too, so ``docker stack ls/ps/services`` show the app.

- Each service joins the app network with its spec name as alias, so ``http://api:8080`` resolves;
  the endpoint mode (``dnsrr`` by default) comes from the settings (see :mod:`.settings`).
- command -> ContainerSpec.Command (replaces ENTRYPOINT), args -> Args (replaces CMD): exact.
- resources -> Limits and (unless ``reserve: false``) Reservations, the spec's cpu (NanoCPUs) and
  memory (bytes).
- health -> Healthcheck (``command`` natively; http/tcp as in-container probes, :mod:`cloudorch.spec.probes`).
- secrets -> Docker secrets by reference, mounted at ``/run/secrets/<VAR>``, with ``<VAR>_FILE``
  naming the file; with a spec ``command``, a ``/bin/sh`` wrapper also exports ``VAR`` from it.
  The body names each secret; the live operations add the ids of the versions they resolve.
- volumes -> anonymous volume mounts (a fresh volume per task, labelled with the markers).
- public ports -> EndpointSpec.Ports in the settings' publish mode.
- updates: start-first with failure action rollback (a service publishing host-mode ports stops the
  old task first: a node cannot bind a fixed port twice); rollbacks likewise.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import App, Container, Service
from cloudorch.spec.probes import shell_test
from cloudorch_providers.swarm.settings import SwarmSettings

STACK_LABEL = "com.docker.stack.namespace"
SERVICE_LABEL = "cloudorch.service"
SIDECAR_LABEL = "cloudorch.sidecar"
NS = 1_000_000_000
SECRET_DIR = "/run/secrets"
RESTART_DELAY = 5 * NS


def service_name(app: str, service: str, sidecar: str | None = None) -> str:
    return f"{app}_{service}" + (f"-{sidecar}" if sidecar else "")


def labels(app: App, markers: dict[str, str], **extra: str) -> dict[str, str]:
    return {**app.labels, **markers, STACK_LABEL: app.name, **extra}


def network_body(app: App, settings: SwarmSettings, markers: dict[str, str]) -> dict[str, Any]:
    return {"Name": settings.network_for(app.name), "Driver": "overlay", "Attachable": True,
            "CheckDuplicate": True, "Labels": labels(app, markers)}


def secret_env(container: Container) -> list[str]:
    return [f"{var}_FILE={SECRET_DIR}/{var}" for var in container.secrets]


def wrapped_command(container: Container) -> list[str] | None:
    """Command (with a /bin/sh wrapper exporting each secret from its file when there are secrets)."""
    if container.command is None or not container.secrets:
        return list(container.command) if container.command is not None else None
    exports = "; ".join(f'export {var}="$(cat {SECRET_DIR}/{var})"' for var in container.secrets)
    return ["/bin/sh", "-c", f'{exports}; exec "$0" "$@"', *container.command]


def healthcheck(service: Service) -> dict[str, Any] | None:
    health = service.health
    if health is None:
        return None
    check = {"Test": shell_test(health), "Interval": int(health.interval * NS),
             "Timeout": int(health.timeout * NS), "Retries": health.retries}
    if health.start_period:
        check["StartPeriod"] = int(health.start_period * NS)
    return check


def publishes_host_ports(app: App, settings: SwarmSettings, service: Service, name: str = "") -> bool:
    """Whether the service binds fixed host ports (host mode, a published port other than 0)."""
    return settings.publish_mode == "host" and any(
        p.public and settings.published(name, p) != 0 for p in service.ports)


def _update_config(order: str) -> dict[str, Any]:
    return {"Parallelism": 1, "FailureAction": "rollback", "Monitor": 5 * NS, "MaxFailureRatio": 0,
            "Order": order}


def container_spec(app: App, settings: SwarmSettings, markers: dict[str, str], container: Container,
                   volumes: list, security) -> dict[str, Any]:
    spec: dict[str, Any] = {"Image": container.image, "Labels": labels(app, markers)}
    command = wrapped_command(container)
    if command is not None:
        spec["Command"] = command
    if container.args is not None:
        spec["Args"] = list(container.args)
    env = [f"{k}={v}" for k, v in container.env.items()] + secret_env(container)
    if env:
        spec["Env"] = env
    if container.secrets:
        spec["Secrets"] = [{"File": {"Name": var, "UID": "0", "GID": "0", "Mode": 0o444},
                            "SecretName": settings.secret_for(secret)}
                           for var, secret in container.secrets.items()]
    if volumes:
        spec["Mounts"] = [{"Type": "volume", "Target": v.path,
                           "VolumeOptions": {"Labels": labels(app, markers, **{"cloudorch.volume": v.name})}}
                          for v in volumes]
    if security is not None:
        if security.run_as_user is not None:
            spec["User"] = str(security.run_as_user) + (
                f":{security.run_as_group}" if security.run_as_group is not None else "")
        elif security.run_as_group is not None:
            spec["Groups"] = [str(security.run_as_group)]
        if security.read_only_root:
            spec["ReadOnly"] = True
        if security.drop_capabilities:
            spec["CapabilityDrop"] = ["ALL"]
    spec["StopGracePeriod"] = settings.stop_grace_period * NS
    return spec


def service_body(app: App, name: str, settings: SwarmSettings, markers: dict[str, str],
                 replicas: int | None = None, sidecar: str | None = None) -> dict[str, Any]:
    """The ServiceSpec of spec service ``name`` (or of its ``sidecar``)."""
    service = app.services[name]
    side = next(s for s in service.sidecars if s.name == sidecar) if sidecar else None
    container = side or service
    extra = {SERVICE_LABEL: name, **({SIDECAR_LABEL: sidecar} if sidecar else {})}
    spec = container_spec(app, settings, markers, container, side.volumes if side else service.volumes,
                          None if side else service.security)
    if side is None and (check := healthcheck(service)) is not None:
        spec["Healthcheck"] = check
    resources = {"NanoCPUs": int(round(container.resources.cpu * NS)),
                 "MemoryBytes": container.resources.memory * 1024 * 1024}
    alias = name if side is None else f"{name}-{sidecar}"
    order = "stop-first" if side is None and publishes_host_ports(app, settings, service, name) else "start-first"
    body: dict[str, Any] = {
        "Name": service_name(app.name, name, sidecar),
        "Labels": labels(app, markers, **extra),
        "TaskTemplate": {
            "ContainerSpec": spec,
            "Resources": {"Limits": dict(resources), **({"Reservations": dict(resources)} if settings.reserve else {})},
            "RestartPolicy": {"Condition": "any", "Delay": RESTART_DELAY, "MaxAttempts": 0},
            "Networks": [{"Target": settings.network_for(app.name), "Aliases": [alias]}],
        },
        "Mode": {"Replicated": {"Replicas": service.desired_replicas if replicas is None else replicas}},
        "UpdateConfig": _update_config(order),
        "RollbackConfig": {**_update_config(order), "FailureAction": "pause"},
        "EndpointSpec": {"Mode": settings.endpoint_mode},
    }
    if side is None:
        ports = [{"Protocol": "udp" if p.protocol == "udp" else "tcp", "TargetPort": p.port,
                  "PublishMode": settings.publish_mode,
                  **({"PublishedPort": settings.published(name, p)} if settings.published(name, p) else {})}
                 for p in service.ports if p.public]
        if ports:
            body["EndpointSpec"]["Ports"] = ports
    return body


def service_bodies(app: App, settings: SwarmSettings, markers: dict[str, str]) -> list[tuple[str, str | None, dict]]:
    """(spec service, sidecar or None, ServiceSpec) for every Swarm service of the app, in start order."""
    found = []
    for wave in app.order():
        for name in wave:
            found.append((name, None, service_body(app, name, settings, markers)))
            for side in app.services[name].sidecars:
                found.append((name, side.name, service_body(app, name, settings, markers, sidecar=side.name)))
    return found

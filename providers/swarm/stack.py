"""Spec -> a Compose file (format 3.8) that ``docker stack deploy -c FILE APP`` takes: what
``render -p swarm`` writes. It says what the live deploy sends (:mod:`.convert`), in Compose's words:
the same service names (the stack namespace is the app), network, aliases, endpoint and publish
modes, limits and reservations, health checks, secrets (external, by name), anonymous volumes,
update and rollback configs and labels.

Compose interpolates ``$`` in every value, so each ``$`` is written as ``$$``. Secrets name the
Docker secret the settings point at; after ``cloudorch secrets set`` has stored newer versions
(``NAME.vN``) the live deploy uses the newest, which a stack file cannot know offline.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import App
from cloudorch.spec.units import format_duration
from cloudorch_providers.swarm.convert import NS, STACK_LABEL, service_bodies
from cloudorch_providers.swarm.settings import SwarmSettings


def _duration(nanoseconds: int) -> str:
    return format_duration(nanoseconds / NS)


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


def _update(config: dict[str, Any]) -> dict[str, Any]:
    return {"parallelism": config["Parallelism"], "failure_action": config["FailureAction"],
            "monitor": _duration(config["Monitor"]), "max_failure_ratio": config["MaxFailureRatio"],
            "order": config["Order"]}


def _service(body: dict[str, Any], network_key: str) -> dict[str, Any]:
    template = body["TaskTemplate"]
    container = template["ContainerSpec"]
    limits = template["Resources"]["Limits"]
    reservations = template["Resources"].get("Reservations")
    out: dict[str, Any] = {"image": container["Image"]}
    if "Command" in container:
        out["entrypoint"] = container["Command"]
    if "Args" in container:
        out["command"] = container["Args"]
    if container.get("Env"):
        out["environment"] = dict(item.split("=", 1) for item in container["Env"])
    if container.get("Secrets"):
        out["secrets"] = [{"source": s["SecretName"], "target": s["File"]["Name"], "uid": s["File"]["UID"],
                           "gid": s["File"]["GID"], "mode": s["File"]["Mode"]} for s in container["Secrets"]]
    if "Healthcheck" in container:
        check = container["Healthcheck"]
        out["healthcheck"] = {"test": check["Test"], "interval": _duration(check["Interval"]),
                              "timeout": _duration(check["Timeout"]), "retries": check["Retries"]}
        if "StartPeriod" in check:
            out["healthcheck"]["start_period"] = _duration(check["StartPeriod"])
    if container.get("Mounts"):
        out["volumes"] = [m["Target"] for m in container["Mounts"]]
    for key, field in (("User", "user"), ("ReadOnly", "read_only"), ("CapabilityDrop", "cap_drop")):
        if key in container:
            out[field] = container[key]
    if "Groups" in container:
        out["group_add"] = container["Groups"]
    ports = body["EndpointSpec"].get("Ports", [])
    if ports:
        out["ports"] = [{"target": p["TargetPort"],
                         **({"published": p["PublishedPort"]} if "PublishedPort" in p else {}),
                         "protocol": p["Protocol"], "mode": p["PublishMode"]} for p in ports]
    out["networks"] = {network_key: {"aliases": template["Networks"][0]["Aliases"]}}
    out["stop_grace_period"] = _duration(container["StopGracePeriod"])
    out["labels"] = {k: v for k, v in container["Labels"].items() if k != STACK_LABEL}
    restart = template["RestartPolicy"]
    out["deploy"] = {
        "mode": "replicated",
        "replicas": body["Mode"]["Replicated"]["Replicas"],
        "endpoint_mode": body["EndpointSpec"]["Mode"],
        "labels": {k: v for k, v in body["Labels"].items() if k != STACK_LABEL},
        "resources": {
            "limits": {"cpus": f"{limits['NanoCPUs'] / NS:g}", "memory": f"{limits['MemoryBytes'] // 2**20}M"},
            **({"reservations": {"cpus": f"{reservations['NanoCPUs'] / NS:g}",
                                 "memory": f"{reservations['MemoryBytes'] // 2**20}M"}} if reservations else {}),
        },
        "restart_policy": {"condition": restart["Condition"], "delay": _duration(restart["Delay"])},
        "update_config": _update(body["UpdateConfig"]),
        "rollback_config": _update(body["RollbackConfig"]),
    }
    return out


def stack_file(app: App, settings: SwarmSettings, markers: dict[str, str]) -> dict[str, Any]:
    network_key = "default"
    network: dict[str, Any] = {"driver": "overlay", "attachable": True,
                               "labels": {**app.labels, **markers}}
    if settings.network:
        network["name"] = settings.network
    services: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    for name, sidecar, body in service_bodies(app, settings, markers):
        services[name if sidecar is None else f"{name}-{sidecar}"] = _service(body, network_key)
        for secret in body["TaskTemplate"]["ContainerSpec"].get("Secrets", []):
            secrets[secret["SecretName"]] = {"external": True, "name": secret["SecretName"]}
    stack: dict[str, Any] = {"version": "3.8", "services": services, "networks": {network_key: network}}
    if secrets:
        stack["secrets"] = secrets
    return _escape(stack)

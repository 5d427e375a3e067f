"""The ARM JSON of stored resources, as a GET returns them.

ARM never returns secrets: ``secureValue`` of environment variables, secret volume contents, storage
account keys, registry passwords, Log Analytics keys and extension protected settings are left out.
"""

from __future__ import annotations

import copy
import hashlib

from cloudorch_providers.azure.emulation import completion
from cloudorch_providers.azure.emulation.arm import iso
from cloudorch_providers.azure.emulation.lifecycle import (
    Timing,
    group_state,
    provisioning_state,
    pull_failure,
)
from cloudorch_providers.azure.emulation.state import CG_TYPE, ContainerGroup, Operation, ResourceGroup


def render_resource_group(group: ResourceGroup) -> dict:
    out = {
        "id": group.id,
        "name": group.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": group.location,
        "properties": {"provisioningState": "Deleting" if group.deleting_until is not None else "Succeeded"},
    }
    if group.tags:
        out["tags"] = dict(group.tags)
    if group.managed_by:
        out["managedBy"] = group.managed_by
    return out


def _strip_env(container: dict) -> dict:
    container = copy.deepcopy(container)
    props = container["properties"]
    env = props.get("environmentVariables")
    if env:
        props["environmentVariables"] = [{k: v for k, v in var.items() if k != "secureValue"} for var in env]
    return container


def _strip_volumes(volumes: list[dict]) -> list[dict]:
    out = []
    for volume in copy.deepcopy(volumes):
        if volume.get("secret") is not None:
            volume["secret"] = {}
        if isinstance(volume.get("azureFile"), dict):
            volume["azureFile"].pop("storageAccountKey", None)
        out.append(volume)
    return out


def _address(group: ContainerGroup, stopped: bool) -> dict | None:
    ip = group.properties.get("ipAddress")
    if ip is None:
        return None
    ip = copy.deepcopy(ip)
    if not stopped:  # a stopped group gives its address back
        digest = hashlib.sha256(group.id.lower().encode()).digest()
        if ip["type"] == "Public":
            ip["ip"] = f"20.{digest[0]}.{digest[1]}.{max(1, digest[2] % 255)}"
        elif group.private_ip:
            ip["ip"] = group.private_ip
    if ip["type"] == "Public" and ip.get("dnsNameLabel"):
        ip["fqdn"] = f"{ip['dnsNameLabel']}.{group.location}.azurecontainer.io"
    return ip


def render_container_group(group: ContainerGroup, timing: Timing, now: float) -> dict:
    props = copy.deepcopy(group.properties)
    policy = props["restartPolicy"]
    stopped = group.run.is_stopped(now)
    containers, phases = [], []
    for container in props["containers"]:
        rendered = _strip_env(container)
        status = completion.status_for(container, policy, group.run, timing, now)
        rendered["properties"]["instanceView"] = status.instance_view
        containers.append(rendered)
        phases.append(status.phase)
    props["containers"] = containers
    props["initContainers"] = [_strip_env(c) for c in props.get("initContainers") or []]
    props["volumes"] = _strip_volumes(props.get("volumes") or [])
    if not props["volumes"]:
        del props["volumes"]
    for credential in props.get("imageRegistryCredentials") or []:
        if isinstance(credential, dict):
            credential.pop("password", None)
    log_analytics = (props.get("diagnostics") or {}).get("logAnalytics")
    if isinstance(log_analytics, dict):
        log_analytics.pop("workspaceKey", None)
    for extension in props.get("extensions") or []:
        if isinstance(extension, dict) and isinstance(extension.get("properties"), dict):
            extension["properties"].pop("protectedSettings", None)
    address = _address(group, stopped)
    if address is not None:
        props["ipAddress"] = address
    props["provisioningState"] = provisioning_state(group.run, group.images(), now)
    state = completion.group_state(phases, stopped, group_state(phases, stopped))
    events = []
    if props["provisioningState"] == "Failed":
        events.append(
            {
                "count": 1,
                "firstTimestamp": iso(group.run.ready),
                "lastTimestamp": iso(group.run.ready),
                "name": "InaccessibleImage",
                "message": failure_message(group),
                "type": "Warning",
            }
        )
    props["instanceView"] = {"events": events, "state": state}
    out = {
        "id": group.id,
        "name": group.name,
        "type": CG_TYPE,
        "location": group.location,
        "properties": props,
    }
    if group.tags:
        out["tags"] = dict(group.tags)
    if group.zones:
        out["zones"] = list(group.zones)
    if group.identity:
        out["identity"] = copy.deepcopy(group.identity)
    return out


def failure_message(group: ContainerGroup) -> str:
    image = pull_failure(group.images())
    return (
        f"The image '{image}' in container group '{group.name}' is not accessible. "
        "Please check the image and registry credential."
    )


def render_operation(operation: Operation, now: float) -> dict:
    out = {
        "id": (
            f"/subscriptions/{operation.subscription}/providers/Microsoft.ContainerInstance/locations/"
            f"{operation.location}/operations/{operation.id}"
        ),
        "name": operation.id,
        "startTime": iso(operation.started),
    }
    if now < operation.done:
        out["status"] = "InProgress"
        return out
    out["endTime"] = iso(operation.done)
    if operation.failure is not None:
        out["status"] = "Failed"
        out["error"] = dict(operation.failure)
    else:
        out["status"] = "Succeeded"
    return out

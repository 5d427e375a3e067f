"""Which changes ACI refuses to make to an existing container group in place.

A PUT to an existing group is an update: ACI restarts every container and keeps the group. Some
properties cannot change that way; ACI refuses the PUT and the group must be deleted and created
again. Microsoft Learn, "Update containers in Azure Container Instances"
(articles/container-instances/container-instances-update.md, section "Properties that require
container delete", revision of 2020-04-17 and later) lists:

- OS type
- CPU, memory, or GPU resources
- Restart policy
- Network profile (API 2023-05-01: ``subnetIds``, the subnets the group is deployed into)

(The page's 2018-2019 revision also listed ports; later revisions dropped them, and the service's own
message below names exactly the four above, so ports update in place here.)

The refusal's code and message are ACI's as users report them (MicrosoftDocs/azure-docs issues
#38067 and #31168): code ``InvalidContainerGroupUpdate``, message "The updates on container group
'NAME' are invalid. If you are going to update the RestartPolicy (old "OnFailure", new "Always") for a
container group, you must delete it first and then create a new one." The HTTP status is not quoted
in those reports; the emulator answers 409 Conflict, ACI's status for requests that conflict with a
group's current state (as ``ContainerGroupTransitioning``).
"""

from __future__ import annotations

import json
from typing import Any

from cloudorch_providers.azure.emulation.arm import ArmError

_RESOURCE_KEYS = ("cpu", "memoryInGB", "gpu")


def _resources(container: dict) -> dict[str, Any]:
    resources = (container.get("properties") or {}).get("resources") or {}
    out = {}
    for part in ("requests", "limits"):
        amounts = resources.get(part) or {}
        for key in _RESOURCE_KEYS:
            value = amounts.get(key)
            if value is not None:
                out[f"{part}.{key}"] = float(value) if isinstance(value, (int, float)) else value
    return out


def _subnets(props: dict) -> list[str]:
    return sorted((s.get("id") or "").lower() for s in props.get("subnetIds") or [])


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def immutable_changes(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """``(property, old, new)`` for each change ACI cannot make in place (``old``/``new``: the
    accepted ``properties`` of the stored group and of the PUT body)."""
    found = []
    for key, label in (("osType", "OsType"), ("restartPolicy", "RestartPolicy")):
        if (old.get(key) or "").lower() != (new.get(key) or "").lower():
            found.append((label, old.get(key), new.get(key)))
    if _subnets(old) != _subnets(new):
        found.append(("NetworkProfile", _subnets(old), _subnets(new)))
    before = {c["name"]: _resources(c) for c in old.get("containers") or []}
    for container in new.get("containers") or []:
        name = container["name"]
        if name in before and before[name] != _resources(container):
            found.append((f"Resources of container '{name}'", before[name], _resources(container)))
    return found


def check_update(name: str, old: dict, new: dict) -> None:
    """Raise ACI's ``InvalidContainerGroupUpdate`` when ``new`` changes what needs a new group."""
    changes = immutable_changes(old, new)
    if not changes:
        return
    what = ", ".join(f'{label} (old "{_show(before)}", new "{_show(after)}")' for label, before, after in changes)
    raise ArmError(
        409,
        "InvalidContainerGroupUpdate",
        f"The updates on container group '{name}' are invalid. If you are going to update the {what} for a "
        "container group, you must delete it first and then create a new one.",
    )

"""Reading the live app: the resource group, and the container groups that are the app's (carrying
its markers) or that bear a name the spec wants (to refuse a same-named group that is not ours).

Container groups are found by listing the resource group (one paged call) and then read one by one
with GET (in parallel), because only GET returns the instance view (container states, restart counts,
events) that status and plan need.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cloudorch.provider import Provider
from cloudorch_providers.azure.convert import REPLICA_TAG, SERVICE_TAG
from cloudorch_providers.azure.live.clients import Clients, azure_errors, error_code, is_not_found

OWNER, TOOL, TOOL_VALUE = Provider.ownership.owner_key, Provider.ownership.tool_key, Provider.ownership.tool_value
#: the replica count of the service when the group was last deployed or scaled (status reads it)
REPLICAS_TAG = "cloudorch-replicas"
CG_TYPE = "microsoft.containerinstance/containergroups"


def owned(tags: dict[str, str] | None, app: str) -> bool:
    """Whether a resource with these tags is ``app``'s (the kit's ownership markers)."""
    return Provider.ownership.owns(tags, app)


def tags_of(resource: dict[str, Any] | None) -> dict[str, str]:
    return dict((resource or {}).get("tags") or {})


def service_of(group: dict[str, Any]) -> str | None:
    return tags_of(group).get(SERVICE_TAG)


def replica_of(group: dict[str, Any]) -> int:
    """The replica index: the replica tag, else the name's numeric suffix, else 0."""
    for text in (tags_of(group).get(REPLICA_TAG), group.get("name", "").rsplit("-", 1)[-1]):
        if text and text.isdigit():
            return int(text)
    return 0


def props(group: dict[str, Any]) -> dict[str, Any]:
    return group.get("properties") or {}


def is_stopped(group: dict[str, Any]) -> bool:
    return (props(group).get("instanceView") or {}).get("state") == "Stopped"


@dataclass
class Live:
    resource_group: dict[str, Any] | None = None
    #: container group name -> its ARM JSON (GET): the app's groups and same-named strangers
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def owned_groups(self, app: str, services: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        wanted = None if services is None else set(services)
        return {n: g for n, g in self.groups.items()
                if owned(tags_of(g), app) and (wanted is None or service_of(g) in wanted)}


def read_resource_group(az: Clients, name: str) -> dict[str, Any] | None:
    from azure.core.exceptions import HttpResponseError

    with azure_errors(f"reading resource group {name}"):
        try:
            group = az.resources.resource_groups.get(name)
        except HttpResponseError as exc:
            if is_not_found(exc):
                return None
            raise
    state = getattr(group.properties, "provisioning_state", None) if group.properties else None
    if state == "Deleting":
        return None
    return {"name": group.name, "location": group.location, "tags": dict(group.tags or {}), "state": state}


def list_groups(az: Clients, resource_group: str) -> list[dict[str, Any]]:
    """Every container group in the resource group (ARM JSON, without instance views)."""
    from azure.core.exceptions import HttpResponseError

    with azure_errors(f"listing container groups in resource group {resource_group}"):
        try:
            return [g.serialize(keep_readonly=True)
                    for g in az.aci.container_groups.list_by_resource_group(resource_group)]
        except HttpResponseError as exc:
            if is_not_found(exc):
                return []
            raise


def get_group(az: Clients, resource_group: str, name: str) -> dict[str, Any] | None:
    from azure.core.exceptions import HttpResponseError

    with azure_errors(f"reading container group {name} in resource group {resource_group}"):
        try:
            return az.aci.container_groups.get(resource_group, name).serialize(keep_readonly=True)
        except HttpResponseError as exc:
            if is_not_found(exc):
                return None
            raise


def other_resources(az: Clients, resource_group: str, app: str, leaving: Iterable[str] = ()) -> list[str]:
    """``type/name`` of every resource in the resource group that is not this app's (its container
    groups and network resources carry its markers; ``leaving``: names of our groups about to be
    deleted, also left out)."""
    from azure.core.exceptions import HttpResponseError

    gone = set(leaving)
    found = []
    with azure_errors(f"listing the resources of resource group {resource_group}"):
        try:
            for resource in az.resources.resources.list_by_resource_group(resource_group):
                kind = (resource.type or "").lower()
                if owned(resource.tags, app) or (kind == CG_TYPE and resource.name in gone):
                    continue  # the app's own: container groups and its network's resources
                found.append(f"{resource.type}/{resource.name}")
        except HttpResponseError as exc:
            if error_code(exc)[0] == "ResourceGroupNotFound":
                return []
            raise  # never guess "empty": the group would be deleted with whatever it holds
    return found


def read_live(az: Clients, resource_group: str, app: str, wanted: Iterable[str] = (),
              services: Iterable[str] | None = None, details: bool = True) -> Live:
    """The resource group, plus every container group of ``app`` (of ``services`` only, when given)
    and every group named in ``wanted``, whoever owns it; read with GET (instance views included)
    unless ``details`` is False (then as listed)."""
    live = Live(read_resource_group(az, resource_group))
    if live.resource_group is None:
        return live
    wanted = set(wanted)
    service_set = None if services is None else set(services)
    listed = {g["name"]: g for g in list_groups(az, resource_group)
              if g.get("name") in wanted
              or (owned(tags_of(g), app) and (service_set is None or service_of(g) in service_set))}
    names = sorted(listed)
    if not details or not names:
        live.groups.update(listed)
        return live
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        for name, group in zip(names, pool.map(lambda n: get_group(az, resource_group, n), names), strict=True):
            if group is not None:
                live.groups[name] = group
    return live

"""Carrying out one planned Change: its steps (see :mod:`.plan`), in order, each waited for.

Secret placeholders in a PUT body are replaced by their values here, just before the body goes to
the SDK; the values are redacted from any error. Deletions of what is already gone succeed
(idempotent). A resource group is deleted only after checking again that nothing but this app's
resources is left in it.
"""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import Change
from cloudorch_providers.azure.live.clients import Clients, azure_errors, is_not_found
from cloudorch_providers.azure.live.network import apply_step, is_network_step
from cloudorch_providers.azure.live.resource_group import owners, retag
from cloudorch_providers.azure.live.secret_hash import TAG as SECRET_TAG
from cloudorch_providers.azure.live.secret_hash import tag_value
from cloudorch_providers.azure.live.secret_values import SecretValues, placeholders, substitute
from cloudorch_providers.azure.live.state import other_resources

_VERBS = {"put": "putting", "delete": "deleting", "tags": "tagging", "start": "starting", "stop": "stopping"}


def apply_change(az: Clients, resource_group: str, app: str, change: Change, secrets: SecretValues,
                 deadline: Deadline) -> None:
    for step in change.payload or []:
        operation, target = step[0], step[1]
        if is_network_step(step):
            apply_step(az, resource_group, app, step, deadline)
        elif operation == "create_rg":
            _create_resource_group(az, target, deadline)
        elif operation == "delete_rg":
            _delete_resource_group(az, target, app, deadline)
        elif operation == "rg_tags":
            retag(az, target, step[2], step[3])
        else:
            doing = f"{_VERBS[operation]} container group {target} in resource group {resource_group}"
            deadline.check(doing)
            _GROUP_STEPS[operation](az, resource_group, step, secrets, deadline, doing)


def _put(az: Clients, resource_group: str, step: tuple, secrets: SecretValues, deadline: Deadline,
         doing: str) -> None:
    from azure.mgmt.containerinstance.models import ContainerGroup

    _, name, body = step
    values = secrets.resolve(placeholders(body))
    if values:  # a keyed hash of the values, so the next plan sees a changed one (never the values)
        tags = body.get("tags", {})
        body = {**body, "tags": {**tags, SECRET_TAG: tag_value(values, tags.get(SECRET_TAG))}}
    model = ContainerGroup.deserialize(substitute(body, values))
    groups = az.aci.container_groups
    with azure_errors(doing, secrets.known()):
        poller = groups.begin_create_or_update(resource_group, name, model)
        az.wait(poller, doing, deadline, resume=lambda token: groups.begin_create_or_update(
            resource_group, name, model, continuation_token=token))


def _delete(az: Clients, resource_group: str, step: tuple, secrets: SecretValues, deadline: Deadline,
            doing: str) -> None:
    from azure.core.exceptions import HttpResponseError

    with azure_errors(doing):
        try:
            az.wait(az.aci.container_groups.begin_delete(resource_group, step[1]), doing, deadline)
        except HttpResponseError as exc:
            if not is_not_found(exc):  # the group (or its resource group) is gone already
                raise


def _tags(az: Clients, resource_group: str, step: tuple, secrets: SecretValues, deadline: Deadline,
          doing: str) -> None:
    from azure.mgmt.containerinstance.models import Resource

    with azure_errors(doing):
        az.aci.container_groups.update(resource_group, step[1], Resource(tags=step[2]))


def _start(az: Clients, resource_group: str, step: tuple, secrets: SecretValues, deadline: Deadline,
           doing: str) -> None:
    groups = az.aci.container_groups
    with azure_errors(doing):
        az.wait(groups.begin_start(resource_group, step[1]), doing, deadline,
                resume=lambda token: groups.begin_start(resource_group, step[1], continuation_token=token))


def _stop(az: Clients, resource_group: str, step: tuple, secrets: SecretValues, deadline: Deadline,
          doing: str) -> None:
    with azure_errors(doing):
        az.aci.container_groups.stop(resource_group, step[1])


_GROUP_STEPS: dict[str, Any] = {"put": _put, "delete": _delete, "tags": _tags, "start": _start, "stop": _stop}


def _create_resource_group(az: Clients, body: dict[str, Any], deadline: Deadline) -> None:
    name = body["name"]
    with azure_errors(f"creating resource group {name}"):
        deadline.check(f"creating resource group {name}")
        groups = az.resources.resource_groups
        if groups.check_existence(name):
            return  # created meanwhile (by someone else, perhaps): never retag it
        groups.create_or_update(name, {"location": body["location"], "tags": body["tags"]})


def _delete_resource_group(az: Clients, name: str, app: str, deadline: Deadline) -> None:
    from azure.core.exceptions import HttpResponseError

    tags = dict(az.resources.resource_groups.get(name).tags or {}) if az.resources.resource_groups.check_existence(
        name) else {}
    sharing = [o for o in owners(tags) if o != app]
    if sharing:  # another app joined since the plan: it keeps the group
        retag(az, name, app, "release")
        return
    others = other_resources(az, name, app)
    if others:
        raise ProviderError(f"kept resource group {name}: it now holds {len(others)} resources not managed by app "
                            f"{app!r} ({', '.join(others[:3])}); delete them first or keep the group")
    doing = f"deleting resource group {name}"
    with azure_errors(doing):
        deadline.check(doing)
        try:
            az.wait(az.resources.resource_groups.begin_delete(name), doing, deadline)
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

"""Resource groups in the ARM emulator (azure-mgmt-resource): PUT/GET/HEAD/PATCH/DELETE with
``Location`` polling of a deletion, the list, and the generic list of a group's resources. PUT
201/200, HEAD 204/404, DELETE 202 + ``Location`` (202 while deleting, then 200). Callers hold
``state.lock``."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from cloudorch_providers.azure.emulation.arm import ArmError, invalid_content, json_response, new_id
from cloudorch_providers.azure.emulation.handlers import _host, _live_resource_group, _page
from cloudorch_providers.azure.emulation.render import render_resource_group
from cloudorch_providers.azure.emulation.state import CG_TYPE, GroupDeletion, ResourceGroup, State
from cloudorch_providers.azure.emulation.validation import check_resource_group, check_resource_group_name, parse_json


def put_resource_group(state: State, request: Request, sub: str, rg: str) -> Response:
    check_resource_group_name(rg)
    accepted = check_resource_group(parse_json(request.get_data()))
    existing = state.resource_group(sub, rg)
    if existing is not None:
        if existing.deleting_until is not None:
            _live_resource_group(state, sub, rg, writing=True)
        if existing.location != accepted["location"]:
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{accepted['location']}'. The Resource group already "
                f"exists in location '{existing.location}'.",
            )
        existing.tags = accepted["tags"]
        existing.managed_by = accepted["managedBy"]
        return json_response(200, render_resource_group(existing))
    group = ResourceGroup(sub, rg, accepted["location"], accepted["tags"], accepted["managedBy"])
    state.resource_groups[state.rg_key(sub, rg)] = group
    return json_response(201, render_resource_group(group))


def get_resource_group(state: State, request: Request, sub: str, rg: str) -> Response:
    return json_response(200, render_resource_group(_live_resource_group(state, sub, rg)))


def head_resource_group(state: State, request: Request, sub: str, rg: str) -> Response:
    return json_response(204 if state.resource_group(sub, rg) is not None else 404)


def patch_resource_group(state: State, request: Request, sub: str, rg: str) -> Response:
    group = _live_resource_group(state, sub, rg, writing=True)
    body = parse_json(request.get_data()) or {}
    if not isinstance(body, dict):
        raise invalid_content("The request content must be a JSON object.")
    if body.get("tags") is not None:
        if not isinstance(body["tags"], dict):
            raise invalid_content("The property 'tags' must be an object.")
        group.tags = dict(body["tags"])
    return json_response(200, render_resource_group(group))


def delete_resource_group(state: State, request: Request, sub: str, rg: str) -> Response:
    group = _live_resource_group(state, sub, rg)
    now = state.now()
    if group.deleting_until is None:
        group.deleting_until = now + state.timing.delay
    operation_id = new_id()
    state.deletions[operation_id] = GroupDeletion(sub, state.rg_key(sub, rg), group.deleting_until)
    version = request.args.get("api-version", "")
    location = f"{_host(request)}/subscriptions/{sub}/operationresults/{operation_id}?api-version={version}"
    return json_response(202, None, {"Location": location, "Retry-After": "0"})


def list_resource_groups(state: State, request: Request, sub: str) -> Response:
    groups = [g for (s, _), g in sorted(state.resource_groups.items()) if s == sub.lower()]
    return json_response(200, _page(request, [render_resource_group(g) for g in groups], state.page_size))


def list_resources(state: State, request: Request, sub: str, rg: str) -> Response:
    """Resources - List By Resource Group: the generic view (id, name, type, location, tags) of every
    resource in the group: container groups, then network resources (private DNS record sets are parts
    of their zone, not resources)."""
    _live_resource_group(state, sub, rg)
    wanted = state.rg_key(sub, rg)
    items = []
    for key, group in sorted(state.container_groups.items()):
        if key[:2] == wanted:
            item = {"id": group.id, "name": group.name, "type": CG_TYPE, "location": group.location}
            if group.tags:
                item["tags"] = dict(group.tags)
            items.append(item)
    for key, resource in sorted(state.network.items()):
        if key[:2] == wanted and not resource.type.lower().endswith("/a"):  # record sets are no resources
            item = {"id": resource.id, "name": resource.name, "type": resource.type,
                    "location": resource.body.get("location")}
            if resource.body.get("tags"):
                item["tags"] = dict(resource.body["tags"])
            items.append(item)
    return json_response(200, _page(request, items, state.page_size))


def get_operation_result(state: State, request: Request, sub: str, op: str) -> Response:
    deletion = state.deletions.get(op)
    if deletion is None or deletion.subscription.lower() != sub.lower():
        raise ArmError(404, "OperationNotFound", f"The operation '{op}' could not be found.")
    if state.now() < deletion.done:
        return json_response(202, None, {"Location": request.url, "Retry-After": "0"})
    return json_response(200, None)

"""One function per ARM operation. Each takes the state, the werkzeug request and the path values,
and returns a werkzeug response or raises :class:`ArmError`. Callers hold ``state.lock``.

Status codes follow the 2023-05-01 REST reference and ARM:

- container group PUT: 201 (new) / 200 (replaced), body provisioningState Creating/Updating, with an
  absolute ``Azure-AsyncOperation`` URL and ``Retry-After: 0``; the operation reports InProgress until
  the group is provisioned, then Succeeded or Failed (``InaccessibleImage``).
- container group DELETE: 200 with the deleted group, 204 when there is none.
- start: 202 + ``Azure-AsyncOperation`` when stopped, 204 when already running or starting.
- restart: 204 + ``Azure-AsyncOperation`` (the poll completes when the containers run again).
- stop: 204, synchronous (not a long-running operation in the reference).
- resource group PUT 201/200, HEAD 204/404, DELETE 202 + ``Location`` (202 while deleting, then 200).
"""

from __future__ import annotations

from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from cloudorch_providers.azure.emulation.arm import (
    ArmError,
    group_not_found,
    invalid_content,
    json_response,
    new_id,
    not_found,
)
from cloudorch_providers.azure.emulation.lifecycle import Run, log_lines, pull_failure, render_logs
from cloudorch_providers.azure.emulation.render import (
    failure_message,
    render_container_group,
    render_operation,
    render_resource_group,
)
from cloudorch_providers.azure.emulation.state import (
    CG_TYPE,
    ContainerGroup,
    GroupDeletion,
    Operation,
    ResourceGroup,
    State,
)
from cloudorch_providers.azure.emulation.network_checks import join_network
from cloudorch_providers.azure.emulation.updates import check_update
from cloudorch_providers.azure.emulation.validation import (
    check_container_group,
    check_group_name,
    check_resource_group,
    check_resource_group_name,
    parse_json,
)

ACI_API_VERSION = "2023-05-01"


# -- helpers -----------------------------------------------------------------------------------------
def _host(request: Request) -> str:
    return request.host_url.rstrip("/")


def _page(request: Request, items: list[dict], page_size: int) -> dict:
    """ARM paging: ``value`` plus an absolute ``nextLink`` while more remain."""
    token = request.args.get("$skipToken") or "0"
    if not token.isdigit():
        raise invalid_content(f"The skip token '{token}' is invalid.")
    skip = int(token)
    out: dict = {"value": items[skip : skip + page_size]}
    if skip + page_size < len(items):
        args = request.args.to_dict()
        args["$skipToken"] = str(skip + page_size)
        out["nextLink"] = f"{request.base_url}?{urlencode(args)}"
    return out


def _live_resource_group(state: State, subscription: str, name: str, writing: bool = False) -> ResourceGroup:
    group = state.resource_group(subscription, name)
    if group is None:
        raise group_not_found(name)
    if writing and group.deleting_until is not None:
        raise ArmError(
            409,
            "ResourceGroupBeingDeleted",
            f"The resource group '{group.name}' is in deprovisioning state and cannot perform this operation.",
        )
    return group


def _container_group(state: State, sub: str, rg: str, name: str) -> ContainerGroup:
    _live_resource_group(state, sub, rg)
    group = state.container_group(sub, rg, name)
    if group is None:
        raise not_found(CG_TYPE, name, rg)
    return group


def _begin_operation(state: State, request: Request, group: ContainerGroup) -> dict[str, str]:
    """Record the operation that tracks ``group.run`` and return its polling headers."""
    failure = None
    if pull_failure(group.images()):
        failure = {"code": "InaccessibleImage", "message": failure_message(group)}
    operation = Operation(new_id(), group.subscription, group.location, group.run.started, group.run.ready, failure)
    state.operations[operation.id] = operation
    url = (
        f"{_host(request)}/subscriptions/{group.subscription}/providers/Microsoft.ContainerInstance/"
        f"locations/{group.location}/operations/{operation.id}?api-version={ACI_API_VERSION}"
    )
    return {"Azure-AsyncOperation": url, "Retry-After": "0"}


def _new_run(state: State, kind: str, now: float) -> Run:
    return Run(kind, now, now + state.timing.delay)


# -- resource groups ---------------------------------------------------------------------------------
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


# -- container groups --------------------------------------------------------------------------------
def put_container_group(state: State, request: Request, sub: str, rg: str, name: str) -> Response:
    resource_group = _live_resource_group(state, sub, rg, writing=True)
    body = parse_json(request.get_data())
    check_group_name(name)
    accepted = check_container_group(body)
    now = state.now()
    existing = state.container_group(sub, rg, name)
    if existing is not None and existing.location != accepted["location"]:
        raise ArmError(
            409,
            "InvalidResourceLocation",
            f"The resource '{name}' already exists in location '{existing.location}' in resource group "
            f"'{resource_group.name}'. A resource with the same name cannot be created in location "
            f"'{accepted['location']}'. Please select a new resource name.",
        )
    if existing is not None:
        check_update(name, existing.properties, accepted["properties"])
    group = ContainerGroup(
        subscription=sub if existing is None else existing.subscription,
        resource_group=resource_group.name,
        name=name,
        location=accepted["location"],
        tags=accepted["tags"],
        zones=accepted["zones"],
        identity=accepted["identity"],
        properties=accepted["properties"],
        run=_new_run(state, "create" if existing is None else "update", now),
        created=now if existing is None else existing.created,
    )
    join_network(state, group, existing)
    state.container_groups[(*state.rg_key(sub, rg), name)] = group
    headers = _begin_operation(state, request, group)
    return json_response(201 if existing is None else 200, render_container_group(group, state.timing, now), headers)


def get_container_group(state: State, request: Request, sub: str, rg: str, name: str) -> Response:
    group = _container_group(state, sub, rg, name)
    return json_response(200, render_container_group(group, state.timing, state.now()))


def patch_container_group(state: State, request: Request, sub: str, rg: str, name: str) -> Response:
    group = _container_group(state, sub, rg, name)
    body = parse_json(request.get_data()) or {}
    if not isinstance(body, dict) or not isinstance(body.get("tags", {}), dict):
        raise invalid_content("The request content must be a JSON object whose 'tags' is an object.")
    if body.get("tags") is not None:
        group.tags = dict(body["tags"])
    return json_response(200, render_container_group(group, state.timing, state.now()))


def delete_container_group(state: State, request: Request, sub: str, rg: str, name: str) -> Response:
    _live_resource_group(state, sub, rg)
    group = state.container_groups.pop((*state.rg_key(sub, rg), name), None)
    if group is None:
        return json_response(204)
    return json_response(200, render_container_group(group, state.timing, state.now()))


def list_container_groups(state: State, request: Request, sub: str, rg: str | None = None) -> Response:
    if rg is not None:
        _live_resource_group(state, sub, rg)
    now = state.now()
    wanted = (sub.lower(), rg.lower()) if rg is not None else None
    groups = [
        g
        for key, g in sorted(state.container_groups.items())
        if key[0] == sub.lower() and (wanted is None or key[:2] == wanted)
    ]
    items = [render_container_group(g, state.timing, now) for g in groups]
    return json_response(200, _page(request, items, state.page_size))


def container_group_action(state: State, request: Request, sub: str, rg: str, name: str, verb: str) -> Response:
    group = _container_group(state, sub, rg, name)
    now = state.now()
    if verb == "stop":
        if not group.run.is_stopped(now):
            group.run.stopped = now
        return json_response(204)
    if verb == "start" and not group.run.is_stopped(now):
        return json_response(204)  # already running or starting
    group.run = _new_run(state, verb, now)
    headers = _begin_operation(state, request, group)
    return json_response(202 if verb == "start" else 204, None, headers)


def get_logs(state: State, request: Request, sub: str, rg: str, name: str, container: str) -> Response:
    group = _container_group(state, sub, rg, name)
    spec = next((c for c in group.properties["containers"] if c["name"] == container), None)
    if spec is None:
        raise ArmError(
            404,
            "ContainerNotFound",
            f"The container '{container}' could not be found in container group '{name}'.",
        )
    tail_arg = request.args.get("tail")
    if tail_arg is not None and not tail_arg.lstrip("-").isdigit():
        raise invalid_content(f"The query parameter 'tail' must be an integer, not '{tail_arg}'.")
    timestamps = request.args.get("timestamps", "false").lower() == "true"
    lines = log_lines(
        container,
        spec["properties"]["image"],
        group.properties["restartPolicy"],
        group.run,
        state.timing,
        state.now(),
    )
    tail = int(tail_arg) if tail_arg is not None else None
    return json_response(200, {"content": render_logs(lines, tail, timestamps)})


def get_operation(state: State, request: Request, sub: str, location: str, op: str) -> Response:
    operation = state.operations.get(op)
    if operation is None or operation.subscription.lower() != sub.lower():
        raise ArmError(404, "OperationNotFound", f"The operation '{op}' could not be found.")
    return json_response(200, render_operation(operation, state.now()))

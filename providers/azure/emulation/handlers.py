"""One function per container instance operation (resource groups: :mod:`.resource_groups`, network
resources: :mod:`.network`). Each takes the state, the werkzeug request and the path values, and
returns a werkzeug response or raises :class:`ArmError`. Callers hold ``state.lock``.

Status codes follow the 2023-05-01 REST reference and ARM:

- container group PUT: 201 (new) / 200 (replaced), body provisioningState Creating/Updating, with an
  absolute ``Azure-AsyncOperation`` URL and ``Retry-After: 0``; the operation reports InProgress until
  the group is provisioned, then Succeeded or Failed (``InaccessibleImage``).
- container group DELETE: 200 with the deleted group, 204 when there is none.
- start: 202 + ``Azure-AsyncOperation`` when stopped, 204 when already running or starting.
- restart: 204 + ``Azure-AsyncOperation`` (the poll completes when the containers run again).
- stop: 204, synchronous (not a long-running operation in the reference).
"""

from __future__ import annotations

from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from cloudorch_providers.azure.emulation import completion
from cloudorch_providers.azure.emulation.arm import (
    ArmError,
    group_not_found,
    invalid_content,
    json_response,
    new_id,
    not_found,
)
from cloudorch_providers.azure.emulation.lifecycle import Run, pull_failure, render_logs
from cloudorch_providers.azure.emulation.network_checks import join_network
from cloudorch_providers.azure.emulation.render import (
    failure_message,
    render_container_group,
    render_operation,
)
from cloudorch_providers.azure.emulation.state import (
    CG_TYPE,
    ContainerGroup,
    Operation,
    ResourceGroup,
    State,
)
from cloudorch_providers.azure.emulation.updates import check_update
from cloudorch_providers.azure.emulation.validation import (
    check_container_group,
    check_group_name,
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
    lines = completion.log_lines(
        container,
        spec,
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

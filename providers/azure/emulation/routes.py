"""The ARM URL space the emulator serves, and the action name of each request.

ARM matches the fixed words of a path case-insensitively (azure-mgmt-resource sends ``resourcegroups``,
azure-mgmt-containerinstance ``resourceGroups``) while names keep their case. ARM paths alternate
``word/{value}``, so :func:`canonical_path` lowercases the words (even positions) and the namespace
after ``providers``, and leaves the values alone.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

_RG = "/subscriptions/<sub>/resourcegroups/<rg>"
_CG = f"{_RG}/providers/microsoft.containerinstance/containergroups"
_NET = f"{_RG}/providers/microsoft.network"
_TOP = "virtualnetworks, publicipaddresses, applicationgateways, privatednszones"
_ZONE = f"{_NET}/privatednszones/<zone>"
#: lowercased URL word -> the name of the resource type in action names
_TYPE_NAMES = {"virtualnetworks": "virtualNetworks", "publicipaddresses": "publicIPAddresses",
               "applicationgateways": "applicationGateways", "privatednszones": "privateDnsZones",
               "virtualnetworklinks": "privateDnsZones/virtualNetworkLinks", "a": "privateDnsZones/A",
               "all": "privateDnsZones/ALL"}

URL_MAP = Map(
    [
        Rule("/subscriptions/<sub>/resourcegroups", endpoint="resource_groups", methods=["GET"]),
        Rule(_RG, endpoint="resource_group", methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"]),
        Rule(f"{_RG}/resources", endpoint="resources", methods=["GET"]),
        Rule("/subscriptions/<sub>/operationresults/<op>", endpoint="operation_result", methods=["GET"]),
        Rule(
            "/subscriptions/<sub>/providers/microsoft.containerinstance/containergroups",
            endpoint="container_groups",
            methods=["GET"],
        ),
        Rule(
            "/subscriptions/<sub>/providers/microsoft.containerinstance/locations/<location>/operations/<op>",
            endpoint="operation",
            methods=["GET"],
        ),
        Rule(_CG, endpoint="container_groups", methods=["GET"]),
        Rule(f"{_CG}/<name>", endpoint="container_group", methods=["GET", "PUT", "PATCH", "DELETE"]),
        Rule(
            f"{_CG}/<name>/<any(start, stop, restart):verb>",
            endpoint="container_group_action",
            methods=["POST"],
        ),
        Rule(f"{_CG}/<name>/containers/<container>/logs", endpoint="logs", methods=["GET"]),
        Rule(f"{_CG}/<name>/containers/<container>/exec", endpoint="exec", methods=["POST"]),
        Rule(f"{_NET}/<any({_TOP}):kind>", endpoint="network_resources", methods=["GET"]),
        Rule(f"{_NET}/<any({_TOP}):kind>/<name>", endpoint="network_resource", methods=["GET", "PUT", "DELETE"]),
        Rule(f"{_ZONE}/<any(virtualnetworklinks, a, all):child>", endpoint="dns_children", methods=["GET"]),
        Rule(f"{_ZONE}/<any(virtualnetworklinks, a):child>/<name>", endpoint="dns_child",
             methods=["GET", "PUT", "DELETE"]),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

_ADAPTER = URL_MAP.bind("localhost")
MUTATING_METHODS = frozenset({"PUT", "PATCH", "DELETE", "POST"})


def canonical_path(path: str) -> str:
    parts = path.strip("/").split("/")
    for index, part in enumerate(parts):
        if index % 2 == 0 or (index > 0 and parts[index - 1].lower() == "providers"):
            parts[index] = part.lower()
    return "/" + "/".join(parts)


def match(path: str, method: str) -> tuple[str, dict[str, str]]:
    """``(endpoint, values)``; raises werkzeug's NotFound / MethodNotAllowed."""
    endpoint, values = _ADAPTER.match(canonical_path(path), method=method)
    return endpoint, values


def action_of(method: str, path: str) -> tuple[str, bool]:
    """The request log / fault-matching name of a request, and whether it mutates state."""
    method = method.upper()
    try:
        endpoint, values = match(path, method)
    except HTTPException:
        return f"{method} unknown", False
    if endpoint == "resource_groups":
        action = "LIST resourceGroups"
    elif endpoint == "resource_group":
        action = f"{method} resourceGroups"
    elif endpoint == "resources":
        action = "LIST resources"
    elif endpoint == "operation_result":
        action = "GET operationResults"
    elif endpoint == "container_groups":
        action = "LIST containerGroups"
    elif endpoint == "container_group":
        action = f"{method} containerGroups"
    elif endpoint == "container_group_action":
        action = f"POST containerGroups/{values['verb']}"
    elif endpoint == "logs":
        action = "GET logs"
    elif endpoint == "exec":
        action = "POST containers/exec"
    elif endpoint in ("network_resources", "dns_children"):
        action = f"LIST {_TYPE_NAMES[values.get('kind') or values['child']]}"
    elif endpoint in ("network_resource", "dns_child"):
        action = f"{method} {_TYPE_NAMES[values.get('kind') or values['child']]}"
    else:
        action = "GET operations"
    return action, method in MUTATING_METHODS

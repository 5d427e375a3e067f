"""An Azure Resource Manager emulator for Azure Container Instances, over real HTTPS.

It speaks the REST API that azure-mgmt-containerinstance 10.1 (api-version 2023-05-01),
azure-mgmt-network 33 and azure-mgmt-privatedns 2 (virtual networks, public IPs, application gateways,
private DNS zones, their links and A record sets: ``cloudorch_providers.azure.emulation.network``) and
azure-mgmt-resource's ResourceManagementClient send: container groups (PUT/GET/PATCH/DELETE, lists with
paging, start/stop/restart, container logs, ``Azure-AsyncOperation`` polling), resource groups
(PUT/GET/HEAD/PATCH/DELETE with ``Location`` polling, list) and the generic list of a resource group's
resources (``Resources - List By Resource Group``, which cloudorch reads before deleting a group).
See ``cloudorch_providers.azure.emulation`` for the pieces; the simulated lifecycle is described in
``cloudorch_providers.azure.emulation.lifecycle``.

Serve it with ``cloudorch.sandbox.server.serve(AzureEmulator(), cert_dir=...)`` and point the SDK at
it with ``base_url=url, connection_verify=ca_cert`` and any bearer token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch_providers.azure.emulation import exec as exec_bridge
from cloudorch_providers.azure.emulation import handlers, network, resource_groups, routes
from cloudorch_providers.azure.emulation.arm import JSON, ArmError, error_body, error_response, new_id
from cloudorch_providers.azure.emulation.lifecycle import Timing
from cloudorch_providers.azure.emulation.state import State

#: the container instance api-versions whose shapes this emulator speaks
ACI_API_VERSIONS = frozenset({handlers.ACI_API_VERSION})
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$")
_ACI_ENDPOINTS = frozenset({"container_groups", "container_group", "container_group_action", "logs", "exec"})

_HANDLERS: dict[tuple[str, str], Callable[..., Response]] = {
    ("resource_groups", "GET"): resource_groups.list_resource_groups,
    ("resource_group", "PUT"): resource_groups.put_resource_group,
    ("resource_group", "GET"): resource_groups.get_resource_group,
    ("resource_group", "HEAD"): resource_groups.head_resource_group,
    ("resource_group", "PATCH"): resource_groups.patch_resource_group,
    ("resource_group", "DELETE"): resource_groups.delete_resource_group,
    ("resources", "GET"): resource_groups.list_resources,
    ("operation_result", "GET"): resource_groups.get_operation_result,
    ("container_groups", "GET"): handlers.list_container_groups,
    ("container_group", "PUT"): handlers.put_container_group,
    ("container_group", "GET"): handlers.get_container_group,
    ("container_group", "PATCH"): handlers.patch_container_group,
    ("container_group", "DELETE"): handlers.delete_container_group,
    ("container_group_action", "POST"): handlers.container_group_action,
    ("logs", "GET"): handlers.get_logs,
    ("exec", "POST"): exec_bridge.execute_command,
    ("operation", "GET"): handlers.get_operation,
    ("network_resources", "GET"): network.list_resources,
    ("network_resource", "PUT"): network.put_resource,
    ("network_resource", "GET"): network.get_resource,
    ("network_resource", "DELETE"): network.delete_resource,
    ("dns_children", "GET"): network.list_children,
    ("dns_child", "PUT"): network.put_child,
    ("dns_child", "GET"): network.get_child,
    ("dns_child", "DELETE"): network.delete_child,
}


class AzureEmulator(Emulator):
    """ARM for Microsoft.ContainerInstance/containerGroups and Microsoft.Resources/resourceGroups.

    :param delay: seconds from a PUT / start / restart until the group is provisioned and its
        containers run (the long-running operation completes then); also how long a resource group
        deletion takes.
    :param log_interval: seconds between the log lines a running container writes.
    :param crash_interval: seconds between restarts of a ``crashloop`` image.
    :param page_size: items per page of list operations (``nextLink`` beyond).
    :param clock: the time source (inject a fake one for step-by-step tests).
    """

    name = "azure"
    tls = True

    def __init__(
        self,
        *,
        delay: float = 0.5,
        log_interval: float = 0.5,
        crash_interval: float = 1.0,
        page_size: int = 100,
        clock: Callable[[], float] = time.time,
    ):
        if delay < 0 or log_interval <= 0 or crash_interval <= 0 or page_size < 1:
            raise ValueError("delay must be >= 0; log_interval, crash_interval and page_size must be > 0")
        self.state = State(Timing(delay, log_interval, crash_interval), clock, page_size)

    # -- Emulator interface -------------------------------------------------------------------------
    def wsgi_app(self) -> WSGIApp:
        return self._app

    def classify(self, environ: dict) -> tuple[str, bool]:
        return routes.action_of(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""))

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        return error_body(code, message), JSON

    def reset(self) -> None:
        self.state.reset()

    def resolve(self, resource_group: str, group: str, host: str, subscription: str | None = None) -> list[str]:
        """What ``host`` resolves to inside container group ``group`` (its A records; [] when nothing
        answers), as Azure's DNS would answer there: see :func:`.emulation.network.resolve`."""
        with self.state.lock:
            if subscription is None:
                subscription = next((k[0] for k in self.state.container_groups
                                     if k[1:] == (resource_group.lower(), group)), "")
            return network.resolve(self.state, subscription, resource_group, group, host)

    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        return {"url": url, "ca_cert": ca_cert}

    # -- serving ------------------------------------------------------------------------------------
    def _app(self, environ, start_response):
        bridge = exec_bridge.serve_bridge(environ, start_response)  # exec WebSockets: the password is the key
        if bridge is not None:
            return bridge(environ, start_response)
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except ArmError as exc:
            response = error_response(exc)
        response.headers["x-ms-request-id"] = new_id()
        response.headers["x-ms-correlation-request-id"] = request.headers.get("x-ms-correlation-request-id", new_id())
        if "x-ms-client-request-id" in request.headers:
            response.headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        _authenticate(request)
        method = request.method.upper()
        try:
            endpoint, values = routes.match(request.path, method)
        except NotFound:
            raise ArmError(
                404, "InvalidResourceType", f"The emulator serves no resource at '{request.path}'."
            ) from None
        except MethodNotAllowed:
            raise ArmError(
                405, "MethodNotAllowed", f"The method '{method}' is not allowed on '{request.path}'."
            ) from None
        _check_api_version(request, endpoint)
        handler = _HANDLERS.get((endpoint, method)) or _HANDLERS[(endpoint, "GET")]  # HEAD -> GET
        with self.state.lock:
            self.state.sweep(self.state.now())
            return handler(self.state, request, **values)


def _authenticate(request: Request) -> None:
    header = request.headers.get("Authorization")
    if not header:
        raise ArmError(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            {
                "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", '
                'error="invalid_token", error_description="The authentication failed because '
                "of missing 'Authorization' header.\""
            },
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ArmError(
            401,
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        )


def _check_api_version(request: Request, endpoint: str) -> None:
    version = request.args.get("api-version")
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if not _API_VERSION.match(version):
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid: use the form YYYY-MM-DD[-preview].",
        )
    if endpoint in _ACI_ENDPOINTS and version not in ACI_API_VERSIONS:
        raise ArmError(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for API version '{version}' and type "
            f"'containerGroups'. The supported api-versions are '{', '.join(sorted(ACI_API_VERSIONS))}'.",
        )

"""The reference cloud's client (its "SDK"): the HTTP API of :mod:`cloudorch.testing.reference_emulator`
with the same methods as the in-process :class:`~cloudorch.testing.reference_cloud.ReferenceCloud`, and
the error table that translates its errors for the core (:mod:`cloudorch.live.errors`)."""

from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
from typing import Any

from cloudorch.live.errors import ErrorTable, Kind, Rule
from cloudorch.testing.reference_cloud import CloudError


class HttpCloud:
    """One call per method, each with the timeout it is given (from the command's deadline); errors
    are raised as the cloud's :class:`CloudError` (HTTP status, code, message) or urllib's own."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url.rstrip("/"), timeout

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Content-Type": "application/json"},
            data=None if body is None and method == "GET" else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}").get("error", {})
            except ValueError:
                error = {}
            raise CloudError(exc.code, error.get("code", "Unknown"), error.get("message", str(exc.reason))) from None

    def list_services(self, app):
        return self.call("GET", f"/apps/{app}/services")["services"]

    def put_service(self, app, name, body, tags, replicas):
        return self.call("PUT", f"/apps/{app}/services/{name}", {"body": body, "tags": tags, "replicas": replicas})

    def set_replicas(self, app, name, replicas):
        return self.call("PUT", f"/apps/{app}/services/{name}/replicas", {"replicas": replicas})

    def set_autoscaler(self, app, name, policy):
        return self.call("PUT", f"/apps/{app}/services/{name}/autoscaler", policy)

    def restart_service(self, app, name):
        return self.call("POST", f"/apps/{app}/services/{name}/restart", {})

    def revisions(self, app, name):
        return self.call("GET", f"/apps/{app}/services/{name}/revisions")["revisions"]

    def rollback(self, app, name, revision):
        return self.call("POST", f"/apps/{app}/services/{name}/rollback", {"revision": revision})

    def delete_service(self, app, name):
        return self.call("DELETE", f"/apps/{app}/services/{name}")

    def logs(self, app, services, since=None):
        query = f"services={','.join(services)}" + (f"&since={since}" if since is not None else "")
        return self.call("GET", f"/apps/{app}/logs?{query}")["lines"]

    def put_secret(self, name, value):
        return self.call("PUT", f"/secrets/{name}", {"value": value})

    def list_secrets(self):
        return self.call("GET", "/secrets")["secrets"]


@functools.cache
def table() -> ErrorTable:
    """What the reference cloud's errors mean (the kit decides how they are reported)."""
    return ErrorTable("reference cloud", [
        Rule(Kind.UNREACHABLE, types=(urllib.error.URLError, TimeoutError, ConnectionError),
             hint="check providers.reference.endpoint, or use --sandbox"),
        Rule(Kind.THROTTLED, types=(CloudError,), codes={429}),
        Rule(Kind.UNAVAILABLE, types=(CloudError,), when=lambda exc: exc.status >= 500),
        Rule(Kind.NOT_FOUND, types=(CloudError,), codes={404}),
        Rule(Kind.CONFLICT, types=(CloudError,), codes={409}),
        Rule(Kind.INVALID, types=(CloudError,), codes={400}),
        Rule(Kind.OTHER, types=(CloudError,)),
    ], code=lambda exc: exc.status, message=lambda exc: getattr(exc, "message", None) or str(exc))

"""The reference cloud's HTTP API, served by the sandbox like any cloud emulator.

Routes (JSON in and out; errors are ``{"error": {"code", "message"}}`` with the HTTP status):

- ``GET    /apps/{app}/services``                    -> ``{"services": [...]}``
- ``PUT    /apps/{app}/services/{name}``             <- ``{"body", "tags", "replicas"}``
- ``PUT    /apps/{app}/services/{name}/replicas``    <- ``{"replicas": N}``
- ``PUT    /apps/{app}/services/{name}/autoscaler``  <- ``{"min", "max", "cpu_percent"}`` or ``null``
- ``POST   /apps/{app}/services/{name}/restart``
- ``DELETE /apps/{app}/services/{name}``
- ``GET    /apps/{app}/logs?services=a,b&since=UNIX``  -> ``{"lines": [...]}``
- ``PUT    /secrets/{name}``                         <- ``{"value": "..."}``;  ``GET /secrets`` -> names
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch.testing.reference_cloud import CloudError, ReferenceCloud

ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("GET", re.compile(r"^/apps/([^/]+)/services$"), "ListServices"),
    ("PUT", re.compile(r"^/apps/([^/]+)/services/([^/]+)$"), "PutService"),
    ("PUT", re.compile(r"^/apps/([^/]+)/services/([^/]+)/replicas$"), "SetReplicas"),
    ("PUT", re.compile(r"^/apps/([^/]+)/services/([^/]+)/autoscaler$"), "SetAutoscaler"),
    ("POST", re.compile(r"^/apps/([^/]+)/services/([^/]+)/restart$"), "RestartService"),
    ("DELETE", re.compile(r"^/apps/([^/]+)/services/([^/]+)$"), "DeleteService"),
    ("GET", re.compile(r"^/apps/([^/]+)/services/([^/]+)/revisions$"), "ListRevisions"),
    ("POST", re.compile(r"^/apps/([^/]+)/services/([^/]+)/rollback$"), "RollbackService"),
    ("GET", re.compile(r"^/apps/([^/]+)/logs$"), "GetLogs"),
    ("PUT", re.compile(r"^/secrets/([^/]+)$"), "PutSecret"),
    ("GET", re.compile(r"^/secrets$"), "ListSecrets"),
]


def route(method: str, path: str) -> tuple[str, tuple[str, ...]]:
    for verb, pattern, action in ROUTES:
        match = pattern.match(path)
        if match and verb == method:
            return action, match.groups()
    return "", ()


class ReferenceEmulator(Emulator):
    name = "reference"

    def __init__(self, **options: Any):
        self.cloud = ReferenceCloud(**options)

    def classify(self, environ: dict) -> tuple[str, bool]:
        action, _ = route(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        return f"reference:{action or 'Unknown'}", environ["REQUEST_METHOD"] != "GET"

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        return json.dumps({"error": {"code": code, "message": message}}).encode(), "application/json"

    def reset(self) -> None:
        self.cloud.reset()

    def wsgi_app(self) -> WSGIApp:
        def app(environ, start_response):
            status, payload = self.handle(environ)
            body = json.dumps(payload).encode()
            start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        return app

    def handle(self, environ: dict) -> tuple[int, Any]:
        action, args = route(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            data = json.loads(environ["wsgi.input"].read(length) or b"null") if length else None
        except ValueError:
            return 400, {"error": {"code": "BadRequest", "message": "the body is not JSON"}}
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        cloud = self.cloud
        try:
            if action == "ListServices":
                return 200, {"services": cloud.list_services(*args)}
            if action == "PutService":
                return 200, cloud.put_service(*args, data["body"], data.get("tags", {}), int(data["replicas"]))
            if action == "SetReplicas":
                return 200, cloud.set_replicas(*args, int(data["replicas"]))
            if action == "SetAutoscaler":
                return 200, cloud.set_autoscaler(*args, data)
            if action == "RestartService":
                return 200, cloud.restart_service(*args)
            if action == "ListRevisions":
                return 200, {"revisions": cloud.revisions(*args)}
            if action == "RollbackService":
                return 200, cloud.rollback(*args, int(data["revision"]))
            if action == "DeleteService":
                return 200, cloud.delete_service(*args)
            if action == "GetLogs":
                services = [s for s in query.get("services", "").split(",") if s]
                since = float(query["since"]) if query.get("since") else None
                return 200, {"lines": cloud.logs(*args, services, since)}
            if action == "PutSecret":
                return 200, cloud.put_secret(*args, str(data["value"]))
            if action == "ListSecrets":
                return 200, {"secrets": cloud.list_secrets()}
        except CloudError as exc:
            return exc.status, {"error": {"code": exc.code, "message": exc.message}}
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"error": {"code": "BadRequest", "message": f"malformed request: {exc}"}}
        return 404, {"error": {"code": "NotFound", "message": f"no route {environ['REQUEST_METHOD']} "
                                                              f"{environ.get('PATH_INFO', '')}"}}

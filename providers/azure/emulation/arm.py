"""ARM conventions shared by every handler: the error type and body, timestamps, JSON replies."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from werkzeug.wrappers import Response

JSON = "application/json; charset=utf-8"


class ArmError(Exception):
    """An error ARM answers with ``{"error": {"code", "message"}}`` and an HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def json_response(status: int, payload: Any = None, headers: dict[str, str] | None = None) -> Response:
    """A JSON reply; ``payload=None`` gives an empty body (204, HEAD, 202 without content)."""
    if payload is None:
        response = Response(b"", status=status)
        response.headers.remove("Content-Type")
    else:
        response = Response(json.dumps(payload).encode(), status=status, content_type=JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(exc: ArmError) -> Response:
    response = Response(error_body(exc.code, exc.message), status=exc.status, content_type=JSON)
    for name, value in exc.headers.items():
        response.headers[name] = value
    return response


def iso(timestamp: float) -> str:
    """ISO 8601 UTC with microseconds, as ARM writes times."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    return str(uuid.uuid4())


def not_found(kind: str, name: str, resource_group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{kind}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def group_not_found(resource_group: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")


def invalid_content(message: str) -> ArmError:
    return ArmError(400, "InvalidRequestContent", message)

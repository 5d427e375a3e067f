"""What the SDK never sends but ARM answers: raw HTTPS requests for auth, api-version, bad JSON, LRO
headers and paths the emulator does not serve."""

from __future__ import annotations

import pytest

API = {"api-version": "2023-05-01"}


@pytest.fixture
def cg_path(resources, subscription, rg) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups"


def _body(image: str = "nginx") -> dict:
    return {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "containers": [
                {"name": "web", "properties": {"image": image, "resources": {"requests": {"cpu": 1, "memoryInGB": 1}}}}
            ],
        },
    }


def _error(reply) -> tuple[int, str]:
    return reply.status_code, reply.json()["error"]["code"]


def test_requests_without_a_bearer_token_are_unauthorized(running, arm, cg_path):
    import requests

    reply = requests.get(f"{running.url}{cg_path}", params=API, verify=running.ca_cert, timeout=5)
    assert _error(reply) == (401, "AuthenticationFailed")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer ")
    assert _error(arm("GET", cg_path, params=API, headers={"Authorization": "Basic abc"})) == (
        401,
        "AuthenticationFailedInvalidHeader",
    )


def test_api_version_is_required_and_checked(arm, cg_path):
    assert _error(arm("GET", cg_path)) == (400, "MissingApiVersionParameter")
    assert _error(arm("GET", cg_path, params={"api-version": "latest"})) == (400, "InvalidApiVersionParameter")
    assert _error(arm("GET", cg_path, params={"api-version": "2019-12-01"})) == (400, "NoRegisteredProviderFound")


def test_invalid_json_and_non_object_bodies(arm, cg_path):
    headers = {"Content-Type": "application/json"}
    for raw in (b"{not json", b"[1, 2]", b""):
        reply = arm("PUT", f"{cg_path}/web", params=API, data=raw, headers=headers)
        assert _error(reply) == (400, "InvalidRequestContent"), raw


def test_put_answers_201_then_200_with_an_absolute_async_operation_url(running, arm, cg_path):
    created = arm("PUT", f"{cg_path}/web", params=API, json=_body())
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Creating"
    assert created.headers["Retry-After"] == "0"
    operation_url = created.headers["Azure-AsyncOperation"]
    assert operation_url.startswith(f"{running.url}/subscriptions/")
    status = arm("GET", operation_url[len(running.url) :]).json()
    assert status["status"] in ("InProgress", "Succeeded")

    updated = arm("PUT", f"{cg_path}/web", params=API, json=_body("nginx:2"))
    assert updated.status_code == 200
    assert updated.json()["properties"]["provisioningState"] == "Updating"


def test_paths_are_case_insensitive_like_arm(arm, subscription, rg, cg_path):
    arm("PUT", f"{cg_path}/web", params=API, json=_body()).raise_for_status()
    shouted = (
        f"/SUBSCRIPTIONS/{subscription}/RESOURCEGROUPS/{rg.upper()}"
        "/PROVIDERS/microsoft.containerinstance/CONTAINERGROUPS/web"
    )
    assert arm("GET", shouted, params=API).json()["name"] == "web"


def test_unknown_paths_and_methods(arm, subscription, cg_path):
    assert _error(arm("GET", f"/subscriptions/{subscription}/providers/Microsoft.Nope/things", params=API))[0] == 404
    assert _error(arm("POST", f"{cg_path}/web", params=API)) == (405, "MethodNotAllowed")
    assert _error(arm("POST", f"{cg_path}/missing/restart", params=API)) == (404, "ResourceNotFound")


def test_tail_must_be_an_integer(arm, cg_path):
    arm("PUT", f"{cg_path}/web", params=API, json=_body()).raise_for_status()
    reply = arm("GET", f"{cg_path}/web/containers/web/logs", params={**API, "tail": "ten"})
    assert _error(reply) == (400, "InvalidRequestContent")

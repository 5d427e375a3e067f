"""The reference cloud's HTTP API as the sandbox serves it: routes, cloud-shaped errors, the request
log's action names and fault injection (through the admin middleware, like every emulator)."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from cloudorch.sandbox.emulator import AdminMiddleware
from cloudorch.testing.reference_emulator import ReferenceEmulator


@pytest.fixture
def client():
    return Client(AdminMiddleware(ReferenceEmulator(start_delay=0.0)))


def test_a_service_is_created_listed_and_deleted(client):
    reply = client.put("/apps/shop/services/web", json={"body": {"image": "nginx:1.27.2"}, "tags": {"k": "v"},
                                                        "replicas": 2})
    assert reply.status_code == 200 and reply.json["revision"] == 1
    (listed,) = client.get("/apps/shop/services").json["services"]
    assert listed["tags"] == {"k": "v"} and [r["state"] for r in listed["replicas"]] == ["running", "running"]
    assert client.delete("/apps/shop/services/web").status_code == 200
    missing = client.delete("/apps/shop/services/web")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "NotFound"


def test_bad_requests_get_a_cloud_shaped_error(client):
    reply = client.put("/apps/shop/services/web", json={"body": {}, "tags": {}, "replicas": 1})
    assert reply.status_code == 400 and reply.json["error"] == {
        "code": "InvalidParameter", "message": "service shop/web: image is required"}
    assert client.put("/apps/shop/services/web", json={"tags": {}}).json["error"]["code"] == "BadRequest"
    assert client.get("/nowhere").status_code == 404


def test_request_log_names_actions_and_faults_hit_them(client):
    client.post("/_cloudorch/faults", json={"match": "reference:ListServices", "status": 503, "count": 1})
    assert client.get("/apps/shop/services").status_code == 503
    assert client.get("/apps/shop/services").status_code == 200
    client.put("/secrets/token", json={"value": "s3cret"})
    log = client.get("/_cloudorch/requests").json["requests"]
    assert [(r["action"], r["mutating"], r["status"]) for r in log] == [
        ("reference:ListServices", False, 503), ("reference:ListServices", False, 200),
        ("reference:PutSecret", True, 200)]
    assert json.loads(client.get("/secrets").data) == {"secrets": ["token"]}

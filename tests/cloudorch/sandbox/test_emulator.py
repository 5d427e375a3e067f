"""The admin endpoint every emulator gets: health, request log, faults, reset."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from cloudorch.sandbox.emulator import Emulator
from cloudorch.sandbox.server import serve


class EchoEmulator(Emulator):
    name = "echo"

    def __init__(self):
        self.resets = 0

    def wsgi_app(self):
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [environ["PATH_INFO"].encode()]
        return app

    def classify(self, environ):
        return f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}", environ["REQUEST_METHOD"] != "GET"

    def error_response(self, status, code, message):
        return json.dumps({"code": code, "message": message}).encode(), "application/json"

    def reset(self):
        self.resets += 1


def call(url: str, method: str = "GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


@pytest.fixture
def running():
    r = serve(EchoEmulator())
    yield r
    r.stop()


def test_requests_are_logged_with_action_and_mutation(running):
    call(f"{running.url}/things")
    call(f"{running.url}/things", "POST", {})
    status, body, _ = call(f"{running.url}/_cloudorch/requests")
    log = json.loads(body)["requests"]
    assert [(r["action"], r["mutating"], r["status"]) for r in log] == [
        ("GET /things", False, 200), ("POST /things", True, 200)]
    call(f"{running.url}/_cloudorch/requests", "DELETE")
    assert json.loads(call(f"{running.url}/_cloudorch/requests")[1])["requests"] == []


def test_faults_answer_in_the_clouds_shape_then_clear(running):
    call(f"{running.url}/_cloudorch/faults", "POST",
         {"match": "POST /things", "status": 429, "count": 2, "code": "Throttled", "retry_after": 1})
    first = call(f"{running.url}/things", "POST", {})
    assert first[0] == 429 and json.loads(first[1]) == {"code": "Throttled", "message": "injected fault"}
    assert first[2]["Retry-After"] == "1"
    assert call(f"{running.url}/things")[0] == 200, "other actions are not matched"
    assert call(f"{running.url}/things", "POST", {})[0] == 429
    assert call(f"{running.url}/things", "POST", {})[0] == 200, "count is honoured"


def test_bad_fault_rule_is_refused(running):
    status, body, _ = call(f"{running.url}/_cloudorch/faults", "POST", {"nope": 1})
    assert status == 400 and b"bad fault rule" in body


def test_reset_clears_emulator_log_and_faults(running):
    call(f"{running.url}/_cloudorch/faults", "POST", {"match": "x", "count": -1})
    call(f"{running.url}/things")
    assert call(f"{running.url}/_cloudorch/reset", "POST", {})[0] == 200
    assert running.emulator.resets == 1
    assert json.loads(call(f"{running.url}/_cloudorch/requests")[1])["requests"] == []
    assert json.loads(call(f"{running.url}/_cloudorch/faults")[1])["faults"] == []


def test_health(running):
    assert json.loads(call(f"{running.url}/_cloudorch/health")[1]) == {"ok": True, "name": "echo"}

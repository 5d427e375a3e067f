"""The lifecycle step by step under an injected clock: exact states, counts and timestamps, without
sleeping. These go through the emulator's WSGI app in-process (werkzeug's test client) because the
point is the state machine, not the transport; the SDK tests cover the wire."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from cloudorch.sandbox.emulator import AdminMiddleware
from cloudorch_providers.azure.emulator import AzureEmulator

AUTH = {"Authorization": "Bearer t"}
RG_PATH = "/subscriptions/sub/resourcegroups/rg?api-version=2025-04-01"
CG = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups"
Q = "?api-version=2023-05-01"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(clock):
    emulator = AzureEmulator(delay=2.0, log_interval=1.0, crash_interval=10.0, clock=clock)
    http = Client(AdminMiddleware(emulator))
    assert http.put(RG_PATH, json={"location": "westeurope"}, headers=AUTH).status_code == 201
    return http


def _put(client, name: str, image: str, policy: str = "Always", status: int = 201):
    body = {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "restartPolicy": policy,
            "containers": [
                {"name": "app", "properties": {"image": image, "resources": {"requests": {"cpu": 1, "memoryInGB": 1}}}}
            ],
        },
    }
    reply = client.put(f"{CG}/{name}{Q}", json=body, headers=AUTH)
    assert reply.status_code == status, reply.get_data(as_text=True)
    return reply


def _get(client, name: str) -> dict:
    return client.get(f"{CG}/{name}{Q}", headers=AUTH).get_json()


def _operation(client, reply) -> str:
    url = reply.headers["Azure-AsyncOperation"]
    return client.get(url[url.index("/subscriptions/") :], headers=AUTH).get_json()["status"]


def test_provisioning_then_running(client, clock):
    reply = _put(client, "web", "nginx")
    assert _operation(client, reply) == "InProgress"
    group = _get(client, "web")
    assert group["properties"]["provisioningState"] == "Creating"
    assert group["properties"]["instanceView"]["state"] == "Pending"
    assert group["properties"]["containers"][0]["properties"]["instanceView"]["currentState"]["state"] == "Waiting"

    clock.now += 2.0
    assert _operation(client, reply) == "Succeeded"
    group = _get(client, "web")
    assert group["properties"]["provisioningState"] == "Succeeded"
    assert group["properties"]["instanceView"]["state"] == "Running"
    state = group["properties"]["containers"][0]["properties"]["instanceView"]["currentState"]
    assert state == {"state": "Running", "detailStatus": "", "startTime": "2023-11-14T22:13:22.000000Z"}


def test_logs_grow_with_time_and_stop_with_the_group(client, clock):
    _put(client, "web", "nginx")
    logs = f"{CG}/web/containers/app/logs{Q}"
    assert client.get(logs, headers=AUTH).get_json() == {"content": ""}
    clock.now += 2.0 + 3.5
    assert client.get(logs, headers=AUTH).get_json()["content"].count("\n") == 4
    stamped = client.get(f"{logs}&tail=1&timestamps=true", headers=AUTH).get_json()["content"]
    assert stamped == "2023-11-14T22:13:25.000000Z app: nginx is running, log line 3\n"

    assert client.post(f"{CG}/web/stop{Q}", headers=AUTH).status_code == 204
    clock.now += 10
    assert client.get(logs, headers=AUTH).get_json()["content"].count("\n") == 4
    assert _get(client, "web")["properties"]["instanceView"]["state"] == "Stopped"


def test_crash_loop_counts_restarts(client, clock):
    _put(client, "crash", "team/crashloop")
    clock.now += 2.0
    for expected_restarts in (0, 1, 2, 3):
        view = _get(client, "crash")["properties"]["containers"][0]["properties"]["instanceView"]
        assert view["restartCount"] == expected_restarts
        assert view["currentState"]["state"] == "Terminated"  # just exited
        assert view["currentState"]["exitCode"] == 1
        clock.now += 6.0  # into the back-off half of the cycle
        view = _get(client, "crash")["properties"]["containers"][0]["properties"]["instanceView"]
        assert view["currentState"]["state"] == "Waiting"
        assert view["currentState"]["detailStatus"].startswith("CrashLoopBackOff")
        assert _get(client, "crash")["properties"]["instanceView"]["state"] == "Pending"
        clock.now += 4.0
    events = {e["name"]: e for e in view["events"]}
    assert events["Started"]["count"] == 4 and events["BackOff"]["count"] == 4


def test_pull_failure_fails_the_operation(client, clock):
    reply = _put(client, "broken", "registry.example/app-notfound:1")
    clock.now += 2.0
    url = reply.headers["Azure-AsyncOperation"]
    status = client.get(url[url.index("/subscriptions/") :], headers=AUTH).get_json()
    assert status["status"] == "Failed"
    assert status["error"]["code"] == "InaccessibleImage"
    assert _get(client, "broken")["properties"]["provisioningState"] == "Failed"


def test_start_restart_and_update_begin_new_runs(client, clock):
    _put(client, "web", "nginx")
    clock.now += 2.0
    client.post(f"{CG}/web/stop{Q}", headers=AUTH)
    started = client.post(f"{CG}/web/start{Q}", headers=AUTH)
    assert started.status_code == 202
    assert _get(client, "web")["properties"]["provisioningState"] == "Pending"
    clock.now += 2.0
    assert _get(client, "web")["properties"]["instanceView"]["state"] == "Running"
    assert client.post(f"{CG}/web/start{Q}", headers=AUTH).status_code == 204

    restarted = client.post(f"{CG}/web/restart{Q}", headers=AUTH)
    assert restarted.status_code == 204 and "Azure-AsyncOperation" in restarted.headers
    assert _get(client, "web")["properties"]["instanceView"]["state"] == "Pending"
    clock.now += 2.0
    _put(client, "web", "nginx:2", status=200)
    assert _get(client, "web")["properties"]["provisioningState"] == "Updating"


def test_resource_group_deletion_completes_after_the_delay(client, clock):
    _put(client, "web", "nginx")
    reply = client.delete(RG_PATH, headers=AUTH)
    assert reply.status_code == 202
    location = reply.headers["Location"]
    poll = location[location.index("/subscriptions/") :]
    assert client.get(poll, headers=AUTH).status_code == 202
    assert client.get(f"{CG}/web{Q}", headers=AUTH).status_code == 200  # still there while deleting
    assert client.get(RG_PATH, headers=AUTH).get_json()["properties"]["provisioningState"] == "Deleting"
    refused = _put(client, "other", "nginx", status=409).get_json()
    assert refused["error"]["code"] == "ResourceGroupBeingDeleted"
    clock.now += 2.0
    assert client.get(poll, headers=AUTH).status_code == 200
    assert client.head(RG_PATH, headers=AUTH).status_code == 404
    assert client.get(f"{CG}/web{Q}", headers=AUTH).get_json()["error"]["code"] == "ResourceGroupNotFound"

"""The sandbox admin endpoint around the Azure emulator: fault injection, the request log, reset."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from cloudorch_providers.azure.emulator import AzureEmulator


def test_injected_500_on_put_is_retried_by_the_sdk(aci, rg, admin, group_model):
    admin.clear_requests()
    admin.post("faults", {"match": "PUT containerGroups", "status": 500, "count": 1})

    group = aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()

    assert group.provisioning_state == "Succeeded"
    puts = [r for r in admin.requests() if r["action"] == "PUT containerGroups"]
    assert [r["status"] for r in puts] == [500, 201]


def test_throttling_with_retry_after_is_honoured(aci, rg, admin, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    admin.clear_requests()
    admin.post(
        "faults",
        {"match": "GET containerGroups", "status": 429, "count": 2, "code": "TooManyRequests", "retry_after": 0.01},
    )

    assert aci.container_groups.get(rg, "web").name == "web"
    assert [r["status"] for r in admin.requests()] == [429, 429, 200]


def test_a_fault_that_outlasts_the_retries_reaches_the_caller_as_an_arm_error(aci, rg, admin):
    admin.post(
        "faults", {"match": "GET containerGroups", "status": 400, "count": 1, "code": "Broken", "message": "injected"}
    )
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.get(rg, "web")
    assert (caught.value.status_code, caught.value.error.code, caught.value.error.message) == (
        400,
        "Broken",
        "injected",
    )


def test_request_log_names_actions_and_mutations(aci, rg, admin, group_model, wait_for):
    admin.clear_requests()
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    aci.container_groups.get(rg, "web")
    list(aci.container_groups.list_by_resource_group(rg))
    aci.containers.list_logs(rg, "web", "web", tail=1)
    aci.container_groups.begin_restart(rg, "web").result()
    aci.container_groups.stop(rg, "web")
    aci.container_groups.begin_delete(rg, "web").result()

    log = [(r["action"], r["mutating"]) for r in admin.requests()]
    mutating = [action for action, flag in log if flag]
    assert mutating == [
        "PUT containerGroups",
        "POST containerGroups/restart",
        "POST containerGroups/stop",
        "DELETE containerGroups",
    ]
    reads = {action for action, flag in log if not flag}
    assert reads == {"GET operations", "GET containerGroups", "LIST containerGroups", "GET logs"}


def test_reset_forgets_everything(aci, rg, admin, resources, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    admin.post("reset")
    assert resources.resource_groups.check_existence(rg) is False
    assert list(aci.container_groups.list()) == []


@pytest.mark.parametrize(
    ("method", "path", "action", "mutating"),
    [
        ("PUT", "/subscriptions/s/resourcegroups/rg", "PUT resourceGroups", True),
        ("HEAD", "/subscriptions/s/resourcegroups/rg", "HEAD resourceGroups", False),
        ("DELETE", "/subscriptions/s/resourceGroups/rg", "DELETE resourceGroups", True),
        ("GET", "/subscriptions/s/resourcegroups", "LIST resourceGroups", False),
        ("GET", "/subscriptions/s/operationresults/abc", "GET operationResults", False),
        (
            "GET",
            "/subscriptions/s/providers/Microsoft.ContainerInstance/containerGroups",
            "LIST containerGroups",
            False,
        ),
        (
            "PUT",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/web",
            "PUT containerGroups",
            True,
        ),
        (
            "PATCH",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/web",
            "PATCH containerGroups",
            True,
        ),
        (
            "POST",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/web/start",
            "POST containerGroups/start",
            True,
        ),
        (
            "GET",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/web/"
            "containers/c/logs",
            "GET logs",
            False,
        ),
        (
            "GET",
            "/subscriptions/s/providers/Microsoft.ContainerInstance/locations/westeurope/operations/x",
            "GET operations",
            False,
        ),
        ("GET", "/nothing/here", "GET unknown", False),
    ],
)
def test_classify(method, path, action, mutating):
    assert AzureEmulator().classify({"REQUEST_METHOD": method, "PATH_INFO": path}) == (action, mutating)


def test_error_response_and_client_config():
    emulator = AzureEmulator()
    body, content_type = emulator.error_response(503, "ServerBusy", "try later")
    assert content_type.startswith("application/json")
    assert body == b'{"error": {"code": "ServerBusy", "message": "try later"}}'
    assert emulator.client_config("https://127.0.0.1:1", "/c.pem") == {
        "url": "https://127.0.0.1:1",
        "ca_cert": "/c.pem",
    }
    assert (emulator.name, emulator.tls) == ("azure", True)

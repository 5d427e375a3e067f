"""Azure faults injected through the emulator's admin endpoint: throttling and server errors are
retried by azure-core's RetryPolicy (Retry-After honoured) and the deploy converges; refusals become
one-line errors naming the resource."""

from __future__ import annotations

import socket
import time

import pytest
from live_support import Harness

from cloudorch.deadline import Deadline
from cloudorch.engine.deploy import DeployFailed, deploy
from cloudorch.errors import CloudorchError, ProviderError
from cloudorch.provider import State

pytestmark = pytest.mark.sandbox


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", "fault-tests")
    return Harness(running, tmp_path)


def puts(admin) -> list[dict]:
    return [r for r in admin.requests() if r["action"] == "PUT containerGroups"]


def test_a_server_error_on_put_is_retried_and_the_deploy_converges(live, admin):
    admin.post("faults", {"match": "PUT containerGroups", "status": 500, "count": 2})
    result = live.deploy(live.provider(replicas=1))
    assert result.status.services[0].state is State.HEALTHY
    assert [r["status"] for r in puts(admin)] == [500, 500, 201]
    assert live.provider(replicas=1).plan(deadline=Deadline(60)).empty


def test_throttling_waits_for_retry_after(live, admin):
    admin.post("faults", {"match": "PUT containerGroups", "status": 429, "count": 1, "code": "TooManyRequests",
                          "message": "slow down", "retry_after": 1})
    live.deploy(live.provider(replicas=1))
    first, second = puts(admin)
    assert (first["status"], second["status"]) == (429, 201)
    assert second["time"] - first["time"] >= 0.9


def test_throttled_reads_are_retried_too(live, admin):
    live.deploy(live.provider(replicas=1))
    admin.clear_requests()
    admin.post("faults", {"match": "GET containerGroups", "status": 503, "count": 2, "code": "ServiceUnavailable"})
    assert live.provider(replicas=1).status(deadline=Deadline(60)).services[0].state is State.HEALTHY


def test_forbidden_is_one_line_naming_the_group_and_the_fix(live, admin):
    admin.post("faults", {"match": "PUT containerGroups", "status": 403, "count": -1, "code": "AuthorizationFailed",
                          "message": "The client does not have authorization to perform action "
                                     "'Microsoft.ContainerInstance/containerGroups/write'."})
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(replicas=1))
    message = str(caught.value)
    assert "\n" not in message and "demo-web-0" in message and "demo-rg" in message
    assert "AuthorizationFailed" in message and "permission" in message
    assert len(puts(admin)) == 1  # a refusal is not retried


def test_a_refused_token_is_one_line(live, admin):
    admin.post("faults", {"match": "resourceGroups", "status": 401, "count": -1, "code": "InvalidAuthenticationToken",
                          "message": "The access token is invalid."})
    with pytest.raises(ProviderError) as caught:
        live.provider().plan(deadline=Deadline(60))
    assert str(caught.value) == ("reading resource group demo-rg: InvalidAuthenticationToken: The access token is "
                                 "invalid.; the Azure token was refused: run `az login` again")


def test_a_conflict_on_delete_names_the_group(live, admin):
    live.deploy(live.provider(replicas=1))
    admin.post("faults", {"match": "DELETE containerGroups", "status": 409, "count": 1, "code": "Conflict",
                          "message": "Another operation is in progress."})
    provider = live.provider(replicas=1)
    with pytest.raises(CloudorchError) as caught:
        provider.destroy(provider.destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))
    assert "deleting container group demo-web-0" in str(caught.value) and "Conflict" in str(caught.value)


def test_an_unreachable_endpoint_is_one_line(live, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = live.provider()
    provider.sandbox = {"url": f"https://127.0.0.1:{port}", "ca_cert": live.config["ca_cert"]}
    with pytest.raises(ProviderError) as caught:
        provider.status(deadline=Deadline(60))
    assert "cannot reach the sandbox" in str(caught.value) and "\n" not in str(caught.value)


def test_a_hanging_reply_ends_the_deploy_by_its_deadline(live, admin):
    """Every container-group write answers 60 s late: the deploy ends near its 8 s deadline (not after
    the replies), with one line naming the change it was applying."""
    provider = live.provider(replicas=1, timeout=8.0)
    admin.post("faults", {"match": "PUT containerGroups", "status": 0, "delay": 60, "count": -1})
    started = time.monotonic()
    try:
        with pytest.raises(DeployFailed) as caught:
            live.deploy(provider)
    finally:
        admin.delete("faults")
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 1
    assert "demo-web-0" in message and "timed out" in message, message
    assert time.monotonic() - started < 45  # generous: far below the 60 s the replies would take


# -- transient replies while polling ------------------------------------------------------------

def test_a_not_found_operation_while_polling_is_resumed_and_the_deploy_converges(live, admin):
    admin.post("faults", {"match": "GET operations", "status": 404, "count": 2, "code": "OperationNotFound",
                          "message": "The operation could not be found."})
    result = live.deploy(live.provider(replicas=1))
    assert result.status.services[0].state is State.HEALTHY
    assert [r["status"] for r in admin.requests() if r["action"] == "GET operations"][:2] == [404, 404]


def test_throttling_beyond_the_sdk_retries_while_waiting_does_not_fail_the_deploy(live, admin):
    provider = live.provider(replicas=1)
    deadline = Deadline(30)
    plan = provider.plan(deadline=deadline)
    # more 429s on reads than azure-core's RetryPolicy tries (5 in the sandbox)
    admin.post("faults", {"match": "GET containerGroups", "status": 429, "count": 9, "code": "TooManyRequests",
                          "message": "slow down", "retry_after": 0})
    result = deploy(provider, plan, wait=True, deadline=deadline, poll=0.05)
    assert result.status.services[0].state is State.HEALTHY
    assert sum(r["status"] == 429 for r in admin.requests()) == 9


def test_throttling_still_fails_at_the_deadline(live, admin):
    live.deploy(live.provider(replicas=1))
    admin.post("faults", {"match": "GET containerGroups", "status": 429, "count": -1, "code": "TooManyRequests",
                          "message": "slow down", "retry_after": 0})
    with pytest.raises(ProviderError, match="TooManyRequests"):
        live.provider(replicas=1).status(deadline=Deadline(2))


def test_an_update_whose_new_group_crashes_exits_4_naming_why(live):
    live.deploy(live.provider(replicas=1))
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(image="ghcr.io/acme/crashloop:1.0", replicas=1))
    assert caught.value.exit_code == 4
    message = str(caught.value)
    assert message.startswith("service web: new revision ") and "failed on container group demo-web-0 (container " \
        "web of demo-web-0: CrashLoopBackOff" in message, message
    assert "put back to the previous revision" in message  # the one group serves the first image again

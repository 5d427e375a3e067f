"""Rolling updates on Azure: running container groups move to a new revision one at a time; a group
the new revision fails on is put back to the previous one, deploy exits 4 saying why and what serves,
and status keeps reporting the given-up revision. Through the real SDK against the ARM emulator."""

from __future__ import annotations

import pytest
from live_support import RG, Harness
from test_live_azure_network import shop

from cloudorch.deadline import Deadline
from cloudorch.engine.deploy import DeployFailed
from cloudorch.provider import State
from cloudorch_providers.azure.live.rolling import FAILED_REASON_TAG, FAILED_TAG

pytestmark = pytest.mark.sandbox
CRASHING = "ghcr.io/acme/crashloop:1.0.0"


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", "rolling-session-value")
    return Harness(running, tmp_path)


def group_writes(admin) -> list[tuple[str, str]]:
    return [(r["method"], r["path"].split("?")[0].rsplit("/", 1)[-1]) for r in admin.requests()
            if r["mutating"] and "/containerGroups/" in r["path"]]


def images(live, prefix: str = "demo-web-") -> dict[str, str]:
    return {g.name: live.aci.container_groups.get(RG, g.name).containers[0].image
            for g in live.aci.container_groups.list_by_resource_group(RG) if g.name.startswith(prefix)}


def test_a_good_update_moves_the_groups_one_after_another(live, admin):
    live.deploy(live.provider())
    admin.clear_requests()
    plan = live.provider(image="nginx:1.27.3").plan(deadline=Deadline(60))
    assert [s.name for c in plan.pending for s in c.payload] == ["roll_group", "roll_group"]
    result = live.deploy(live.provider(image="nginx:1.27.3"))
    assert result.status.healthy
    assert group_writes(admin) == [("PUT", "demo-web-0"), ("PUT", "demo-web-1")]
    log = admin.requests()  # in the order they came
    puts = [i for i, r in enumerate(log) if r["method"] == "PUT"]
    reads = [r for r in log[puts[0]:puts[1]] if r["method"] == "GET" and r["path"].split("?")[0].endswith("demo-web-0")]
    assert len(reads) >= 2, "group 0 must be read healthy (for the stable time) before group 1 is sent"
    assert set(images(live).values()) == {"nginx:1.27.3"}


def test_a_crashing_update_puts_the_first_group_back_and_exits_4(live, admin):
    live.deploy(live.provider())
    admin.clear_requests()
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(image=CRASHING))
    message = str(caught.value)
    assert caught.value.exit_code == 4
    assert message.startswith("service web: new revision ") and "failed on container group demo-web-0" in message
    assert "CrashLoopBackOff" in message and "was put back to the previous revision" in message
    assert "serving now: 2 of 2 container groups of service web run: demo-web-0 (nginx:1.27.2, running), " \
           "demo-web-1 (nginx:1.27.2, running)" in message, message
    assert "rolling-session-value" not in message
    assert group_writes(admin) == [("PUT", "demo-web-0"), ("PUT", "demo-web-0")]  # demo-web-1 never touched
    assert images(live) == {"demo-web-0": "nginx:1.27.2", "demo-web-1": "nginx:1.27.2"}
    tags = live.aci.container_groups.get(RG, "demo-web-0").tags
    assert "CrashLoopBackOff" in tags[FAILED_REASON_TAG] and tags[FAILED_TAG] in message
    env = live.aci.container_groups.get(RG, "demo-web-0").containers[0].environment_variables
    assert {v.name for v in env} == {"MODE", "SESSION_KEY"}  # the secure value went back too

    crashing = live.provider(image=CRASHING)
    [web] = crashing.status(deadline=Deadline(30)).services
    assert web.state is State.FAILED and "rolled back" in web.message and web.image == "nginx:1.27.2"
    assert live.provider().status(deadline=Deadline(30)).healthy  # the spec of the serving revision
    assert not live.provider().plan(deadline=Deadline(30)).pending

    result = live.deploy(live.provider(image="nginx:1.27.3"))  # a fix clears the record of the failure
    assert result.status.healthy
    assert FAILED_TAG not in live.aci.container_groups.get(RG, "demo-web-0").tags


def test_a_crashing_replacement_is_deleted_and_the_previous_group_created_again(live, admin):
    live.deploy(live.provider())
    admin.clear_requests()
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(image=CRASHING, cpu=2))  # cpu cannot change in place
    assert caught.value.exit_code == 4 and "was put back" in str(caught.value)
    assert group_writes(admin) == [("DELETE", "demo-web-0"), ("PUT", "demo-web-0"),
                                   ("DELETE", "demo-web-0"), ("PUT", "demo-web-0")]
    group = live.aci.container_groups.get(RG, "demo-web-0")
    assert group.containers[0].resources.requests.cpu == 1 and group.containers[0].image == "nginx:1.27.2"


def test_a_group_that_does_not_run_is_updated_without_rolling(live):
    live.deploy(live.provider(image=CRASHING), wait=False)
    plan = live.provider().plan(deadline=Deadline(60))
    assert {s.name for c in plan.pending for s in c.payload} == {"put_group"}
    assert live.deploy(live.provider()).status.healthy


def test_in_the_private_network_the_name_follows_the_groups_through_a_failed_update(live, running):
    from azure.mgmt.privatedns import PrivateDnsManagementClient
    from live_support import SUBSCRIPTION, Token

    live.deploy(live.provider(shop()))
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(shop().replace("ghcr.io/acme/api:1", CRASHING)))
    assert caught.value.exit_code == 4 and "service api: new revision" in str(caught.value)
    dns = PrivateDnsManagementClient(Token(), SUBSCRIPTION, base_url=running.url, connection_verify=running.ca_cert)
    record = dns.record_sets.get(RG, "shop.internal", "A", "api")
    ips = {live.aci.container_groups.get(RG, f"shop-api-{i}").ip_address.ip for i in range(2)}
    assert {a.ipv4_address for a in record.a_records} == ips
    assert set(images(live, "shop-api-").values()) == {"ghcr.io/acme/api:1"}


def test_a_rolled_update_whose_secret_is_missing_stops_before_any_change(live, admin, monkeypatch):
    live.deploy(live.provider())
    monkeypatch.delenv("DEMO_SESSION_KEY")
    admin.clear_requests()
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(image="nginx:1.27.3"))
    assert caught.value.exit_code == 4 and "service web cannot start: secret session-key" in str(caught.value)
    assert group_writes(admin) == []

"""The Azure live operations against the ARM emulator through the real SDK: the resource group,
no-op redeploys, in-place updates vs replacements, tag-only changes, scale, status and logs."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from azure.core.exceptions import HttpResponseError
from live_support import RG, SUBSCRIPTION, Harness, spec_text, stranger

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.engine import read_logs, set_autoscale, set_replicas, wait_healthy
from cloudorch.engine.deploy import DeployFailed
from cloudorch.errors import ProviderError, Unsupported
from cloudorch.provider import Action, State
from cloudorch.spec.models import Autoscale

pytestmark = pytest.mark.sandbox


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", "session-value-for-tests")
    return Harness(running, tmp_path)


def mutating(admin) -> list[str]:
    return [r["action"] for r in admin.requests() if r["mutating"]]


def pending(plan) -> list[tuple[str, str, str]]:
    return [(str(c.action), c.kind, c.name) for c in plan.pending]


def test_a_missing_resource_group_is_planned_created_and_tagged(live, admin):
    provider = live.provider()
    plan = provider.plan(deadline=Deadline(60))
    assert pending(plan) == [("create", "ResourceGroup", RG), ("create", "ContainerGroup", "demo-web-0"),
                             ("create", "ContainerGroup", "demo-web-1")]
    live.deploy(provider)
    group = live.rm.resource_groups.get(RG)
    assert (group.location, group.tags) == ("westeurope", {"cloudorch-app": "demo", "managed-by": "cloudorch"})
    assert live.provider().plan(deadline=Deadline(60)).empty

    admin.clear_requests()
    live.deploy(live.provider())
    assert mutating(admin) == []


def test_a_resource_group_that_is_not_ours_is_used_and_kept(live):
    live.rm.resource_groups.create_or_update(RG, {"location": "northeurope", "tags": {"owner": "ops"}})
    provider = live.provider()
    plan = provider.plan(deadline=Deadline(60))
    assert [c.action for c in plan.changes if c.kind == "ResourceGroup"] == [Action.NOOP]
    live.deploy(provider)
    assert live.rm.resource_groups.get(RG).tags == {"owner": "ops"}  # never retagged

    plan = live.provider().destroy_plan(deadline=Deadline(60))
    assert pending(plan) == [("delete", "ContainerGroup", "demo-web-1"), ("delete", "ContainerGroup", "demo-web-0")]
    live.provider().destroy(plan, deadline=Deadline(60))
    assert live.rm.resource_groups.check_existence(RG) and live.group_names() == []


def test_our_resource_group_is_kept_while_it_holds_something_else(live):
    live.deploy(live.provider())
    live.aci.container_groups.begin_create_or_update(RG, "someone-else", stranger()).result()

    plan = live.provider().destroy_plan(deadline=Deadline(60))
    kept = next(c for c in plan.changes if c.kind == "ResourceGroup")
    assert kept.action is Action.NOOP and "someone-else" in kept.reason and "kept" in kept.reason
    live.provider().destroy(plan, deadline=Deadline(60))
    assert live.group_names() == ["someone-else"]

    live.aci.container_groups.begin_delete(RG, "someone-else").result()
    plan = live.provider().destroy_plan(deadline=Deadline(60))
    assert pending(plan) == [("delete", "ResourceGroup", RG)]  # ours and empty now
    live.provider().destroy(plan, deadline=Deadline(60))
    assert not live.rm.resource_groups.check_existence(RG) or live.rm.resource_groups.get(RG).properties \
        .provisioning_state == "Deleting"


def test_an_env_change_is_one_put_per_group_and_a_label_change_only_patches_tags(live, admin):
    live.deploy(live.provider())
    plan = live.provider(mode="b").plan(deadline=Deadline(60))
    assert {(c.action, tuple(c.fields)) for c in plan.pending} == {(Action.UPDATE, ("containers",))}
    admin.clear_requests()
    live.deploy(live.provider(mode="b"))
    assert sorted(mutating(admin)) == ["PUT containerGroups"] * 2
    assert live.provider(mode="b").plan(deadline=Deadline(60)).empty

    relabelled = live.provider(spec_text(mode="b").replace("team: shop", "team: checkout"))
    plan = relabelled.plan(deadline=Deadline(60))
    assert {(c.action, tuple(c.fields)) for c in plan.pending} == {(Action.UPDATE, ("tags",))}
    admin.clear_requests()
    live.deploy(relabelled)
    assert mutating(admin) == ["PATCH containerGroups"] * 2  # tags alone restart nothing
    assert live.aci.container_groups.get(RG, "demo-web-0").tags["team"] == "checkout"


def test_a_resources_change_is_a_replacement_because_aci_cannot_resize_in_place(live, admin):
    live.deploy(live.provider(replicas=1))
    plan = live.provider(replicas=1, cpu=2).plan(deadline=Deadline(60))
    [change] = plan.pending
    assert change.action is Action.REPLACE and "resources" in change.reason
    resized = live.aci.container_groups.get(RG, "demo-web-0")
    resized.containers[0].resources.requests.cpu = 2
    with pytest.raises(HttpResponseError) as refused:  # what a plain update would meet
        live.aci.container_groups.begin_create_or_update(RG, "demo-web-0", resized)
    assert refused.value.error.code == "InvalidContainerGroupUpdate"
    admin.clear_requests()
    live.deploy(live.provider(replicas=1, cpu=2))
    assert mutating(admin) == ["DELETE containerGroups", "PUT containerGroups"]
    group = live.aci.container_groups.get(RG, "demo-web-0")
    assert group.containers[0].resources.requests.cpu == 2


def test_an_out_of_band_change_shows_in_plan_and_is_reverted(live):
    live.deploy(live.provider(replicas=1))
    group = live.aci.container_groups.get(RG, "demo-web-0")
    group.containers[0].image = "nginx:1.25"
    live.aci.container_groups.begin_create_or_update(RG, "demo-web-0", group).result()
    [change] = live.provider(replicas=1).plan(deadline=Deadline(60)).pending
    assert (change.action, change.fields) == (Action.UPDATE, ["containers"])
    live.deploy(live.provider(replicas=1))
    assert live.aci.container_groups.get(RG, "demo-web-0").containers[0].image == "nginx:1.27.2"


def test_a_failed_group_is_replaced(live, admin):
    bad = live.provider(image="ghcr.io/acme/notfound:1.0", replicas=1)
    with pytest.raises(DeployFailed) as caught:
        live.deploy(bad)
    message = str(caught.value)
    assert "demo-web-0" in message and "InaccessibleImage" in message and "\n" not in message
    status = live.provider(image="ghcr.io/acme/notfound:1.0", replicas=1).status(deadline=Deadline(60))
    assert status.services[0].state is State.FAILED and "InaccessibleImage" in status.services[0].message

    [change] = live.provider(image="ghcr.io/acme/notfound:1.0", replicas=1).plan(deadline=Deadline(60)).pending
    assert change.action is Action.REPLACE and "provisioning failed" in change.reason

    fixed = live.provider(replicas=1)
    [change] = fixed.plan(deadline=Deadline(60)).pending
    assert change.action is Action.REPLACE and change.fields == ["containers"]
    admin.clear_requests()
    live.deploy(fixed)
    assert mutating(admin) == ["DELETE containerGroups", "PUT containerGroups"]
    assert live.provider(replicas=1).status(deadline=Deadline(60)).services[0].state is State.HEALTHY


def test_an_unowned_group_of_the_same_name_is_refused(live):
    live.rm.resource_groups.create_or_update(RG, {"location": "westeurope"})
    live.aci.container_groups.begin_create_or_update(RG, "demo-web-1", stranger({"cloudorch-app": "other"})).result()
    with pytest.raises(ProviderError) as caught:
        live.provider().plan(deadline=Deadline(60))
    assert "demo-web-1" in str(caught.value) and "not managed by cloudorch" in str(caught.value)
    assert "'demo'" in str(caught.value) and "'other'" in str(caught.value)
    assert all(c.name != "demo-web-1" for c in live.provider().destroy_plan(deadline=Deadline(60)).changes)


def test_scale_down_deletes_the_highest_index_groups_only_and_plan_shows_drift(live, admin):
    live.deploy(live.provider(replicas=3))
    admin.clear_requests()
    provider = live.provider(replicas=3)
    set_replicas(provider, {"web": 1}, deadline=Deadline(60))
    assert live.group_names() == ["demo-web-0"]
    assert sorted(mutating(admin)) == ["DELETE containerGroups", "DELETE containerGroups", "PATCH containerGroups"]
    status = wait_healthy(provider, ["web"], Deadline(10), interval=0.05)
    assert (status.services[0].desired, status.services[0].running) == (1, 1)

    plan = live.provider(replicas=3).plan(deadline=Deadline(60))
    assert pending(plan) == [("update", "ContainerGroup", "demo-web-0"), ("create", "ContainerGroup", "demo-web-1"),
                             ("create", "ContainerGroup", "demo-web-2")]
    assert plan.pending[0].fields == ["tags"]  # the replica count: no restart


def test_scale_to_zero_stops_the_last_group_and_scale_up_starts_it(live):
    live.deploy(live.provider(replicas=2))
    provider = live.provider(replicas=2)
    set_replicas(provider, {"web": 0}, deadline=Deadline(60))
    assert live.group_names() == ["demo-web-0"]
    assert live.aci.container_groups.get(RG, "demo-web-0").instance_view.state == "Stopped"
    status = provider.status(deadline=Deadline(60))
    assert (status.services[0].state, status.services[0].desired) == (State.STOPPED, 0)

    set_replicas(provider, {"web": 3}, deadline=Deadline(60))
    status = wait_healthy(provider, ["web"], Deadline(10), interval=0.05)
    assert (status.services[0].desired, status.services[0].running) == (3, 3)
    assert live.group_names() == ["demo-web-0", "demo-web-1", "demo-web-2"]


def test_status_reports_a_crash_loop_with_its_reason(live):
    provider = live.provider(image="ghcr.io/acme/crashloop:1.0", replicas=1)
    with pytest.raises(DeployFailed) as caught:
        live.deploy(provider)
    assert caught.value.exit_code == 4 and "service web failed: " in str(caught.value)
    service = live.provider(image="ghcr.io/acme/crashloop:1.0", replicas=1).status(deadline=Deadline(60)).services[0]
    assert service.state is State.FAILED and service.failed == 1
    assert "CrashLoopBackOff" in service.message and "demo-web-0" in service.message
    again = live.provider(image="ghcr.io/acme/crashloop:1.0", replicas=1)
    assert again.plan(deadline=Deadline(60)).empty  # nothing to redo


def test_status_of_a_healthy_service(live):
    live.deploy(live.provider())
    service = live.provider().status(deadline=Deadline(60)).services[0]
    assert (service.state, service.desired, service.running, service.pending, service.failed) == \
        (State.HEALTHY, 2, 2, 0, 0)
    assert service.image == "nginx:1.27.2"
    assert len(service.revision) == 8  # one body, one revision for both replicas
    assert any(e.endswith(".westeurope.azurecontainer.io:80") for e in service.endpoints)
    assert sum(e.startswith("20.") for e in service.endpoints) == 2

    live.deploy(live.provider(mode="b"))
    assert live.provider().status(deadline=Deadline(60)).services[0].revision != service.revision


def test_status_of_an_app_never_deployed_is_missing(live):
    status = live.provider().status(deadline=Deadline(60))
    assert [(s.name, s.state, s.desired) for s in status.services] == [("web", State.MISSING, 2)]


def test_logs_are_timestamped_merged_filtered_and_tailed(live):
    provider = live.provider()
    live.deploy(provider)
    time.sleep(0.3)
    lines = read_logs(provider, ["web"], deadline=Deadline(60))
    assert {(line.replica, line.container) for line in lines} == {("0", "web"), ("1", "web")}
    assert lines == sorted(lines) and all(line.time.tzinfo for line in lines)
    assert lines[0].message.startswith("web: starting nginx:1.27.2")
    assert abs((lines[-1].time - dt.datetime.now(dt.UTC)).total_seconds()) < 5
    assert len(read_logs(provider, ["web"], tail=3, deadline=Deadline(60))) == 3
    cut = lines[-1].time
    assert all(line.time >= cut for line in read_logs(provider, ["web"], since=cut, deadline=Deadline(60)))


def test_autoscale_is_refused_before_any_call(live, admin):
    admin.clear_requests()
    with pytest.raises(Unsupported) as caught:
        set_autoscale(live.provider(), "web", Autoscale(min=1, max=3), deadline=Deadline(60))
    assert "no native autoscaler" in str(caught.value) and "scale web=N" in str(caught.value)
    assert admin.requests() == []


def test_no_subscription_is_a_one_line_error_with_the_fix(running, tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    harness = Harness(running, tmp_path)
    provider = harness.provider(spec_text().replace(f"    subscription: {SUBSCRIPTION}\n", ""))
    provider.sandbox = None  # the real cloud: no sandbox default
    with pytest.raises(ProviderError) as caught:
        provider.plan(deadline=Deadline(60))
    assert "providers.azure.subscription" in str(caught.value) and "AZURE_SUBSCRIPTION_ID" in str(caught.value)


def test_a_long_running_operation_stops_at_the_deadline(tmp_path, monkeypatch):
    from cloudorch.sandbox.server import serve
    from cloudorch_providers.azure.emulator import AzureEmulator

    monkeypatch.setenv("DEMO_SESSION_KEY", "x")
    slow = serve(AzureEmulator(delay=30), cert_dir=tmp_path / "cert")
    try:
        provider = Harness(slow, tmp_path).provider(replicas=1, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(DeployFailed) as caught:
            Harness(slow, tmp_path).deploy(provider)
        assert time.monotonic() - started < 5
        assert "timed out" in str(caught.value) and "demo-web-0" in str(caught.value)
        assert isinstance(caught.value.result.failed[0][1], DeadlineExceeded)
    finally:
        slow.stop()


def test_the_subscription_comes_from_the_spec_then_the_environment(monkeypatch):
    from cloudorch_providers.azure.live.clients import SANDBOX_SUBSCRIPTION, resolve_subscription

    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    assert resolve_subscription(SUBSCRIPTION, None) == SUBSCRIPTION
    assert resolve_subscription(None, None) == "11111111-1111-1111-1111-111111111111"
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    assert resolve_subscription(None, {"url": "https://127.0.0.1:1"}) == SANDBOX_SUBSCRIPTION


@pytest.mark.parametrize(("text", "expected", "message"), [
    ("2026-01-02T03:04:05.123456Z hello", dt.datetime(2026, 1, 2, 3, 4, 5, 123456, dt.UTC), "hello"),
    ("2026-01-02T03:04:05.1234567Z seven digits", dt.datetime(2026, 1, 2, 3, 4, 5, 123456, dt.UTC), "seven digits"),
    ("2026-01-02T03:04:05+0100 offset", dt.datetime(2026, 1, 2, 2, 4, 5, tzinfo=dt.UTC), "offset"),
    ("no stamp here", None, "no stamp here"),
])
def test_log_lines_are_parsed_with_their_timestamps(text, expected, message):
    from cloudorch_providers.azure.live.logs import parse_line

    fallback = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    when, rest = parse_line(text, fallback)
    assert (when, rest) == (expected or fallback, message)


def test_a_resource_group_shared_by_two_apps_is_deleted_only_by_the_last_owner(live, admin):
    first = spec_text(replicas=1)
    second = first.replace("name: demo", "name: other")
    live.deploy(live.provider(first))
    plan = live.provider(second).plan(deadline=Deadline(60))
    joining = next(c for c in plan.changes if c.kind == "ResourceGroup")
    assert joining.action is Action.UPDATE and "co-owner" in joining.reason
    live.deploy(live.provider(second))
    tags = live.rm.resource_groups.get(RG).tags
    assert tags["cloudorch-app"] == "demo" and tags["cloudorch-app.other"] == "owner"
    assert live.provider(second).plan(deadline=Deadline(60)).empty  # joined once

    provider = live.provider(first)  # the creator leaves first: only its ownership goes
    plan = provider.destroy_plan(deadline=Deadline(60))
    assert [(str(c.action), c.kind) for c in plan.pending][-1] == ("update", "ResourceGroup")
    provider.destroy(plan, deadline=Deadline(60))
    assert live.rm.resource_groups.get(RG).tags == {"cloudorch-app": "other", "managed-by": "cloudorch"}
    assert live.group_names() == ["other-web-0"]

    provider = live.provider(second)  # the last owner deletes it
    plan = provider.destroy_plan(deadline=Deadline(60))
    assert pending(plan)[-1] == ("delete", "ResourceGroup", RG)
    provider.destroy(plan, deadline=Deadline(60))
    assert not live.rm.resource_groups.check_existence(RG) or live.rm.resource_groups.get(RG).properties \
        .provisioning_state == "Deleting"

"""The simulated lifecycle seen through the real SDK: running, logs, stop/start/restart, crash loops and
images that cannot be pulled."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError


def _state(aci, rg, name="web") -> str:
    return aci.container_groups.get(rg, name).instance_view.state


def test_logs_with_tail_and_timestamps(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    wait_for(lambda: _state(aci, rg) == "Running")
    wait_for(lambda: aci.containers.list_logs(rg, "web", "web").content.count("\n") >= 4)

    everything = aci.containers.list_logs(rg, "web", "web").content.splitlines()
    assert everything[0] == "web: starting nginx:1.27"
    assert all(line.startswith("web: ") and "nginx:1.27" in line for line in everything)
    tail = aci.containers.list_logs(rg, "web", "web", tail=2).content.splitlines()
    assert len(tail) == 2
    stamped = aci.containers.list_logs(rg, "web", "web", tail=1, timestamps=True).content.splitlines()
    stamp, _, text = stamped[0].partition(" ")
    assert stamp.endswith("Z") and stamp[4] == "-" and stamp[10] == "T"
    assert "nginx:1.27" in text


def test_logs_of_unknown_container(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    with pytest.raises(HttpResponseError) as caught:
        aci.containers.list_logs(rg, "web", "nope")
    assert caught.value.status_code == 404


def test_stop_start_restart(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    wait_for(lambda: _state(aci, rg) == "Running")

    assert aci.container_groups.stop(rg, "web") is None
    stopped = aci.container_groups.get(rg, "web")
    assert stopped.instance_view.state == "Stopped"
    assert stopped.containers[0].instance_view.current_state.state == "Terminated"
    assert stopped.ip_address.ip is None  # a stopped group gives its address back

    assert aci.container_groups.begin_start(rg, "web").result() is None  # waits for the operation
    assert _state(aci, rg) == "Running"
    assert aci.container_groups.begin_start(rg, "web").result() is None  # already running: 204

    assert aci.container_groups.begin_restart(rg, "web").result() is None
    restarted = aci.container_groups.get(rg, "web")
    assert restarted.instance_view.state == "Running"
    assert [e.name for e in restarted.containers[0].instance_view.events] == ["Pulling", "Pulled", "Started"]


def test_crashloop_image_restarts_and_never_runs(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "crashy", group_model(image="demo/crashloop:1")).result()

    seen_counts = []

    def restarted_twice():
        group = aci.container_groups.get(rg, "crashy")
        view = group.containers[0].instance_view
        assert group.instance_view.state != "Running"
        assert view.current_state.state in ("Waiting", "Terminated")
        seen_counts.append(view.restart_count)
        return view.restart_count >= 2 and group

    group = wait_for(restarted_twice)
    assert seen_counts == sorted(seen_counts)
    view = group.containers[0].instance_view
    assert view.previous_state.exit_code == 1
    back_off = [e for e in view.events if e.name == "BackOff"]
    assert back_off and back_off[0].type == "Warning" and back_off[0].count >= 2
    wait_for(
        lambda: (
            "CrashLoopBackOff"
            in aci.container_groups.get(rg, "crashy").containers[0].instance_view.current_state.detail_status
        )
    )
    # the logs are those of the latest attempt, which exits a moment after it starts
    wait_for(lambda: "exiting with code 1" in aci.containers.list_logs(rg, "crashy", "web").content)


def test_crashloop_with_restart_policy_never_fails(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(
        rg, "once", group_model(image="demo/crashloop:1", restart_policy="Never")
    ).result()
    group = wait_for(lambda: (g := aci.container_groups.get(rg, "once")).instance_view.state == "Failed" and g)
    assert group.containers[0].instance_view.current_state.state == "Terminated"
    assert group.containers[0].instance_view.restart_count == 0


def test_image_that_cannot_be_pulled_fails_the_operation(aci, rg, group_model, wait_for):
    poller = aci.container_groups.begin_create_or_update(rg, "broken", group_model(image="demo/notfound:1"))
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "InaccessibleImage"

    group = aci.container_groups.get(rg, "broken")
    assert group.provisioning_state == "Failed"
    assert group.instance_view.state == "Failed"
    assert group.instance_view.events[0].name == "InaccessibleImage"
    failed = [e for e in group.containers[0].instance_view.events if e.type == "Warning"]
    assert failed and "demo/notfound:1" in failed[0].message
    assert aci.containers.list_logs(rg, "broken", "web").content == ""

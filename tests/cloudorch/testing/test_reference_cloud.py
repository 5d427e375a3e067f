"""The reference cloud's lifecycle on a fake clock: replicas start after a delay, crash loops and
missing secrets fail, updates roll and roll back, logs come from running containers only."""

from __future__ import annotations

import pytest

from cloudorch.testing.reference_cloud import CloudError, ReferenceCloud


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cloud(clock):
    return ReferenceCloud(start_delay=1.0, rollback_after=2.0, log_interval=1.0, clock=clock, wall=lambda: 1000.0)


def states(view: dict) -> list[tuple[int, str]]:
    return sorted((r["revision"], r["state"]) for r in view["replicas"])


def only(cloud: ReferenceCloud) -> dict:
    (view,) = cloud.list_services("app")
    return view


def test_replicas_start_after_the_delay(cloud, clock):
    view = cloud.put_service("app", "web", {"image": "nginx:1.27.2"}, {"t": "1"}, 2)
    assert states(view) == [(1, "pending"), (1, "pending")]
    clock.now += 1.0
    assert states(only(cloud)) == [(1, "running"), (1, "running")]


def test_crashloop_and_missing_secret_fail_with_a_reason(cloud, clock):
    cloud.put_service("app", "bad", {"image": "acme/crashloop:1"}, {}, 1)
    cloud.put_service("app", "sec", {"image": "nginx:1.27.2", "secrets": {"TOKEN": "token"}}, {}, 1)
    clock.now += 1.0
    bad, sec = cloud.list_services("app")
    assert bad["replicas"][0]["state"] == "failed" and "CrashLoopBackOff" in bad["replicas"][0]["reason"]
    assert sec["replicas"][0]["reason"] == "secret 'token' (for TOKEN) does not exist"
    cloud.put_secret("token", "s3cret")
    assert only_named(cloud, "sec")["replicas"][0]["state"] == "running"


def only_named(cloud: ReferenceCloud, name: str) -> dict:
    return next(v for v in cloud.list_services("app") if v["name"] == name)


def test_an_update_rolls_and_the_old_revision_serves_until_the_new_one_runs(cloud, clock):
    cloud.put_service("app", "web", {"image": "nginx:1.27.2"}, {}, 2)
    clock.now += 1.0
    view = cloud.put_service("app", "web", {"image": "nginx:1.27.3"}, {}, 2)
    assert view["revision"] == 2
    assert states(view) == [(1, "running"), (1, "running"), (2, "pending"), (2, "pending")]
    clock.now += 1.0
    assert states(only(cloud)) == [(2, "running"), (2, "running")]


def test_a_crashing_update_rolls_back_and_says_why(cloud, clock):
    cloud.put_service("app", "web", {"image": "nginx:1.27.2"}, {}, 2)
    clock.now += 1.0
    cloud.put_service("app", "web", {"image": "acme/crashloop:2"}, {}, 2)
    clock.now += 1.0
    assert states(only(cloud)) == [(1, "running"), (1, "running"), (2, "failed"), (2, "failed")]
    clock.now += 1.0
    view = only(cloud)
    assert view["revision"] == 1 and view["body"]["image"] == "nginx:1.27.2"
    assert states(view) == [(1, "running"), (1, "running")]
    assert view["rolled_back"].startswith("revision 2 failed (CrashLoopBackOff")


def test_scale_autoscaler_bounds_and_delete(cloud, clock):
    cloud.put_service("app", "web", {"image": "nginx:1.27.2"}, {}, 1)
    assert len(cloud.set_replicas("app", "web", 3)["replicas"]) == 3
    assert cloud.set_autoscaler("app", "web", {"min": 1, "max": 2, "cpu_percent": 70})["desired"] == 2
    with pytest.raises(CloudError) as caught:
        cloud.set_replicas("app", "web", 5)
    assert caught.value.status == 400 and "1..2" in caught.value.message
    cloud.delete_service("app", "web")
    with pytest.raises(CloudError) as caught:
        cloud.delete_service("app", "web")
    assert caught.value.status == 404


def test_logs_come_from_running_containers_sidecars_included(cloud, clock):
    body = {"image": "nginx:1.27.2", "sidecars": [{"name": "shipper", "image": "fluent/fluent-bit:3.1.9"}]}
    cloud.put_service("app", "web", body, {}, 1)
    assert cloud.logs("app", ["web"]) == []
    clock.now += 2.5
    lines = cloud.logs("app", ["web"])
    assert [(line["container"], line["message"]) for line in lines] == [
        ("main", "nginx:1.27.2 line 0"), ("shipper", "fluent/fluent-bit:3.1.9 line 0"),
        ("main", "nginx:1.27.2 line 1"), ("shipper", "fluent/fluent-bit:3.1.9 line 1")]  # up at 101: 101, 102
    assert [line["time"] for line in cloud.logs("app", ["web"], since=lines[-1]["time"])] == [lines[-1]["time"]] * 2

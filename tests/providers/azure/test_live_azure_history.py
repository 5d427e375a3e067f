"""Azure's plan values, history and rollback: secret values (secureValue) never shown or recorded;
each PUT records its body in the group's tags (placeholders only), a tag-only update keeps the
record, and a rollback puts every replica's recorded body back."""

from __future__ import annotations

import json

import pytest
from live_support import RG, Harness, spec_text

from cloudorch.deadline import Deadline
from cloudorch.engine import rollback, service_history
from cloudorch_providers.azure.live.history import KEEP, REV_TAG, records

pytestmark = pytest.mark.sandbox
FIRST, SECOND = "first-session-value-0451", "second-session-value-7788"


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", FIRST)
    return Harness(running, tmp_path)


def tags(live, name: str) -> dict[str, str]:
    return live.aci.container_groups.get(RG, name).tags or {}


def test_plan_values_mask_the_secure_value_and_say_a_secret_changed(live, monkeypatch):
    live.deploy(live.provider(image="nginx:1.27.1", mode="a"))
    monkeypatch.setenv("DEMO_SESSION_KEY", SECOND)
    plan = live.provider(image="nginx:1.27.2", mode="b").plan(deadline=Deadline(60))
    text = json.dumps(plan.to_dict())
    assert FIRST not in text and SECOND not in text
    change = next(c for c in plan.pending if c.name == "demo-web-0")
    shown = {d.path: (d.live, d.desired) for d in change.diff}
    assert shown["containers.web.image"] == ("nginx:1.27.1", "nginx:1.27.2")
    assert shown["containers.web.environmentVariables.MODE"] == ("a", "b")
    assert shown["secrets"] == ("(secret)", "(secret)")
    assert "containers.web.environmentVariables.SESSION_KEY" not in shown  # ARM never returns it


def test_each_put_records_the_body_in_tags_and_keeps_the_last_revisions(live):
    for image in ("nginx:1.27.1", "nginx:1.27.2", "nginx:1.27.3", "nginx:1.27.4"):
        live.deploy(live.provider(image=image))
    for name in ("demo-web-0", "demo-web-1"):
        found = tags(live, name)
        assert found[REV_TAG] == "4"
        kept = records(found)
        assert sorted(kept) == [2, 3, 4][-KEEP:]
        assert all(len(v) <= 256 for v in found.values()) and len(found) <= 50
        assert FIRST not in json.dumps(kept)  # bodies carry placeholders, never values
        assert kept[4]["b"]["properties"]["containers"][0]["properties"]["image"] == "nginx:1.27.4"
    history = service_history(live.provider(image="nginx:1.27.4"), "web", deadline=Deadline(60))
    assert [(r.revision, r.image, r.current) for r in history] == [
        ("2", "nginx:1.27.2", False), ("3", "nginx:1.27.3", False), ("4", "nginx:1.27.4", True)]
    assert [d.path for d in history[-1].changes] == ["containers.web.image"]


def test_a_tag_only_update_keeps_the_record(live):
    live.deploy(live.provider(image="nginx:1.27.1"))
    before = records(tags(live, "demo-web-0"))
    text = spec_text(image="nginx:1.27.1").replace("team: shop", "team: store")
    provider = live.provider(text)
    plan = provider.plan(deadline=Deadline(60))
    assert {tuple(c.fields) for c in plan.pending} == {("tags",)}
    live.deploy(provider)
    after = tags(live, "demo-web-0")
    assert after["team"] == "store" and records(after) == before


def test_rollback_puts_every_replica_back_then_deploy_restores_the_spec(live):
    live.deploy(live.provider(image="nginx:1.27.1", mode="a"))
    provider = live.provider(image="nginx:1.27.2", mode="b")
    live.deploy(provider)
    target, status = rollback(provider, "web", deadline=Deadline(60), poll=0.05)
    assert target.revision == "1" and status.healthy
    for name in ("demo-web-0", "demo-web-1"):
        group = live.aci.container_groups.get(RG, name)
        assert group.containers[0].image == "nginx:1.27.1"
        assert group.tags[REV_TAG] == "3" and group.tags["cloudorch-service"] == "web"
    drift = provider.plan(deadline=Deadline(60))
    shown = {d.path: (d.live, d.desired) for c in drift.pending for d in c.diff}
    assert shown["containers.web.image"] == ("nginx:1.27.1", "nginx:1.27.2")
    live.deploy(provider)
    assert provider.plan(deadline=Deadline(60)).empty

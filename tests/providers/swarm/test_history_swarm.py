"""Swarm's history as the engine keeps it: Spec (current) and PreviousSpec, the engine's times."""

from __future__ import annotations

import datetime as dt

from cloudorch.diff import field_diffs
from cloudorch.secretmask import Mask
from cloudorch_providers.swarm.live.history import revisions


def spec(image: str, token: str) -> dict:
    return {"Name": "shop_web", "Labels": {"cloudorch.app": "shop"},
            "TaskTemplate": {"ContainerSpec": {"Image": image, "Env": ["MODE=a", f"API_TOKEN={token}"]}},
            "Mode": {"Replicated": {"Replicas": 2}}}


def test_current_and_previous_with_the_engine_time():
    service = {"ID": "x", "Spec": spec("nginx:1.27.2", "t2"), "PreviousSpec": spec("nginx:1.27.1", "t1"),
               "UpdatedAt": "2026-12-01T07:00:01.123456789Z", "CreatedAt": "2026-11-30T10:00:00Z"}
    previous, current = revisions(service)
    assert (previous.revision, previous.image, previous.current, previous.time) == ("previous", "nginx:1.27.1",
                                                                                    False, None)
    assert (current.revision, current.image, current.current) == ("current", "nginx:1.27.2", True)
    assert current.time == dt.datetime(2026, 12, 1, 7, 0, 1, 123456, tzinfo=dt.UTC)
    assert current.payload is service["Spec"]  # what a rollback puts back: the engine's own spec
    changes = {d.path: (d.live, d.desired) for d in field_diffs(current.document, previous.document, Mask())}
    assert changes["ContainerSpec.Image"] == ("nginx:1.27.1", "nginx:1.27.2")
    assert changes["ContainerSpec.Env"] == (["MODE=a", "API_TOKEN=(secret)"], ["MODE=a", "API_TOKEN=(secret)"])


def test_a_service_never_updated_has_one_revision():
    (only,) = revisions({"ID": "x", "Spec": spec("nginx:1.27.2", "t"), "CreatedAt": "2026-11-30T10:00:00Z"})
    assert only.revision == "current" and only.time == dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)

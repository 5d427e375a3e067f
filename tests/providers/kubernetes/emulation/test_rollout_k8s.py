"""The deployment controller's rollout arithmetic, step by step without a server."""

from __future__ import annotations

import pytest

from cloudorch_providers.kubernetes.emulation.rollout import (
    RS,
    deployment_status,
    fenceposts,
    new_replicas,
    old_scale_down,
)


def spec(replicas, surge=None, unavailable=None, kind="RollingUpdate"):
    rolling = {k: v for k, v in (("maxSurge", surge), ("maxUnavailable", unavailable)) if v is not None}
    return {"replicas": replicas, "strategy": {"type": kind, "rollingUpdate": rolling}}


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    (10, "25%", "25%", (3, 2)),  # 2.5: surge rounds up, unavailable down
    (4, None, None, (1, 1)),  # the defaults, 25% each
    (3, "25%", "25%", (1, 0)),
    (3, 0, 0, (0, 1)),  # both zero: one may be unavailable
    (1, 0, "50%", (0, 1)),  # 0.5 rounds down to 0, then the both-zero rule
    (2, 1, 5, (1, 2)),  # never more unavailable than desired
])
def test_fenceposts_round_as_upstream(replicas, surge, unavailable, expected):
    assert fenceposts(spec(replicas, surge, unavailable)) == expected


def test_recreate_has_no_fenceposts():
    assert fenceposts(spec(3, kind="Recreate")) == (0, 0)


def test_the_new_replicaset_grows_only_into_the_surge():
    old, new = RS("old", 4, 4, 1), RS("new", 0, 0, 2)
    assert new_replicas(4, 1, [old, new], new) == 1
    assert new_replicas(4, 1, [old, RS("new", 1, 0, 2)], RS("new", 1, 0, 2)) == 1  # 5 pods: full
    assert new_replicas(4, 3, [RS("old", 2, 2), RS("new", 1, 1)], RS("new", 1, 1)) == 4  # capped at desired
    assert new_replicas(2, 1, [RS("new", 5, 5)], RS("new", 5, 5)) == 2  # a scale down


def test_old_replicasets_shrink_only_as_far_as_availability_allows():
    # 4 desired, maxUnavailable 0, the surge pod not ready yet: nothing may go
    assert old_scale_down(4, 0, [RS("old", 4, 4, 1)], RS("new", 1, 0, 2)) == {}
    # the surge pod is ready: one old pod may go
    assert old_scale_down(4, 0, [RS("old", 4, 4, 1)], RS("new", 1, 1, 2)) == {"old": 3}
    # maxUnavailable 1, nothing new ready yet: one old pod may go
    assert old_scale_down(4, 1, [RS("old", 4, 4, 1)], RS("new", 0, 0, 2)) == {"old": 3}


def test_unhealthy_old_pods_go_first_and_the_oldest_replicaset_first():
    olds = [RS("older", 2, 0, 1), RS("old", 3, 3, 2)]
    assert old_scale_down(3, 0, olds, RS("new", 0, 0, 3)) == {"older": 0}
    assert old_scale_down(2, 0, [RS("a", 2, 2, 1), RS("b", 2, 2, 2)], RS("new", 0, 0, 3)) == {"a": 0}


def deployment(status=None, replicas=2, deadline=1):
    return {"metadata": {"generation": 1}, "spec": {"replicas": replicas, "progressDeadlineSeconds": deadline},
            "status": status or {}}


def progressing(status):
    return next(c for c in status["conditions"] if c["type"] == "Progressing")


def test_progress_conditions_follow_upstream():
    counts = {"replicas": 3, "updated": 1, "ready": 2, "available": 2}
    status, last = deployment_status(deployment(), "web-1", True, counts, 100.0, "t0", None)
    assert progressing(status)["reason"] == "NewReplicaSetCreated" and last == 100.0
    # nothing moves for longer than the deadline: timed out
    stalled, last = deployment_status(deployment(status), "web-1", False, counts, 102.0, "t2", last)
    assert (progressing(stalled)["status"], progressing(stalled)["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing(stalled)["message"] == 'ReplicaSet "web-1" has timed out progressing.'
    # progress again (one more ready pod) turns it back, with a new lastUpdateTime
    moved, last = deployment_status(deployment(stalled), "web-1", False, {**counts, "ready": 3, "available": 3},
                                    103.0, "t3", last)
    assert (progressing(moved)["status"], progressing(moved)["reason"]) == ("True", "ReplicaSetUpdated")
    assert progressing(moved)["lastUpdateTime"] == "t3" and last == 103.0
    done, _ = deployment_status(deployment(moved), "web-1", False, {"replicas": 2, "updated": 2, "ready": 2,
                                                                     "available": 2}, 104.0, "t4", last)
    assert progressing(done)["reason"] == "NewReplicaSetAvailable"


def test_no_deadline_at_max_int32():
    counts = {"replicas": 1, "updated": 1, "ready": 0, "available": 0}
    status, last = deployment_status(deployment(deadline=2**31 - 1), "web-1", True, counts, 0.0, "t0", None)
    later, _ = deployment_status(deployment(status, deadline=2**31 - 1), "web-1", False, counts, 1e9, "t1", last)
    assert progressing(later)["reason"] == "NewReplicaSetCreated"

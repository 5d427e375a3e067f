"""Kubernetes status in the app's terms, from objects as the API returns them (no server)."""

from __future__ import annotations

from cloudorch.provider import State
from cloudorch_providers.kubernetes.live.diagnosis import SecretIndex
from cloudorch_providers.kubernetes.live.status import service_status

INDEX = SecretIndex({("shop-secrets", "session-key"): "session-key", ("shop-secrets", "database-url"): "database-url",
                     ("other", "token"): "token"}, "cloudorch secrets set -f app.yaml -p kubernetes")


def test_missing_secrets_are_named_with_their_fix():
    assert INDEX.explain('secret "shop-secrets" not found') == (
        "secrets database-url, session-key missing (Secret shop-secrets does not exist): store them with "
        "`cloudorch secrets set -f app.yaml -p kubernetes database-url` and "
        "`cloudorch secrets set -f app.yaml -p kubernetes session-key`")
    assert INDEX.explain("couldn't find key token in Secret shop/other") == (
        "secret token missing (Secret shop/other has no key token): store it with "
        "`cloudorch secrets set -f app.yaml -p kubernetes token`")
    assert INDEX.explain('secret "unrelated" not found') is None
    assert INDEX.explain('configmap "cfg" not found') is None


def rs(uid, revision, image, replicas):
    return {"metadata": {"uid": uid, "name": f"web-{uid}", "ownerReferences": [{"uid": "d"}],
                         "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}


def pod(name, owner, ready=True, waiting=None):
    status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if waiting:
        status["containerStatuses"] = [{"name": "web", "state": {"waiting": waiting}}]
    return {"metadata": {"name": name, "ownerReferences": [{"uid": owner}]}, "status": status}


def deployment(conditions, updated=1):
    return {"metadata": {"uid": "d", "name": "web", "generation": 2,
                         "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "shop:2"}]}}},
            "status": {"observedGeneration": 2, "replicas": 4, "updatedReplicas": updated, "availableReplicas": 3,
                       "readyReplicas": 3, "conditions": conditions}}


def test_a_rollout_past_its_deadline_says_which_revision_serves():
    stalled = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "web-new" has timed out progressing.'}]
    pods = [pod("old-1", "old"), pod("old-2", "old"), pod("old-3", "old"), pod("new-1", "new", ready=False)]
    status = service_status("web", "shop", None, deployment(stalled), [rs("old", 1, "shop:1", 3),
                                                                       rs("new", 2, "shop:2", 1)], pods, None, [])
    assert status.state is State.FAILED
    assert status.message == ('new revision 2 (shop:2) failed: ProgressDeadlineExceeded: ReplicaSet "web-new" has '
                              "timed out progressing.; revision 1 (shop:1) still serves with 3 ready")


def test_a_first_release_that_fails_is_just_failed():
    crash = {"reason": "CrashLoopBackOff", "message": "back-off 10s"}
    status = service_status("web", "shop", None, deployment([], updated=1), [rs("new", 1, "shop:2", 1)],
                            [pod("new-1", "new", ready=False, waiting=crash)], None, [])
    assert status.state is State.FAILED
    assert status.message == "pod new-1 container web: CrashLoopBackOff (back-off 10s)"


def test_nothing_serving_is_said():
    crash = {"reason": "CrashLoopBackOff", "message": "back-off 10s"}
    status = service_status("web", "shop", None, deployment([], updated=1),
                            [rs("old", 1, "shop:1", 0), rs("new", 2, "shop:2", 3)],
                            [pod("new-1", "new", ready=False, waiting=crash)], None, [])
    assert status.message.endswith("failed: pod new-1 container web: CrashLoopBackOff (back-off 10s); "
                                   "no earlier revision is serving"), status.message

"""Kubernetes history and rollback against the kube-apiserver emulator, through the official client:
revisions are the Deployment's ReplicaSets (revision annotation, owner uid), trimmed to its
revisionHistoryLimit like the real controller; a rollback reuses the older ReplicaSet under the next
revision number, plan shows the drift with values, and deploy restores the spec without a conflict."""

from __future__ import annotations

import uuid

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy, rollback, service_history
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.kubernetes.provider import KubernetesProvider

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: {app}
services:
  web:
    image: {image}
    replicas: 2
    env: {{MODE: "{mode}", API_TOKEN: "{token}"}}
"""


@pytest.fixture
def app():
    return f"hist-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def provider(kube, app):
    def make(image: str, mode: str = "a", token: str = "tok-aaaa-1111") -> KubernetesProvider:
        text = SPEC.format(app=app, image=image, mode=mode, token=token)
        spec = parse_spec(text, f"{app}.yaml", env={}, providers=["kubernetes"])
        return KubernetesProvider(spec, sandbox={"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"})

    return make


def converge(p: KubernetesProvider) -> None:
    result = deploy(p, p.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert result.status is not None and result.status.healthy, result.status


def test_revisions_changes_and_masked_values(provider):
    converge(provider("nginx:1.27.1"))
    converge(provider("nginx:1.27.2", mode="b", token="tok-bbbb-2222"))
    history = service_history(provider("nginx:1.27.2"), "web", deadline=Deadline(30))
    assert [(r.revision, r.image, r.current) for r in history] == [("1", "nginx:1.27.1", False),
                                                                   ("2", "nginx:1.27.2", True)]
    assert all(r.time is not None for r in history)
    changes = {d.path: (d.live, d.desired) for d in history[1].changes}
    assert changes["spec.containers[web].image"] == ("nginx:1.27.1", "nginx:1.27.2")
    assert changes["spec.containers[web].env[MODE].value"] == ("a", "b")
    assert changes["spec.containers[web].env[API_TOKEN].value"] == ("(secret)", "(secret)")
    assert "tok-" not in repr(history)


def test_history_is_trimmed_to_the_revision_history_limit(provider, apps, app, wait):
    converge(provider("nginx:1.27.1"))
    apps.patch_namespaced_deployment("web", app, {"spec": {"revisionHistoryLimit": 1}})  # kubectl patch
    for image in ("nginx:1.27.2", "nginx:1.27.3", "nginx:1.27.4"):
        converge(provider(image))
    wait(lambda: len(apps.list_namespaced_replica_set(app).items) == 2, timeout=10)
    history = service_history(provider("nginx:1.27.4"), "web", deadline=Deadline(30))
    assert [(r.revision, r.image) for r in history] == [("3", "nginx:1.27.3"), ("4", "nginx:1.27.4")]


def test_rollback_reuses_the_replicaset_then_plan_shows_drift_and_deploy_restores(provider, apps, app):
    converge(provider("nginx:1.27.1"))
    p = provider("nginx:1.27.2")
    converge(p)
    target, status = rollback(p, "web", deadline=Deadline(30), poll=0.1)
    assert target.revision == "1" and status.healthy
    assert status.services[0].image == "nginx:1.27.1"
    history = service_history(p, "web", deadline=Deadline(30))
    assert [(r.revision, r.image, r.current) for r in history] == [("2", "nginx:1.27.2", False),
                                                                   ("3", "nginx:1.27.1", True)]
    assert len(apps.list_namespaced_replica_set(app).items) == 2  # the older ReplicaSet was reused
    drift = p.plan(deadline=Deadline(30))
    shown = {(d.path, d.live, d.desired) for c in drift.pending for d in c.diff}
    assert ("spec.template.spec.containers[web].image", "nginx:1.27.1", "nginx:1.27.2") in shown
    # the API server's defaults in the older template were not applied as cloudorch's own fields
    assert [c.fields for c in drift.pending] == [["spec.template.spec.containers"]]
    converge(p)  # no field-manager conflict: the rollback applied as cloudorch
    assert p.plan(deadline=Deadline(30)).empty
    assert [r.image for r in service_history(p, "web", deadline=Deadline(30)) if r.current] == ["nginx:1.27.2"]

"""The Kubernetes provider's live operations against the kube-apiserver emulator, through the official
client over HTTPS: server-side apply and its conflicts, the plan's value and managed-field diff,
replicas handed to and taken back from an autoscaler, ownership, orphans, namespaces, deletion by uid,
status, logs. Each test uses its own app (and so its own namespace) on the module's emulator."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.errors import ProviderError
from cloudorch.provider import Action, State
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.kubernetes.provider import KubernetesProvider

pytestmark = pytest.mark.sandbox

BASE = """\
version: 1
name: {app}
services:
  web:
    image: nginx:1.27.2
    ports: [{{port: 80, public: true}}]
{web}
  api:
    image: {api_image}
    ports: [{{port: 8080}}]
{api}
"""


def app_name() -> str:
    return f"live-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def provider(kube):
    """``provider(app, web="", api="", extra="")``: a KubernetesProvider on the emulator for that spec
    (``web``/``api``: more YAML lines for those services, ``extra``: top-level YAML)."""

    def make(app: str, web: str = "", api: str = "", extra: str = "",
             api_image: str = "ghcr.io/acme/api:1.0") -> KubernetesProvider:
        text = BASE.format(app=app, web=web, api=api, api_image=api_image) + extra
        spec = parse_spec(text, f"{app}.yaml", env={}, providers=["kubernetes"])
        return KubernetesProvider(spec, sandbox={"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"})

    return make


def converge(p: KubernetesProvider, seconds: float = 30):
    result = deploy(p, p.plan(deadline=Deadline(60)), deadline=Deadline(seconds), poll=0.1)
    assert result.status is not None and result.status.healthy, result.status
    return result


def pending(p: KubernetesProvider) -> list[tuple[str, str, str]]:
    return [(str(c.action), c.kind, c.name) for c in p.plan(deadline=Deadline(60)).pending]


def writes(kube) -> list[str]:
    return [r.action for r in kube.admin.requests if r.mutating]


def test_deploy_converges_and_an_unchanged_spec_sends_no_write(kube, provider):
    app = app_name()
    p = provider(app)
    converge(p)
    assert pending(p) == []
    kube.admin.requests.clear()
    again = provider(app)
    result = deploy(again, again.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert result.applied == [] and writes(kube) == []
    assert {r.action.split()[0] for r in kube.admin.requests} <= {"get", "list"}


def test_another_managers_field_is_a_conflict_until_forced(provider, apps):
    app = app_name()
    converge(provider(app))
    apps.patch_namespaced_deployment("web", app, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.25.0"}]}}}}, field_manager="kubectl-edit")
    p = provider(app)
    plan = p.plan(deadline=Deadline(60))
    assert [(c.kind, c.name, c.fields) for c in plan.pending] == [
        ("Deployment", "web", ["spec.template.spec.containers"])]
    with pytest.raises(ProviderError) as caught:
        p.apply(plan.pending[0], deadline=Deadline(60))
    message = str(caught.value)
    assert "\n" not in message
    assert f"Deployment web in namespace {app}" in message
    assert '.spec.template.spec.containers[name="web"].image' in message
    assert "kubectl-edit" in message and "--force-conflicts" in message
    assert apps.read_namespaced_deployment("web", app).spec.template.spec.containers[0].image == "nginx:1.25.0"
    p.force_conflicts = True
    p.apply(plan.pending[0], deadline=Deadline(60))
    assert apps.read_namespaced_deployment("web", app).spec.template.spec.containers[0].image == "nginx:1.27.2"
    assert pending(provider(app)) == []


def test_a_field_the_spec_drops_is_planned_and_removed(provider, apps):
    app = app_name()
    converge(provider(app, api='    command: ["/app/api"]\n    env: {MODE: fast, LEVEL: "2"}'))
    p = provider(app, api='    env: {MODE: fast}')
    plan = p.plan(deadline=Deadline(60))
    assert len(plan.pending) == 1
    fields = plan.pending[0].fields
    assert "spec.template.spec.containers{name=api}.command" in fields
    assert "spec.template.spec.containers" in fields  # the env list got shorter: a value difference
    converge(p)
    container = apps.read_namespaced_deployment("api", app).spec.template.spec.containers[0]
    assert container.command is None and [e.name for e in container.env] == ["MODE"]
    assert pending(provider(app, api='    env: {MODE: fast}')) == []


def test_replicas_are_handed_to_the_autoscaler_and_taken_back(provider, apps):
    app = app_name()
    converge(provider(app, api="    replicas: 3"))
    scaled = provider(app, api="    replicas: 3\n    autoscale: {min: 2, max: 5}")
    plan = scaled.plan(deadline=Deadline(60))
    update = next(c for c in plan.pending if c.kind == "Deployment")
    assert update.fields == ["spec.replicas"] and "HorizontalPodAutoscaler" in update.reason
    assert [c.payload[0].name for c in plan.pending if c.kind == "Deployment"] == ["hand_over_replicas"]
    converge(scaled)
    deployment = apps.read_namespaced_deployment("api", app)
    assert deployment.spec.replicas == 3  # not reset to 1 when the manifest stopped setting it
    managers = {(f.manager, f.operation) for f in deployment.metadata.managed_fields}
    assert ("cloudorch-handover", "Apply") in managers
    assert pending(scaled) == []
    # autoscale dropped from the spec: the HPA goes and the spec's count comes back
    fixed = provider(app, api="    replicas: 2")
    actions = pending(fixed)
    assert ("update", "Deployment", "api") in actions and ("delete", "HorizontalPodAutoscaler", "api") in actions
    converge(fixed)
    assert apps.read_namespaced_deployment("api", app).spec.replicas == 2
    assert pending(fixed) == []


def test_scale_and_autoscale_commands(provider, apps, autoscaling, wait):
    app = app_name()
    p = provider(app)
    converge(p)
    p.scale("api", 3, deadline=Deadline(60))
    assert apps.read_namespaced_deployment("api", app).spec.replicas == 3
    assert ("update", "Deployment", "api") in pending(p)
    from cloudorch.spec.models import Autoscale

    p.autoscale("api", Autoscale(min=3, max=6, cpu_percent=50), deadline=Deadline(60))
    hpa = autoscaling.read_namespaced_horizontal_pod_autoscaler("api", app)
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (3, 6)
    assert hpa.metadata.labels["cloudorch.io/app"] == app
    p.scale("api", 4, deadline=Deadline(60))  # within the autoscaler's bounds: set now, the HPA may move it later
    assert apps.read_namespaced_deployment("api", app).spec.replicas == 4
    p.autoscale("api", None, deadline=Deadline(60))
    wait(lambda: not autoscaling.list_namespaced_horizontal_pod_autoscaler(app).items)
    assert apps.read_namespaced_deployment("api", app).spec.replicas == 4  # kept as the autoscaler left it
    p.autoscale("api", None, deadline=Deadline(60))  # already off: nothing to do
    converge(p)  # the spec's count again
    assert apps.read_namespaced_deployment("api", app).spec.replicas == 1


def test_same_named_objects_that_are_not_ours_are_refused(provider, core, apps, manifest):
    app = app_name()
    core.create_namespace({"metadata": {"name": app}})
    apps.create_namespaced_deployment(app, manifest(name="api"))
    p = provider(app)
    with pytest.raises(ProviderError) as caught:
        p.plan(deadline=Deadline(60))
    message = str(caught.value)
    assert f"Deployment api in namespace {app}" in message and "not managed by cloudorch" in message
    assert app in message
    with pytest.raises(ProviderError, match="not managed by cloudorch"):
        p.scale("api", 2, deadline=Deadline(60))
    with pytest.raises(ProviderError, match="not managed by cloudorch"):
        p.autoscale("api", None, deadline=Deadline(60))
    assert apps.read_namespaced_deployment("api", app).metadata.labels == {"app": "api"}


def test_another_cloudorch_apps_objects_are_not_ours(provider, core):
    shared = app_name()
    core.create_namespace({"metadata": {"name": shared}})
    first = provider(app_name(), extra=f"providers:\n  kubernetes: {{namespace: {shared}}}\n")
    converge(first)
    second = provider(app_name(), extra=f"providers:\n  kubernetes: {{namespace: {shared}}}\n")
    with pytest.raises(ProviderError) as caught:
        second.plan(deadline=Deadline(60))
    assert f"belongs to cloudorch app {first.app.name!r}" in str(caught.value)
    assert second.destroy_plan(deadline=Deadline(60)).empty  # nothing of the second app's: nothing to delete


def test_an_existing_namespace_is_used_but_never_adopted_or_deleted(provider, core):
    app = app_name()
    core.create_namespace({"metadata": {"name": app, "labels": {"team": "platform"}}})
    p = provider(app)
    plan = p.plan(deadline=Deadline(60))
    namespace = next(c for c in plan.changes if c.kind == "Namespace")
    assert namespace.action is Action.NOOP and "never adopted" in namespace.reason
    converge(p)
    labels = core.read_namespace(app).metadata.labels
    assert "cloudorch.io/app" not in labels and labels["team"] == "platform"
    destroy = p.destroy_plan(deadline=Deadline(60))
    assert {c.kind for c in destroy.pending} == {"Deployment", "Service"}
    p.destroy(destroy, deadline=Deadline(60))
    assert core.read_namespace(app).metadata.deletion_timestamp is None
    assert p.destroy_plan(deadline=Deadline(60)).empty


def test_destroy_keeps_our_namespace_while_it_holds_others_objects(provider, core, wait):
    app = app_name()
    p = provider(app)
    converge(p)
    core.create_namespaced_secret(app, {"metadata": {"name": "shop-secrets"}, "stringData": {"k": "v"}})
    plan = p.destroy_plan(deadline=Deadline(60))
    kept = next(c for c in plan.changes if c.kind == "Namespace")
    assert kept.action is Action.NOOP and "Secret shop-secrets" in kept.reason
    assert sorted((c.kind, c.name) for c in plan.pending) == [
        ("Deployment", "api"), ("Deployment", "web"), ("Service", "api"), ("Service", "web")]
    p.destroy(plan, deadline=Deadline(60))
    assert core.read_namespaced_secret("shop-secrets", app).metadata.name == "shop-secrets"
    # once the others' objects are gone, the namespace goes too
    core.delete_namespaced_secret("shop-secrets", app)
    wait(lambda: not [pod for pod in core.list_namespaced_pod(app).items], timeout=10)
    plan = p.destroy_plan(deadline=Deadline(60))
    assert [(str(c.action), c.kind) for c in plan.pending] == [("delete", "Namespace")]
    p.destroy(plan, deadline=Deadline(60))
    from kubernetes.client.exceptions import ApiException

    try:
        assert core.read_namespace(app).metadata.deletion_timestamp is not None
    except ApiException as exc:
        assert exc.status == 404


def test_orphans_are_deleted_by_label_and_exact_name(provider, apps, core, autoscaling):
    app = app_name()
    converge(provider(app, web="    autoscale: {min: 1, max: 3}"))
    # api is gone from the spec, web no longer autoscales
    text = f"version: 1\nname: {app}\nservices:\n  web:\n    image: nginx:1.27.2\n    ports: [{{port: 80}}]\n"
    spec = parse_spec(text, "x.yaml", env={}, providers=["kubernetes"])
    p = KubernetesProvider(spec, sandbox=provider(app).sandbox)
    plan = p.plan(deadline=Deadline(60))
    deletions = sorted((c.kind, c.name, c.reason) for c in plan.pending if c.action is Action.DELETE)
    assert deletions == [("Deployment", "api", "its service is no longer in the spec"),
                         ("HorizontalPodAutoscaler", "web", "the spec has no autoscale for web"),
                         ("Service", "api", "its service is no longer in the spec")]
    converge(p)
    assert [d.metadata.name for d in apps.list_namespaced_deployment(app).items] == ["web"]
    assert [s.metadata.name for s in core.list_namespaced_service(app).items] == ["web"]
    assert autoscaling.list_namespaced_horizontal_pod_autoscaler(app).items == []
    assert p.plan(deadline=Deadline(60)).empty


def test_delete_touches_only_the_object_that_was_planned(provider, apps, manifest):
    app = app_name()
    p = provider(app)
    converge(p)
    plan = p.destroy_plan(deadline=Deadline(60))
    web = next(c for c in plan.pending if c.kind == "Deployment" and c.name == "web")
    apps.delete_namespaced_deployment("web", app)
    replacement = manifest(name="web")
    replacement["metadata"]["labels"] = {"cloudorch.io/app": app, "app.kubernetes.io/managed-by": "cloudorch",
                                         "app": "web"}
    apps.create_namespaced_deployment(app, replacement)
    with pytest.raises(ProviderError, match="replaced by another object since the plan"):
        p.apply(web, deadline=Deadline(60))
    assert apps.read_namespaced_deployment("web", app).metadata.labels["app"] == "web"


def test_status_names_the_failure_and_lists_endpoints(provider):
    app = app_name()
    p = provider(app, api="    replicas: 2")
    converge(p)
    status = {s.name: s for s in p.status(deadline=Deadline(60)).services}
    assert status["web"].state is State.HEALTHY and status["web"].endpoints
    assert all(e.startswith("203.0.113.") and e.endswith(":80") for e in status["web"].endpoints)
    assert status["api"].endpoints == [f"api.{app}.svc:8080"]
    assert (status["api"].desired, status["api"].running, status["api"].revision) == (2, 2, "1")
    broken = provider(app, api="    replicas: 2", api_image="ghcr.io/acme/notfound:1")
    with pytest.raises(Exception, match=r"service api failed: new revision 2 \(ghcr.io/acme/notfound:1\) failed: "
                                        r"pod api-.* container api: ImagePullBackOff .*; "
                                        r"revision 1 \(ghcr.io/acme/api:1.0\) still serves with 2 ready"):
        deploy(broken, broken.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    api = broken.status(["api"], deadline=Deadline(60)).services[0]
    assert api.state is State.FAILED and "ImagePullBackOff" in api.message and api.failed >= 1
    assert api.image == "ghcr.io/acme/notfound:1" and api.revision == "2"
    assert api.running == 2  # the old replicas keep serving (maxUnavailable 0)
    converge(provider(app, api="    replicas: 2"))  # the fix rolls out over the failing pods


def test_status_of_an_app_never_deployed(provider):
    status = provider(app_name()).status(deadline=Deadline(60))
    assert {s.state for s in status.services} == {State.MISSING}
    assert provider(app_name()).destroy_plan(deadline=Deadline(60)).empty


def test_logs_are_timestamped_per_container_and_filtered(provider, wait):
    app = app_name()
    p = provider(app, web="    sidecars:\n      - {name: shipper, image: fluent/fluent-bit:3.1.9}")
    converge(p)
    def read(services):
        return p.logs(services, deadline=Deadline(60))

    lines = wait(lambda: [line for line in read(["web"]) if "heartbeat 2" in line.message] and read(["web"]))
    assert {line.container for line in lines} == {"web", "shipper"}
    assert all(line.service == "web" and line.time.tzinfo is not None for line in lines)
    assert all(not line.replica.startswith("web-") for line in lines)
    assert lines == sorted(lines)
    tail = p.logs(["web"], tail=1, deadline=Deadline(60))
    assert len(tail) == 2  # one per container; the engine keeps the last N overall
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=0.8)
    recent = p.logs(["web"], since=since, deadline=Deadline(60))
    assert recent and all(line.time >= since for line in recent)
    assert read(["api"]) and all(line.service == "api" for line in read(["api"]))

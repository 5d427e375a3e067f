"""Server-side apply on the Kubernetes emulator, as the 37.x client sends it:
``patch_namespaced_*(name, ns, body, field_manager=..., force=..., _content_type="application/apply-patch+yaml")``.
Creation, no-op re-apply (the resourceVersion stays), managed fields, conflicts naming the other
manager and field, force, co-ownership, and removal of fields a manager stops applying."""

from __future__ import annotations

import json
import time

import pytest
from kubernetes.client.exceptions import ApiException, ConflictException

pytestmark = pytest.mark.sandbox
APPLY = "application/apply-patch+yaml"


def apply(api, kind: str, ns: str, body: dict, manager: str = "cloudorch", force: bool | None = None):
    method = getattr(api, f"patch_namespaced_{kind}")
    return method(body["metadata"]["name"], ns, body, field_manager=manager, force=force, _content_type=APPLY)


def managers(obj) -> dict[tuple[str, str, str | None], dict]:
    return {(m.manager, m.operation, m.subresource): m.fields_v1 for m in obj.metadata.managed_fields or []}


def test_apply_creates_and_records_ownership(apps, ns, manifest, http):
    created = apply(apps, "deployment", ns, manifest())
    assert created.metadata.uid and created.spec.replicas == 2
    owned = managers(created)[("cloudorch", "Apply", None)]
    assert owned["f:spec"]["f:replicas"] == {} and owned["f:spec"]["f:selector"] == {}
    container = owned["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert container["."] == {} and container["f:image"] == {}
    assert "f:strategy" not in owned["f:spec"]  # defaulted fields belong to nobody
    entry = created.metadata.managed_fields[0]
    assert (entry.fields_type, entry.api_version) == ("FieldsV1", "apps/v1")
    # the first apply answers 201 Created, later ones 200
    status, _, _ = http("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/other?fieldManager=cloudorch",
                        json.dumps({**manifest("other"), "metadata": {"name": "other"}}).encode(),
                        {"Content-Type": APPLY})
    assert status == 201


def test_reapplying_an_unchanged_configuration_writes_nothing(core, ns):
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
    first = apply(core, "service", ns, body)
    second = apply(core, "service", ns, body)
    assert second.metadata.resource_version == first.metadata.resource_version
    assert core.read_namespaced_service("web", ns).metadata.resource_version == first.metadata.resource_version
    assert second.metadata.managed_fields == first.metadata.managed_fields


def test_reapplying_a_settled_deployment_keeps_its_resource_version(apps, ns, manifest, wait):
    apply(apps, "deployment", ns, manifest())

    def settled():
        before = apps.read_namespaced_deployment("web", ns)
        if before.status is None or not before.status.conditions:
            return None
        ready = (before.status.ready_replicas or 0) == 2 and before.status.observed_generation == 1
        return before if ready and any(c.reason == "NewReplicaSetAvailable" for c in before.status.conditions) else None

    def stable():  # settled, and unchanged over a few controller passes
        first = settled()
        time.sleep(0.2)
        return first if first and apps.read_namespaced_deployment("web", ns).metadata.resource_version == \
            first.metadata.resource_version else None

    before = wait(stable)
    again = apply(apps, "deployment", ns, manifest())
    assert again.metadata.resource_version == before.metadata.resource_version
    assert again.metadata.generation == 1


def test_a_changed_field_is_written_and_bumps_generation(apps, ns, manifest):
    apply(apps, "deployment", ns, manifest())
    changed = apply(apps, "deployment", ns, manifest(image="nginx:1.27"))
    assert changed.spec.template.spec.containers[0].image == "nginx:1.27"
    assert changed.metadata.generation == 2


def test_applying_a_field_another_manager_changed_is_a_conflict(apps, ns, manifest):
    apply(apps, "deployment", ns, manifest(replicas=2))
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}}, field_manager="kubectl-client-side-apply")
    with pytest.raises(ConflictException) as caught:
        apply(apps, "deployment", ns, manifest(replicas=2))
    status = json.loads(caught.value.body)
    assert caught.value.status == 409 and status["reason"] == "Conflict"
    assert status["message"] == ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using '
                                 "apps/v1: .spec.replicas")
    assert status["details"]["causes"] == [{"type": "FieldManagerConflict", "field": ".spec.replicas",
                                            "message": 'conflict with "kubectl-client-side-apply" using apps/v1'}]
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3  # nothing was written


def test_several_conflicts_are_listed(apps, ns, manifest):
    apply(apps, "deployment", ns, manifest())
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 4, "template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27"}]}}}}, field_manager="someone")
    with pytest.raises(ApiException) as caught:
        apply(apps, "deployment", ns, manifest())
    assert json.loads(caught.value.body)["message"] == (
        'Apply failed with 2 conflicts: conflicts with "someone" using apps/v1:\n- .spec.replicas\n'
        '- .spec.template.spec.containers[name="web"].image')


def test_force_takes_ownership(apps, ns, manifest):
    apply(apps, "deployment", ns, manifest(replicas=2))
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}}, field_manager="kubectl-client-side-apply")
    forced = apply(apps, "deployment", ns, manifest(replicas=2), force=True)
    assert forced.spec.replicas == 2
    assert not any(m.manager == "kubectl-client-side-apply" for m in forced.metadata.managed_fields)
    assert apply(apps, "deployment", ns, manifest(replicas=2)).spec.replicas == 2  # no conflict any more


def test_the_same_value_is_shared_without_conflict(core, ns):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}}
    apply(core, "config_map", ns, body, manager="first")
    shared = apply(core, "config_map", ns, {**body, "data": {"a": "1"}}, manager="second")
    owners = managers(shared)
    assert "f:a" in owners[("first", "Apply", None)]["f:data"] and "f:a" in owners[("second", "Apply", None)]["f:data"]
    with pytest.raises(ConflictException):
        apply(core, "config_map", ns, {**body, "data": {"a": "changed"}}, manager="second")


def test_fields_a_manager_stops_applying_are_removed_unless_someone_else_owns_them(core, ns):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"a": "1", "b": "2"}},
            "data": {"x": "1", "y": "2", "z": "3"}}
    apply(core, "config_map", ns, body)
    core.patch_namespaced_config_map("cfg", ns, {"data": {"z": "33"}}, field_manager="editor")
    trimmed = apply(core, "config_map", ns, {**body, "metadata": {"name": "cfg", "labels": {"a": "1"}},
                                            "data": {"x": "1"}})
    assert trimmed.metadata.labels == {"a": "1"}
    assert trimmed.data == {"x": "1", "z": "33"}  # z is the editor's now


def test_apply_needs_a_field_manager(http, ns):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}).encode()
    status, _, reply = http("PATCH", f"/api/v1/namespaces/{ns}/configmaps/x", body, {"Content-Type": APPLY})
    assert status == 422 and "fieldManager: Required value" in reply["message"]


def test_yaml_apply_bodies_are_accepted(http, ns):
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  key: value\n"
    status, _, reply = http("PATCH", f"/api/v1/namespaces/{ns}/configmaps/from-yaml?fieldManager=me", yaml_body,
                            {"Content-Type": APPLY})
    assert status == 201 and reply["data"] == {"key": "value"}


def test_an_autoscaler_owns_replicas_after_it_scales(apps, autoscaling, ns, manifest, wait):
    apply(apps, "deployment", ns, manifest(replicas=1))
    autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {
        "metadata": {"name": "web"}, "spec": {"minReplicas": 3, "maxReplicas": 5, "scaleTargetRef": {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}})
    wait(lambda: apps.read_namespaced_deployment("web", ns).spec.replicas == 3)
    with pytest.raises(ConflictException) as caught:
        apply(apps, "deployment", ns, manifest(replicas=1))
    assert json.loads(caught.value.body)["message"] == (
        'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using '
        "apps/v1: .spec.replicas")
    without = manifest()
    del without["spec"]["replicas"]
    assert apply(apps, "deployment", ns, without).spec.replicas == 3


def test_the_adapters_rendered_documents_apply_cleanly_and_reapply_as_no_ops(api_client, load_example, wait):
    from kubernetes import client

    from cloudorch_providers.kubernetes.provider import KubernetesProvider

    documents = [d.body for d in KubernetesProvider(load_example("webshop")).render()]
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    hpas, batch = client.AutoscalingV2Api(api_client), client.BatchV1Api(api_client)
    kinds = {"Namespace": (core, "namespace"), "Deployment": (apps, "namespaced_deployment"),
             "Service": (core, "namespaced_service"), "HorizontalPodAutoscaler": (hpas,
                                                                                  "namespaced_horizontal_pod_autoscaler"),
             "CronJob": (batch, "namespaced_cron_job")}

    def apply_all():
        results = {}
        for body in documents:
            api, suffix = kinds[body["kind"]]
            meta = body["metadata"]
            args = (meta["name"], meta["namespace"]) if "namespaced" in suffix else (meta["name"],)
            results[(body["kind"], meta["name"])] = getattr(api, f"patch_{suffix}")(
                *args, body, field_manager="cloudorch", _content_type=APPLY)
        return results

    first = apply_all()
    namespace = next(d["metadata"]["name"] for d in documents if d["kind"] == "Namespace")
    core.create_namespaced_secret(namespace, {"metadata": {"name": "shop-secrets"}, "stringData": {
        "session-key": "dev-session", "database-url": "postgres://dev@db/shop"}})

    def settled():
        deployments = apps.list_namespaced_deployment(namespace).items
        return all(d.status and d.status.observed_generation == d.metadata.generation and
                   any(c.reason == "NewReplicaSetAvailable" for c in d.status.conditions or []) for d in deployments)

    wait(settled, timeout=10)
    before = {**{("Deployment", o.metadata.name): o.metadata.resource_version
                 for o in apps.list_namespaced_deployment(namespace).items},
              **{("Service", o.metadata.name): o.metadata.resource_version
                 for o in core.list_namespaced_service(namespace).items}}
    again = apply_all()
    assert len(first) == len(documents)
    for key, version in before.items():
        assert again[key].metadata.resource_version == version, key


def test_a_container_dropped_from_the_configuration_is_removed_whole(apps, ns, manifest):
    body = manifest()
    body["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36",
                                                           "env": [{"name": "A", "value": "1"}]})
    apply(apps, "deployment", ns, body)
    trimmed = apply(apps, "deployment", ns, manifest())
    assert [c.name for c in trimmed.spec.template.spec.containers] == ["web"]
    owned = managers(trimmed)[("cloudorch", "Apply", None)]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert list(owned) == ['k:{"name":"web"}']

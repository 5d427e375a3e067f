"""The Kubernetes emulator's REST semantics, through the official client (37.x, strict pydantic models:
every reply must parse) over real HTTPS: errors as Status objects, resourceVersion preconditions,
generation, defaulting, validation, patches, subresources, selectors, deletion."""

from __future__ import annotations

import base64
import ipaddress
import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException, ConflictException

pytestmark = pytest.mark.sandbox


def status_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


# -- transport, discovery, auth --------------------------------------------------------------------------
def test_requests_without_a_bearer_token_are_unauthorized(http):
    status, _, body = http("GET", "/api/v1/namespaces", token=None)
    assert status == 401
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert http("GET", "/version", token=None)[0] == 200


def test_discovery_names_the_served_resources(http):
    assert http("GET", "/api")[2]["versions"] == ["v1"]
    groups = {g["name"]: g["preferredVersion"]["groupVersion"] for g in http("GET", "/apis")[2]["groups"]}
    assert groups == {"apps": "apps/v1", "autoscaling": "autoscaling/v2", "batch": "batch/v1"}
    core = {r["name"]: r for r in http("GET", "/api/v1")[2]["resources"]}
    assert {"namespaces", "pods", "pods/log", "services", "secrets", "events"} <= set(core)
    assert core["pods"]["verbs"] == ["delete", "deletecollection", "get", "list", "watch"]
    assert core["services"]["shortNames"] == ["svc"] and core["namespaces"]["namespaced"] is False
    apps = {r["name"]: r for r in http("GET", "/apis/apps/v1")[2]["resources"]}
    assert apps["deployments/scale"]["kind"] == "Scale" and apps["deployments"]["kind"] == "Deployment"
    assert http("GET", "/apis/autoscaling/v2")[2]["resources"][0]["kind"] == "HorizontalPodAutoscaler"
    assert http("GET", "/apis/batch/v1")[2]["resources"][0]["kind"] in ("Job", "CronJob")
    assert http("GET", "/apis/batch/v2")[0] == 404


def test_version_is_what_the_client_reads(api_client):
    info = client.VersionApi(api_client).get_code()
    assert (info.major, info.minor) == ("1", "32")


def test_protobuf_bodies_are_refused_with_415(http):
    protobuf = {"Content-Type": "application/vnd.kubernetes.protobuf"}
    status, _, body = http("POST", "/api/v1/namespaces", b"k8s\x00", protobuf)
    assert status == 415 and body["reason"] == "UnsupportedMediaType"


# -- errors ------------------------------------------------------------------------------------------------
def test_not_found_is_a_status_object(apps, ns):
    with pytest.raises(ApiException) as caught:
        apps.read_namespaced_deployment("nope", ns)
    assert caught.value.status == 404
    assert status_of(caught.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "nope" not found', "reason": "NotFound", "code": 404,
        "details": {"name": "nope", "group": "apps", "kind": "deployments"}}


def test_creating_an_existing_name_is_already_exists(core, ns):
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
    body = status_of(caught.value)
    assert caught.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["message"] == 'secrets "s" already exists'


def test_creating_in_a_missing_namespace_is_not_found(apps, manifest):
    with pytest.raises(ApiException) as caught:
        apps.create_namespaced_deployment("no-such-namespace", manifest())
    assert caught.value.status == 404
    assert status_of(caught.value)["message"] == 'namespaces "no-such-namespace" not found'


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda d: d["spec"].pop("selector"), "spec.selector", "Required value"),
    (lambda d: d["spec"].pop("template"), "spec.template", "Required value"),
    (lambda d: d["spec"]["template"]["metadata"].__setitem__("labels", {"app": "other"}),
     "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("image"),
     "spec.template.spec.containers[0].image", "Required value"),
    (lambda d: d["spec"].__setitem__("replicas", -1), "spec.replicas",
     "Invalid value: -1: must be greater than or equal to 0"),
])
def test_invalid_deployments_are_422(http, ns, manifest, change, field, message):
    # sent raw: the 37.x client validates request bodies against its models and would refuse some of these
    body = manifest()
    change(body)
    code, _, status = http("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body)
    assert code == 422 and status["reason"] == "Invalid" and status["code"] == 422
    assert status["message"] == f'Deployment.apps "web" is invalid: {field}: {message}'
    assert {"field": field, "message": message} in [
        {k: c[k] for k in ("field", "message")} for c in status["details"]["causes"]]
    assert status["details"]["kind"] == "Deployment" and status["details"]["group"] == "apps"


def test_the_client_surfaces_422_as_an_api_exception(apps, ns, manifest):
    body = manifest()
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiException) as caught:
        apps.create_namespaced_deployment(ns, body)
    assert caught.value.status == 422 and status_of(caught.value)["reason"] == "Invalid"


def test_a_wrongly_typed_field_is_400_as_from_the_decoder(http, ns, manifest):
    body = manifest()
    body["spec"]["replicas"] = "3"
    status, _, reply = http("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body)
    assert status == 400 and "cannot unmarshal string" in reply["message"]


# -- writes, resourceVersion, generation --------------------------------------------------------------------
def test_deployment_defaults_and_metadata(apps, ns, manifest):
    body = manifest()
    del body["spec"]["replicas"]
    created = apps.create_namespaced_deployment(ns, body)
    meta, spec = created.metadata, created.spec
    assert meta.uid and meta.creation_timestamp and meta.generation == 1 and int(meta.resource_version) > 0
    assert spec.replicas == 1 and spec.strategy.type == "RollingUpdate"
    assert spec.strategy.rolling_update.max_surge == "25%" and spec.revision_history_limit == 10
    container = spec.template.spec.containers[0]
    assert container.image_pull_policy == "IfNotPresent" and container.ports[0].protocol == "TCP"
    assert spec.template.spec.restart_policy == "Always" and spec.progress_deadline_seconds == 600


def test_replace_with_a_stale_resource_version_is_a_conflict(core, ns):
    # a ConfigMap: no controller writes to it between our reads (a Deployment's status moves on its own)
    first = core.create_namespaced_config_map(ns, {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    first.data["a"] = "2"
    second = core.replace_namespaced_config_map("cm", ns, first)
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    first.data["a"] = "3"  # still carries the old resourceVersion
    with pytest.raises(ConflictException) as caught:
        core.replace_namespaced_config_map("cm", ns, first)
    status = status_of(caught.value)
    assert caught.value.status == 409 and status["reason"] == "Conflict"
    assert status["message"] == ('Operation cannot be fulfilled on configmaps "cm": the object has been '
                                 "modified; please apply your changes to the latest version and try again")
    second.data["a"] = "4"
    assert core.replace_namespaced_config_map("cm", ns, second).data == {"a": "4"}


def test_generation_follows_the_spec(apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest())
    relabelled = apps.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"tier": "web"}}})
    assert relabelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 5}})
    assert scaled.metadata.generation == 2
    assert apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 5}}).metadata.generation == 2


def test_writes_that_change_nothing_keep_the_resource_version(core, ns):
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    patched = core.patch_namespaced_config_map("cm", ns, {"data": {"a": "1"}})
    replaced = core.replace_namespaced_config_map("cm", ns, patched)
    assert created.metadata.resource_version == patched.metadata.resource_version == replaced.metadata.resource_version
    changed = core.patch_namespaced_config_map("cm", ns, {"data": {"a": "2"}})
    assert int(changed.metadata.resource_version) > int(created.metadata.resource_version)


def test_patch_flavours(apps, ns, manifest):
    body = manifest()
    body["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    apps.create_namespaced_deployment(ns, body)
    # strategic merge (the client's default for a dict): containers merge by name
    patched = apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "MODE", "value": "fast"}]}]}}}})
    containers = {c.name: c for c in patched.spec.template.spec.containers}
    assert set(containers) == {"web", "sidecar"} and containers["web"].image == "nginx:1.25"
    assert containers["web"].env[0].value == "fast"
    # JSON merge patch: lists are replaced whole, null deletes
    merged = apps.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"app": None, "x": "y"}}},
                                              _content_type="application/merge-patch+json")
    assert merged.metadata.labels == {"x": "y"}
    # JSON patch: a list of operations
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 4},
           {"op": "add", "path": "/metadata/annotations", "value": {"note": "json-patch"}}]
    jsoned = apps.patch_namespaced_deployment("web", ns, ops)
    assert jsoned.spec.replicas == 4 and jsoned.metadata.annotations["note"] == "json-patch"
    # a resourceVersion in a patch is a precondition
    with pytest.raises(ApiException) as caught:
        apps.patch_namespaced_deployment("web", ns, {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 1}})
    assert caught.value.status == 409


def test_kubectl_style_strategic_merge_directives(apps, ns, manifest):
    body = manifest()
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    body["spec"]["template"]["spec"]["containers"][0]["env"] = env
    apps.create_namespaced_deployment(ns, body)
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "web"}],
        "containers": [{"$setElementOrder/env": [{"name": "B"}, {"name": "C"}], "name": "web",
                        "env": [{"name": "C", "value": "3"}, {"$patch": "delete", "name": "A"}]}]}}}}
    patched = apps.patch_namespaced_deployment("web", ns, patch)
    env = [(e.name, e.value) for e in patched.spec.template.spec.containers[0].env]
    assert env == [("B", "2"), ("C", "3")]


def test_scale_subresource(apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest())
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert scale.kind == "Scale" and scale.spec.replicas == 2 and scale.status.selector == "app=web"
    patched = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 5}})
    assert patched.spec.replicas == 5
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 5
    scale = apps.read_namespaced_deployment_scale("web", ns)
    scale.spec.replicas = 1
    scale.metadata.resource_version = None  # unconditional: the controller keeps writing status meanwhile
    assert apps.replace_namespaced_deployment_scale("web", ns, scale).spec.replicas == 1
    managers = {(m.manager, m.subresource) for m in apps.read_namespaced_deployment("web", ns).metadata.managed_fields}
    assert ("OpenAPI-Generator", "scale") in managers


def test_status_is_ignored_on_the_main_resource(apps, ns, manifest):
    body = manifest()
    body["status"] = {"replicas": 99}
    created = apps.create_namespaced_deployment(ns, body)
    assert created.status is not None and created.status.replicas is None  # "status": {} as upstream


def test_dry_run_persists_nothing(apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest(), dry_run="All")
    with pytest.raises(ApiException) as caught:
        apps.read_namespaced_deployment("web", ns)
    assert caught.value.status == 404


# -- kinds ------------------------------------------------------------------------------------------------
def test_secrets_encode_string_data(core, ns):
    created = core.create_namespaced_secret(ns, {"metadata": {"name": "db"}, "stringData": {"password": "hunter2"}})
    assert created.type == "Opaque" and created.string_data is None
    assert base64.b64decode(created.data["password"]) == b"hunter2"
    core.patch_namespaced_secret("db", ns, {"data": {"user": base64.b64encode(b"app").decode()}})
    assert set(core.read_namespaced_secret("db", ns).data) == {"password", "user"}
    assert [s.metadata.name for s in core.list_namespaced_secret(ns, field_selector="type=Opaque").items] == ["db"]
    core.delete_namespaced_secret("db", ns)
    assert core.list_namespaced_secret(ns).items == []


def test_services_get_cluster_ips_and_node_ports(core, ns):
    cidr = ipaddress.ip_network("10.96.0.0/12")
    one = core.create_namespaced_service(ns, {"metadata": {"name": "one"}, "spec": {
        "selector": {"app": "one"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    two = core.create_namespaced_service(ns, {"metadata": {"name": "two"}, "spec": {
        "type": "LoadBalancer", "selector": {"app": "two"}, "ports": [{"port": 443}]}})
    assert one.spec.type == "ClusterIP" and ipaddress.ip_address(one.spec.cluster_ip) in cidr
    assert one.spec.cluster_ips == [one.spec.cluster_ip] and one.spec.cluster_ip != two.spec.cluster_ip
    assert one.spec.ports[0].protocol == "TCP" and one.spec.ports[0].node_port is None
    assert two.spec.ports[0].target_port == 443 and 30000 <= two.spec.ports[0].node_port <= 32767
    one.spec.cluster_ip, one.spec.cluster_ips = "10.96.0.200", ["10.96.0.200"]
    with pytest.raises(ApiException) as caught:
        core.replace_namespaced_service("one", ns, one)
    assert caught.value.status == 422 and "field is immutable" in status_of(caught.value)["message"]
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_service(ns, {"metadata": {"name": "three"}, "spec": {"selector": {"app": "x"}}})
    assert status_of(caught.value)["message"] == 'Service "three" is invalid: spec.ports: Required value'


def test_label_and_field_selectors(core, ns):
    for name, labels in (("a", {"tier": "web", "env": "prod"}), ("b", {"tier": "db", "env": "prod"}),
                         ("c", {"tier": "web"})):
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})

    def names(**query):
        return [c.metadata.name for c in core.list_namespaced_config_map(ns, **query).items]

    assert names(label_selector="tier=web") == ["a", "c"]
    assert names(label_selector="tier==web,env=prod") == ["a"]
    assert names(label_selector="tier!=web") == ["b"]
    assert names(label_selector="tier in (db, web),env") == ["a", "b"]
    assert names(label_selector="tier notin (web)") == ["b"]
    assert names(label_selector="!env") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b", label_selector="tier=web") == ["a", "c"]
    with pytest.raises(ApiException) as caught:
        names(field_selector="spec.nope=1")
    assert caught.value.status == 400 and "field label not supported" in status_of(caught.value)["message"]


def test_lists_carry_a_resource_version_and_cover_all_namespaces(core, apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest())
    listed = apps.list_deployment_for_all_namespaces()
    assert int(listed.metadata.resource_version) > 0
    assert (ns, "web") in {(d.metadata.namespace, d.metadata.name) for d in listed.items}
    assert {n.metadata.name for n in core.list_namespace().items} >= {"default", "kube-system", ns}


def test_pods_can_be_read_and_deleted_but_not_created(core, ns, http):
    status, _, body = http("POST", f"/api/v1/namespaces/{ns}/pods", {
        "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    assert status == 405 and body["reason"] == "MethodNotAllowed"


def test_deleting_a_deployment_cascades_to_its_replicasets_and_pods(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=2))
    wait(lambda: len(core.list_namespaced_pod(ns).items) == 2)
    reply = apps.delete_namespaced_deployment("web", ns)  # 37.x: a plain dict (a Status or the object)
    assert reply["kind"] == "Status" and reply["status"] == "Success" and reply["details"]["name"] == "web"
    assert apps.list_namespaced_replica_set(ns).items == [] and core.list_namespaced_pod(ns).items == []


def test_orphan_propagation_keeps_the_dependents(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    wait(lambda: len(core.list_namespaced_pod(ns).items) == 1)
    apps.delete_namespaced_deployment("web", ns, propagation_policy="Orphan")
    replicasets = apps.list_namespaced_replica_set(ns).items
    assert len(replicasets) == 1 and not replicasets[0].metadata.owner_references
    assert len(core.list_namespaced_pod(ns).items) == 1


def test_deleting_a_namespace_removes_everything_in_it(core, apps, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest())
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
    terminating = core.delete_namespace(ns)  # the namespace, now Terminating
    assert terminating["kind"] == "Namespace" and terminating["status"]["phase"] == "Terminating"
    wait(lambda: ns not in {n.metadata.name for n in core.list_namespace().items})
    assert [d for d in apps.list_deployment_for_all_namespaces().items if d.metadata.namespace == ns] == []
    assert [s for s in core.list_secret_for_all_namespaces().items if s.metadata.namespace == ns] == []
    with pytest.raises(ApiException) as caught:
        core.delete_namespace("default")
    assert caught.value.status == 403


def test_delete_collection_by_label(core, ns):
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": {"tier": tier}}})
    core.delete_collection_namespaced_config_map(ns, label_selector="tier=web")
    assert [c.metadata.name for c in core.list_namespaced_config_map(ns).items] == ["c"]


def test_tables_for_kubectl(http, apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest())
    status, _, table = http("GET", f"/apis/apps/v1/namespaces/{ns}/deployments",
                            headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
    assert status == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert table["rows"][0]["cells"][0] == "web"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_kubeconfig_helper_works_with_the_client_loader(kube):
    from kubernetes import config

    document = kube.emulator.kubeconfig(kube.url, kube.ca_cert)
    assert kube.client_config() == {"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"}
    api = config.new_client_from_config_dict(document)
    names = {n.metadata.name for n in client.CoreV1Api(api).list_namespace().items}
    assert "default" in names
    api.close()

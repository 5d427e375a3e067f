"""The Kubernetes emulator refuses what a cluster refuses, through the official client: pods wait for the
Secrets they read, rollouts keep within maxSurge / maxUnavailable and time out on their progress deadline,
watches answer at once, and the OpenAPI documents kubectl reads are served."""

from __future__ import annotations

import http.client
import ssl
import threading

import pytest

pytestmark = pytest.mark.sandbox


@pytest.fixture
def wait(wait):
    """The conftest's ``wait`` with a longer default: these tests run beside others on a busy machine."""
    return lambda check, timeout=15.0: wait(check, timeout=max(timeout, 15.0))


def pods_of(core, ns, selector="app=web"):
    return core.list_namespaced_pod(ns, label_selector=selector).items


def ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def waiting(pod):
    statuses = pod.status.container_statuses or []
    return statuses[0].state.waiting if statuses and statuses[0].state else None


def condition(deployment, kind):
    return next((c for c in (deployment.status.conditions or []) if c.type == kind), None)


def reading(manifest, **container):
    body = manifest(replicas=1)
    body["spec"]["template"]["spec"]["containers"][0].update(container)
    return body


def warnings(core, ns, pod):
    events = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={pod.metadata.name}").items
    return [(e.reason, e.message) for e in events if e.type == "Warning"]


# -- pods wait for their Secrets ------------------------------------------------------------------------
def test_a_missing_secret_keeps_the_container_in_create_container_config_error(apps, core, ns, manifest, wait):
    env = [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}]
    apps.create_namespaced_deployment(ns, reading(manifest, env=env))
    pod = wait(lambda: next((p for p in pods_of(core, ns) if waiting(p) and
                             waiting(p).reason == "CreateContainerConfigError"), None))
    assert waiting(pod).message == 'secret "db" not found'
    assert pod.status.phase == "Pending" and not ready(pod)
    assert wait(lambda: ("Failed", 'Error: secret "db" not found') in warnings(core, ns, pod))
    with pytest.raises(Exception, match="CreateContainerConfigError"):
        core.read_namespaced_pod_log(pod.metadata.name, ns)

    core.create_namespaced_secret(ns, {"metadata": {"name": "db"}, "stringData": {"user": "shop"}})
    wait(lambda: (w := waiting(core.read_namespaced_pod(pod.metadata.name, ns))) and
         w.message == f"couldn't find key url in Secret {ns}/db")
    deployment = apps.read_namespaced_deployment("web", ns)
    assert not deployment.status.available_replicas

    core.patch_namespaced_secret("db", ns, {"stringData": {"url": "postgres://db/shop"}})
    started = wait(lambda: ready(p := core.read_namespaced_pod(pod.metadata.name, ns)) and p)
    assert started.status.container_statuses[0].state.running
    wait(lambda: apps.read_namespaced_deployment("web", ns).status.available_replicas == 1)
    assert "started" in wait(lambda: core.read_namespaced_pod_log(pod.metadata.name, ns))


def test_env_from_a_missing_secret_blocks_unless_optional(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, reading(manifest, envFrom=[{"secretRef": {"name": "shop"}}]))
    pod = wait(lambda: next((p for p in pods_of(core, ns) if waiting(p) and
                             waiting(p).reason == "CreateContainerConfigError"), None))
    assert waiting(pod).message == 'secret "shop" not found'

    optional = reading(manifest, envFrom=[{"secretRef": {"name": "shop", "optional": True}}],
                       env=[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "x",
                                                                             "optional": True}}}])
    optional["metadata"]["name"] = "opt"
    for labels in (optional["metadata"]["labels"], optional["spec"]["selector"]["matchLabels"],
                   optional["spec"]["template"]["metadata"]["labels"]):
        labels["app"] = "opt"
    optional["spec"]["template"]["spec"]["containers"][0]["name"] = "opt"
    apps.create_namespaced_deployment(ns, optional)
    wait(lambda: any(ready(p) for p in pods_of(core, ns, "app=opt")))


def test_a_missing_configmap_key_is_reported_as_the_kubelet_does(apps, core, ns, manifest, wait):
    core.create_namespaced_config_map(ns, {"metadata": {"name": "cfg"}, "data": {"a": "1"}})
    env = [{"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "b"}}}]
    apps.create_namespaced_deployment(ns, reading(manifest, env=env))
    pod = wait(lambda: next((p for p in pods_of(core, ns) if waiting(p) and
                             waiting(p).reason == "CreateContainerConfigError"), None))
    assert waiting(pod).message == f"couldn't find key b in ConfigMap {ns}/cfg"


def test_a_missing_secret_volume_keeps_the_pod_creating_with_failed_mount_events(apps, core, ns, manifest, wait):
    body = reading(manifest, volumeMounts=[{"name": "creds", "mountPath": "/creds"}])
    body["spec"]["template"]["spec"]["volumes"] = [{"name": "creds", "secret": {"secretName": "tls"}}]
    apps.create_namespaced_deployment(ns, body)
    message = 'MountVolume.SetUp failed for volume "creds" : secret "tls" not found'
    pod = wait(lambda: next((p for p in pods_of(core, ns) if waiting(p) and ("FailedMount", message) in
                             warnings(core, ns, p)), None))
    assert waiting(pod).reason == "ContainerCreating" and pod.status.phase == "Pending"
    core.create_namespaced_secret(ns, {"metadata": {"name": "tls"}, "stringData": {"tls.crt": "x"}})
    wait(lambda: ready(core.read_namespaced_pod(pod.metadata.name, ns)))


# -- rollouts ---------------------------------------------------------------------------------------------
def watch_rollout(core, ns, stop: threading.Event, seen: list[tuple[int, int]]) -> threading.Thread:
    """Sample (pods, ready pods) of app=web until ``stop``."""
    def run():
        while not stop.is_set():
            pods = pods_of(core, ns)
            seen.append((len(pods), sum(1 for p in pods if ready(p))))
            stop.wait(0.01)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "most", "fewest"), [
    (4, 1, 0, 5, 4),
    (10, "25%", "25%", 13, 8),  # surge 2.5 -> 3 (up), unavailable 2.5 -> 2 (down)
    (3, 0, 1, 3, 2),
])
def test_a_rollout_keeps_within_max_surge_and_max_unavailable(apps, core, ns, manifest, wait, replicas, surge,
                                                              unavailable, most, fewest):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    apps.create_namespaced_deployment(ns, manifest(replicas=replicas, strategy=strategy))
    wait(lambda: apps.read_namespaced_deployment("web", ns).status.available_replicas == replicas, timeout=10)
    stop, seen = threading.Event(), []
    thread = watch_rollout(core, ns, stop, seen)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27"}]}}}})

    def done():
        d = apps.read_namespaced_deployment("web", ns)
        return (d.status.observed_generation == 2 and d.status.updated_replicas == replicas
                and d.status.replicas == replicas and d.status.available_replicas == replicas)
    wait(done, timeout=20)
    stop.set()
    thread.join()
    assert max(total for total, _ in seen) <= most, seen
    assert min(up for _, up in seen) >= fewest, seen
    assert len(seen) > 5


def test_a_crashing_new_revision_stops_within_the_surge_and_times_out(apps, core, ns, manifest, wait):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    apps.create_namespaced_deployment(ns, manifest(replicas=3, strategy=strategy, progressDeadlineSeconds=1))
    wait(lambda: apps.read_namespaced_deployment("web", ns).status.available_replicas == 3, timeout=10)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "example/crashloop:2"}]}}}})
    stalled = wait(lambda: (c := condition(d := apps.read_namespaced_deployment("web", ns), "Progressing"))
                   and c.reason == "ProgressDeadlineExceeded" and d, timeout=10)
    progressing = condition(stalled, "Progressing")
    assert progressing.status == "False"
    assert progressing.message.endswith("has timed out progressing.")
    assert condition(stalled, "Available").status == "True"  # the old pods still serve
    sets = {rs.spec.template.spec.containers[0].image: rs for rs in apps.list_namespaced_replica_set(ns).items}
    assert sets["nginx:1.25"].spec.replicas == 3 and sets["example/crashloop:2"].spec.replicas == 1
    assert stalled.status.updated_replicas == 1 and stalled.status.available_replicas == 3

    # rolling back counts as progress again
    apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.25"}]}}}})
    back = wait(lambda: (c := condition(d := apps.read_namespaced_deployment("web", ns), "Progressing"))
                and c.reason == "NewReplicaSetAvailable" and d, timeout=10)
    assert back.metadata.annotations["deployment.kubernetes.io/revision"] == "3"


def test_a_new_replicaset_is_reported_created(apps, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1, progressDeadlineSeconds=30))
    first = wait(lambda: (c := condition(apps.read_namespaced_deployment("web", ns), "Progressing")) and c)
    assert first.reason in ("NewReplicaSetCreated", "ReplicaSetUpdated", "NewReplicaSetAvailable")
    wait(lambda: condition(apps.read_namespaced_deployment("web", ns), "Progressing").reason ==
         "NewReplicaSetAvailable")


# -- watches and OpenAPI ----------------------------------------------------------------------------------
def test_a_watch_sends_its_headers_before_any_event(kube, ns):
    host, port = kube.url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), timeout=2,
                                             context=ssl.create_default_context(cafile=kube.ca_cert))
    connection.request("GET", f"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion=1000000000",
                       headers={"Authorization": "Bearer sandbox"})
    response = connection.getresponse()  # times out (2 s) if the headers wait for the first event
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    connection.close()


def test_openapi_v2_is_the_kubernetes_schema_in_json(http):
    status, headers, document = http("GET", "/openapi/v2", headers={"Accept": "application/json"})
    assert status == 200 and document["swagger"] == "2.0"
    spec = document["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert spec["x-kubernetes-patch-strategy"] == "merge" and spec["x-kubernetes-patch-merge-key"] == "name"
    assert spec["items"] == {"$ref": "#/definitions/io.k8s.api.core.v1.Container"}
    surge = document["definitions"]["io.k8s.api.apps.v1.RollingUpdateDeployment"]["properties"]["maxSurge"]
    assert surge["$ref"] == "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"
    assert document["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    assert "/apis/apps/v1/namespaces/{namespace}/deployments/{name}" in document["paths"]
    assert headers.get("ETag")
    # kubectl asks for protobuf only; JSON is all this server speaks, so it says so
    status, _, error = http("GET", "/openapi/v2",
                            headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert status == 406 and error["reason"] == "NotAcceptable"


def test_openapi_v3_documents_carry_real_schemas(http):
    status, _, index = http("GET", "/openapi/v3")
    assert status == 200
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    status, _, document = http("GET", url)
    schemas = document["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment",
                                                              "version": "v1"}]
    assert deployment["properties"]["spec"]["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1."
                                                                  "DeploymentSpec"}]
    assert "io.k8s.api.core.v1.Container" in schemas
    assert http("GET", "/openapi/v3/apis/nothing/v1")[0] == 404

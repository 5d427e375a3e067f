"""The Kubernetes emulator's controller loop seen through the official client: deployments make
replicasets make pods, pods become ready, rollouts replace them, broken images fail the way a kubelet
reports it, autoscalers clamp replicas, load balancers get addresses, containers write logs, events are
recorded and watches stream changes. Every object also validates against the Kubernetes 1.32 OpenAPI
schemas (strict: no unknown fields) shipped by kubernetes-validate."""

from __future__ import annotations

import re

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

pytestmark = pytest.mark.sandbox
SAFE = "[bcdfghjklmnpqrstvwxz2456789]"


def pods_of(core, ns, selector="app=web"):
    return core.list_namespaced_pod(ns, label_selector=selector).items


def ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def status_of(apps, ns, name="web"):
    """The deployment's status; an empty one until the controller has written it."""
    return apps.read_namespaced_deployment(name, ns).status or client.V1DeploymentStatus()


def condition(obj, kind):
    return next((c for c in (obj.status.conditions or []) if c.type == kind), None) if obj.status else None


def test_a_deployment_becomes_available(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=3))
    pods = wait(lambda: pods_of(core, ns) if len(pods_of(core, ns)) == 3 else None)
    assert {p.status.phase for p in pods} <= {"Pending", "Running"}
    replicaset = apps.list_namespaced_replica_set(ns).items[0]
    pod_hash = replicaset.metadata.labels["pod-template-hash"]
    assert re.fullmatch(f"web-{SAFE}{{10}}", replicaset.metadata.name) and replicaset.metadata.name == f"web-{pod_hash}"
    assert replicaset.metadata.owner_references[0].kind == "Deployment"
    for pod in pods:
        assert re.fullmatch(f"web-{pod_hash}-{SAFE}{{5}}", pod.metadata.name)
        assert pod.metadata.labels == {"app": "web", "pod-template-hash": pod_hash}
        owner = pod.metadata.owner_references[0]
        assert (owner.kind, owner.name, owner.controller) == ("ReplicaSet", replicaset.metadata.name, True)

    def available():
        deployment = apps.read_namespaced_deployment("web", ns)
        return deployment if deployment.status and (deployment.status.available_replicas or 0) == 3 else None

    deployment = wait(available)
    status = deployment.status
    assert (status.replicas, status.updated_replicas, status.ready_replicas) == (3, 3, 3)
    assert status.unavailable_replicas is None and status.observed_generation == 1
    assert condition(deployment, "Available").status == "True"
    assert condition(deployment, "Progressing").reason == "NewReplicaSetAvailable"
    for pod in pods_of(core, ns):
        assert pod.status.phase == "Running" and ready(pod) and pod.status.pod_ip.startswith("10.244.")
        container = pod.status.container_statuses[0]
        assert container.ready and container.started and container.restart_count == 0
        assert container.state.running.started_at is not None
    assert deployment.metadata.annotations["deployment.kubernetes.io/revision"] == "1"


def test_scaling_adds_and_removes_pods(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    wait(lambda: len(pods_of(core, ns)) == 1)
    apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 4}})
    wait(lambda: len(pods_of(core, ns)) == 4)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 2}})
    wait(lambda: len(pods_of(core, ns)) == 2)
    wait(lambda: status_of(apps, ns).ready_replicas == 2)


def test_a_template_change_rolls_out(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=2))
    wait(lambda: status_of(apps, ns).ready_replicas == 2)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27"}]}}}})

    def rolled_out():
        pods = pods_of(core, ns)
        images = {p.spec.containers[0].image for p in pods}
        return len(pods) == 2 and images == {"nginx:1.27"} and all(ready(p) for p in pods)

    wait(rolled_out)
    replicasets = {rs.spec.template.spec.containers[0].image: rs for rs in apps.list_namespaced_replica_set(ns).items}
    assert replicasets["nginx:1.25"].spec.replicas == 0 and replicasets["nginx:1.27"].spec.replicas == 2
    assert replicasets["nginx:1.27"].metadata.annotations["deployment.kubernetes.io/revision"] == "2"
    deployment = wait(lambda: (d := apps.read_namespaced_deployment("web", ns)).status and
                      d.status.updated_replicas == 2 and
                      condition(d, "Progressing").reason == "NewReplicaSetAvailable" and d)
    assert deployment.status.observed_generation == 2


def test_a_crashlooping_image_never_gets_ready(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1, image="example/crashloop:1",
                                                   progressDeadlineSeconds=1))

    def crashing():
        pods = pods_of(core, ns)
        statuses = pods[0].status.container_statuses if pods and pods[0].status.container_statuses else []
        return pods[0] if statuses and statuses[0].restart_count >= 2 else None

    pod = wait(crashing)
    container = pod.status.container_statuses[0]
    assert pod.status.phase == "Running" and not ready(pod) and not container.ready
    assert container.state.waiting.reason == "CrashLoopBackOff"
    assert container.last_state.terminated.exit_code == 1
    deployment = wait(lambda: (d := apps.read_namespaced_deployment("web", ns)) and
                      condition(d, "Progressing") and condition(d, "Progressing").status == "False" and d, timeout=5)
    assert condition(deployment, "Progressing").reason == "ProgressDeadlineExceeded"
    assert condition(deployment, "Available").status == "False"
    assert deployment.status.unavailable_replicas == 1
    assert "exiting with status 1" in core.read_namespaced_pod_log(pod.metadata.name, ns)
    events = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={pod.metadata.name}").items
    assert any(e.reason == "BackOff" and e.type == "Warning" for e in events)


def test_an_image_that_does_not_exist_backs_off_pulling(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1, image="example/notfound:404"))

    def backing_off():
        pods = pods_of(core, ns)
        statuses = pods[0].status.container_statuses if pods and pods[0].status.container_statuses else []
        waiting = statuses[0].state.waiting if statuses else None
        return pods[0] if waiting and waiting.reason == "ImagePullBackOff" else None

    pod = wait(backing_off)
    assert pod.status.phase == "Pending" and not ready(pod)
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log(pod.metadata.name, ns)
    assert caught.value.status == 400 and "is waiting to start" in caught.value.body


def test_an_autoscaler_keeps_replicas_within_bounds(apps, autoscaling, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    created = autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {
        "metadata": {"name": "web"}, "spec": {"minReplicas": 2, "maxReplicas": 4, "scaleTargetRef": {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}})
    assert created.spec.metrics[0].resource.target.average_utilization == 80  # defaulted
    assert created.status.desired_replicas == 0
    wait(lambda: apps.read_namespaced_deployment("web", ns).spec.replicas == 2)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 10}})
    wait(lambda: apps.read_namespaced_deployment("web", ns).spec.replicas == 4)
    wait(lambda: len(pods_of(core, ns)) == 4)
    status = wait(lambda: (h := autoscaling.read_namespaced_horizontal_pod_autoscaler("web", ns).status) and
                  h.current_replicas == 4 and h)
    assert status.desired_replicas == 4 and status.last_scale_time is not None
    assert {c.type for c in status.conditions} == {"AbleToScale", "ScalingActive", "ScalingLimited"}
    events = core.list_namespaced_event(ns, field_selector="involvedObject.kind=HorizontalPodAutoscaler").items
    assert any(e.reason == "SuccessfulRescale" for e in events)


def test_an_autoscaler_without_a_target_says_so(autoscaling, ns, wait):
    autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {"metadata": {"name": "lost"}, "spec": {
        "maxReplicas": 3, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "missing"}}})
    status = wait(lambda: (s := autoscaling.read_namespaced_horizontal_pod_autoscaler("lost", ns).status).conditions
                  and s)
    able = next(c for c in status.conditions if c.type == "AbleToScale")
    assert able.status == "False" and able.reason == "FailedGetScale"


def test_load_balancers_get_an_address(core, ns, wait):
    core.create_namespaced_service(ns, {"metadata": {"name": "web"}, "spec": {
        "type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    ingress = wait(lambda: core.read_namespaced_service("web", ns).status.load_balancer.ingress)
    assert ingress[0].ip.startswith("203.0.113.")
    core.patch_namespaced_service("web", ns, {"spec": {"type": "ClusterIP"}})
    wait(lambda: not core.read_namespaced_service("web", ns).status.load_balancer.ingress)


def test_container_logs(apps, core, ns, manifest, wait):
    body = manifest(replicas=1)
    body["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    apps.create_namespaced_deployment(ns, body)
    pod = wait(lambda: next((p for p in pods_of(core, ns) if ready(p)), None))
    name = pod.metadata.name
    wait(lambda: len(core.read_namespaced_pod_log(name, ns, container="web").splitlines()) >= 4)
    lines = core.read_namespaced_pod_log(name, ns, container="web").splitlines()
    assert lines[0] == f"pod {name} container web: started (image nginx:1.25)"
    assert all(f"pod {name} container web" in line for line in lines)
    tail = core.read_namespaced_pod_log(name, ns, container="web", tail_lines=2).splitlines()
    assert len(tail) == 2 and all("heartbeat" in line for line in tail)
    stamped = core.read_namespaced_pod_log(name, ns, container="sidecar", timestamps=True, tail_lines=1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z pod \S+ container sidecar: .+\n", stamped)
    recent = core.read_namespaced_pod_log(name, ns, container="web", since_seconds=1).splitlines()
    assert 0 < len(recent) < len(core.read_namespaced_pod_log(name, ns, container="web").splitlines())
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log(name, ns)
    assert caught.value.status == 400 and "choose one of: [web sidecar]" in caught.value.body
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log(name, ns, container="web", previous=True)
    assert caught.value.status == 400
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log("no-such-pod", ns)
    assert caught.value.status == 404


def test_following_logs_streams_new_lines_then_closes(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    pod = wait(lambda: next((p for p in pods_of(core, ns) if ready(p)), None))
    response = core.read_namespaced_pod_log(pod.metadata.name, ns, follow=True, tail_lines=1, _preload_content=False)
    streamed = b"".join(response.stream(64)).decode().splitlines()
    assert len(streamed) >= 2  # the last line so far, then what arrived while the stream was open
    assert all("heartbeat" in line or "started" in line for line in streamed)


def test_watches_stream_changes(core, apps, ns, manifest):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    seen = []
    stream = watch.Watch().stream(core.list_namespaced_pod, ns, timeout_seconds=3)
    for event in stream:
        seen.append((event["type"], event["object"].status.phase))
        if event["object"].status.phase == "Running":
            break
    assert seen[0][0] == "ADDED" and seen[-1][1] == "Running"
    assert seen[-1][0] == "MODIFIED" or len(seen) == 1  # (ADDED already Running if the watch came late)


def test_events_describe_what_happened(apps, core, ns, manifest, wait):
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    pod = wait(lambda: next((p for p in pods_of(core, ns) if ready(p)), None))
    reasons = wait(lambda: {e.reason for e in core.list_namespaced_event(
        ns, field_selector=f"involvedObject.name={pod.metadata.name}").items} >= {"Scheduled", "Started"} and {
        e.reason for e in core.list_namespaced_event(ns).items})
    assert {"ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Pulled", "Created", "Started"} <= reasons


def test_everything_served_validates_against_the_kubernetes_schemas(apps, core, autoscaling, ns, manifest, wait,
                                                                   http):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    core.create_namespaced_service(ns, {"metadata": {"name": "web"}, "spec": {
        "type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {"metadata": {"name": "web"}, "spec": {
        "maxReplicas": 2, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}})
    wait(lambda: status_of(apps, ns).ready_replicas == 1)
    wait(lambda: core.read_namespaced_service("web", ns).status.load_balancer.ingress)
    paths = [f"/api/v1/namespaces/{ns}", f"/apis/apps/v1/namespaces/{ns}/deployments/web",
             f"/api/v1/namespaces/{ns}/services/web", f"/api/v1/namespaces/{ns}/secrets/s",
             f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/web", "/api/v1/nodes/sandbox-node"]
    for plural in ("/apis/apps/v1/namespaces/{ns}/replicasets", "/api/v1/namespaces/{ns}/pods",
                   "/api/v1/namespaces/{ns}/events"):
        items = http("GET", plural.format(ns=ns))[2]["items"]
        paths.append(f"{plural.format(ns=ns)}/{items[0]['metadata']['name']}")
    for path in paths:
        status, _, obj = http("GET", path)
        assert status == 200, path
        kubernetes_validate.validate(obj, "1.32.0", strict=True)

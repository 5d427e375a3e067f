"""The sandbox admin endpoint on the Kubernetes emulator: injected faults as the client meets them,
the request log with the emulator's action names, and reset."""

from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from cloudorch.sandbox.server import serve
from cloudorch_providers.kubernetes.emulator import KubeEmulator

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def clean_faults(http):
    http("DELETE", "/_cloudorch/faults")
    yield
    http("DELETE", "/_cloudorch/faults")


def test_a_500_fault_reaches_the_client_as_a_status(apps, ns, manifest, http):
    assert http("POST", "/_cloudorch/faults", {"match": "create deployments", "status": 500})[0] == 200
    with pytest.raises(ApiException) as caught:
        apps.create_namespaced_deployment(ns, manifest())
    assert caught.value.status == 500
    assert json.loads(caught.value.body) == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                             "status": "Failure", "message": "injected fault",
                                             "reason": "InternalError", "code": 500}
    assert apps.create_namespaced_deployment(ns, manifest()).metadata.name == "web"  # count 1: used up


def test_throttling_carries_retry_after(apps, ns, manifest, http):
    http("POST", "/_cloudorch/faults", {"match": "apply deployments", "status": 429, "retry_after": 1,
                                        "message": "slow down"})
    with pytest.raises(ApiException) as caught:
        apps.patch_namespaced_deployment("web", ns, manifest(), field_manager="cloudorch",
                                         _content_type="application/apply-patch+yaml")
    assert caught.value.status == 429 and caught.value.headers["Retry-After"] == "1"
    body = json.loads(caught.value.body)
    assert body["reason"] == "TooManyRequests" and body["message"] == "slow down"


def test_client_go_retries_get_past_throttled_reads(kube, ns, http):
    config = client.Configuration(host=kube.url, ssl_ca_cert=kube.ca_cert, api_key={"authorization": "Bearer x"})
    config.client_go_retries = True  # 37.x: GET/HEAD honour Retry-After like client-go
    http("POST", "/_cloudorch/faults", {"match": "list deployments", "status": 429, "retry_after": 0, "count": 2})
    with client.ApiClient(config) as api:
        assert client.AppsV1Api(api).list_namespaced_deployment(ns).items == []
    assert http("GET", "/_cloudorch/faults")[2]["faults"][0]["count"] == 0


def test_the_request_log_names_actions(core, apps, ns, manifest, http, wait):
    http("DELETE", "/_cloudorch/requests")
    apps.create_namespaced_deployment(ns, manifest(replicas=1))
    apps.patch_namespaced_deployment("web", ns, manifest(replicas=1), field_manager="c",
                                     _content_type="application/apply-patch+yaml")
    apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 2}})
    core.list_namespaced_pod(ns)
    apps.read_namespaced_deployment("web", ns)
    apps.delete_namespaced_deployment("web", ns)
    log = [(r["action"], r["mutating"], r["status"]) for r in http("GET", "/_cloudorch/requests")[2]["requests"]]
    assert log == [("create deployments", True, 201), ("apply deployments", True, 200),
                   ("patch deployments/scale", True, 200), ("list pods", False, 200),
                   ("get deployments", False, 200), ("delete deployments", True, 200)]


@pytest.mark.parametrize(("method", "path", "query", "content_type", "action", "mutating"), [
    ("POST", "/api/v1/namespaces", "", "application/json", "create namespaces", True),
    ("DELETE", "/api/v1/namespaces/x", "", "", "delete namespaces", True),
    ("GET", "/apis/apps/v1/namespaces/x/deployments", "", "", "list deployments", False),
    ("GET", "/apis/apps/v1/deployments", "watch=true", "", "watch deployments", False),
    ("PUT", "/apis/apps/v1/namespaces/x/deployments/web", "", "application/json", "update deployments", True),
    ("PATCH", "/apis/apps/v1/namespaces/x/deployments/web", "", "application/merge-patch+json",
     "patch deployments", True),
    ("PATCH", "/apis/apps/v1/namespaces/x/deployments/web", "fieldManager=c", "application/apply-patch+yaml",
     "apply deployments", True),
    ("GET", "/api/v1/namespaces/x/pods/p/log", "tailLines=1", "", "get pods/log", False),
    ("DELETE", "/api/v1/namespaces/x/secrets", "labelSelector=a", "", "deletecollection secrets", True),
    ("GET", "/apis/autoscaling/v2/namespaces/x/horizontalpodautoscalers/h", "", "",
     "get horizontalpodautoscalers", False),
    ("GET", "/apis", "", "", "discovery", False),
])
def test_classify(method, path, query, content_type, action, mutating):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "CONTENT_TYPE": content_type}
    assert KubeEmulator().classify(environ) == (action, mutating)


def test_reset_forgets_everything_but_the_system_namespaces(tmp_path):
    running = serve(KubeEmulator(ready_delay=0.1, period=0.05), cert_dir=tmp_path)
    try:
        config = client.Configuration(host=running.url, ssl_ca_cert=running.ca_cert,
                                      api_key={"authorization": "Bearer sandbox"})
        with client.ApiClient(config) as api:
            core = client.CoreV1Api(api)
            core.create_namespace({"metadata": {"name": "scratch"}})
            core.create_namespaced_secret("scratch", {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
            running.emulator.reset()
            assert sorted(n.metadata.name for n in core.list_namespace().items) == [
                "default", "kube-node-lease", "kube-public", "kube-system"]
            assert core.list_secret_for_all_namespaces().items == []
    finally:
        running.stop()

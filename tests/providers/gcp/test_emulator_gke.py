"""The GKE emulator through the real google-cloud-container client (REST transport): clusters that
spring into being RUNNING and point at the Kubernetes emulator, planted and missing clusters for the
adapter's error paths, Google-shaped errors and faults. The cluster it returns is usable: a kubernetes
client built from its endpoint and CA certificate lists the namespaces."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from google.api_core import exceptions
from google.cloud import container_v1

from cloudorch_providers.gcp.emulator import GKEEmulator

pytestmark = pytest.mark.sandbox
RUNNING = container_v1.Cluster.Status.RUNNING


def test_a_looked_up_cluster_is_running_and_reaches_the_kube_emulator(clusters, kube, tmp_path):
    cluster = clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/dev")
    assert cluster.status == RUNNING and cluster.name == "dev" and cluster.location == "us-central1"
    assert cluster.endpoint == kube.url.removeprefix("https://")
    assert cluster.current_master_version == cluster.current_node_version == "1.32.0-gke.1000"
    assert cluster.self_link == ("https://container.googleapis.com/v1/projects/demo/locations/us-central1/"
                                 "clusters/dev")
    assert cluster.node_pools[0].status == container_v1.NodePool.Status.RUNNING
    ca = base64.b64decode(cluster.master_auth.cluster_ca_certificate)
    assert ca.startswith(b"-----BEGIN CERTIFICATE-----")

    from kubernetes import client

    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca)
    config = client.Configuration(host=f"https://{cluster.endpoint}", ssl_ca_cert=str(ca_file),
                                  api_key={"authorization": "Bearer sandbox"})
    with client.ApiClient(config) as api:
        names = {n.metadata.name for n in client.CoreV1Api(api).list_namespace().items}
    assert "default" in names


def test_lookups_are_stable(clusters):
    first = clusters.get_cluster(name="projects/demo/locations/europe-west1/clusters/prod")
    second = clusters.get_cluster(name="projects/demo/locations/europe-west1/clusters/prod")
    assert first.id == second.id and first.create_time == second.create_time
    assert list(first.locations) == ["europe-west1-a", "europe-west1-b", "europe-west1-c"]


def test_the_zonal_form(clusters):
    cluster = clusters.get_cluster(project_id="demo", zone="us-east1-b", cluster_id="zonal")
    assert cluster.status == RUNNING and cluster.location == "us-east1-b" and list(cluster.locations) == ["us-east1-b"]


def test_list_clusters(clusters):
    clusters.get_cluster(name="projects/listing/locations/us-central1/clusters/a")
    clusters.get_cluster(name="projects/listing/locations/us-west1/clusters/b")
    here = clusters.list_clusters(parent="projects/listing/locations/us-central1")
    assert [c.name for c in here.clusters] == ["a"]
    everywhere = clusters.list_clusters(parent="projects/listing/locations/-")
    assert sorted(c.name for c in everywhere.clusters) == ["a", "b"]
    assert list(clusters.list_clusters(parent="projects/empty/locations/-").clusters) == []


def test_a_planted_cluster_keeps_its_state(clusters, admin):
    status, planted = admin("POST", "/_gke/clusters", {"project": "demo", "location": "us-central1",
                                                       "name": "young", "status": "PROVISIONING",
                                                       "statusMessage": "creating nodes", "endpoint": ""})
    assert status == 200 and planted["status"] == "PROVISIONING"
    cluster = clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/young")
    assert cluster.status == container_v1.Cluster.Status.PROVISIONING
    assert cluster.status_message == "creating nodes" and cluster.endpoint == ""
    admin("POST", "/_gke/clusters", {"project": "demo", "location": "us-central1", "name": "young",
                                     "status": "ERROR", "statusMessage": "quota exceeded"})
    assert clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/young").status == \
        container_v1.Cluster.Status.ERROR


def test_a_missing_cluster_is_not_found(clusters, admin):
    admin("DELETE", "/_gke/clusters/demo/us-central1/gone")
    with pytest.raises(exceptions.NotFound) as caught:
        clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/gone")
    assert caught.value.code == 404
    assert caught.value.message.endswith(": Not found: projects/demo/locations/us-central1/clusters/gone.")
    admin("POST", "/_gke/clusters", {"project": "demo", "location": "us-central1", "name": "gone"})
    assert clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/gone").status == RUNNING


def test_without_auto_create_unknown_clusters_are_not_found(clusters, admin):
    assert admin("POST", "/_gke/config", {"auto_create": False}) == (200, {"auto_create": False})
    with pytest.raises(exceptions.NotFound):
        clusters.get_cluster(name="projects/demo/locations/asia-east1/clusters/never")


def test_google_shaped_errors_and_faults(clusters, admin, gke):
    admin("POST", "/_cloudorch/faults", {"match": "GetCluster", "status": 403, "message": "denied"})
    with pytest.raises(exceptions.Forbidden) as caught:  # api_core maps REST errors by HTTP status
        clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/dev")
    assert caught.value.message.endswith(": denied")
    admin("POST", "/_cloudorch/faults", {"match": "GetCluster", "status": 429, "message": "quota"})
    with pytest.raises(exceptions.TooManyRequests):
        clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/dev")
    request = urllib.request.Request(gke.url + "/v1/projects/p/locations/l/clusters/c/nodePools/x")
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(request, timeout=10)
    assert json.loads(raw.value.read())["error"]["status"] == "NOT_FOUND"


def test_the_request_log_uses_rpc_names(clusters, admin):
    admin("DELETE", "/_cloudorch/requests")
    clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/dev")
    clusters.list_clusters(parent="projects/demo/locations/-")
    log = [(r["action"], r["mutating"]) for r in admin("GET", "/_cloudorch/requests")[1]["requests"]]
    assert log == [("GetCluster", False), ("ListClusters", False)]


def test_enums_follow_the_requested_encoding(gke):
    path = "/v1/projects/demo/locations/us-central1/clusters/dev"
    with urllib.request.urlopen(gke.url + path, timeout=10) as response:
        assert json.loads(response.read())["status"] == "RUNNING"
    with urllib.request.urlopen(gke.url + path + "?%24alt=json%3Benum-encoding%3Dint", timeout=10) as response:
        assert json.loads(response.read())["status"] == 2


def test_client_config_and_classify():
    emulator = GKEEmulator()
    assert emulator.client_config("http://127.0.0.1:1", None) == {"url": "http://127.0.0.1:1", "ca_cert": None,
                                                                 "token": "sandbox"}
    assert emulator.classify({"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/projects/p/zones/z/clusters/c"}) == \
        ("GetCluster", False)
    assert emulator.classify({"REQUEST_METHOD": "POST", "PATH_INFO": "/_gke/clusters"}) == ("admin", True)
    assert (emulator.name, emulator.tls, emulator.requires) == ("gcp", False, ("kubernetes",))


def test_the_client_retries_unavailable_by_itself(clusters, admin):
    admin("DELETE", "/_cloudorch/requests")
    admin("POST", "/_cloudorch/faults", {"match": "GetCluster", "status": 503, "count": 2})
    assert clusters.get_cluster(name="projects/demo/locations/us-central1/clusters/dev").status == RUNNING
    statuses = [r["status"] for r in admin("GET", "/_cloudorch/requests")[1]["requests"]]
    assert statuses == [503, 503, 200]  # GetCluster's default retry covers UNAVAILABLE

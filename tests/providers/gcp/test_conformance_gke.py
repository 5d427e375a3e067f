"""The provider conformance suite on GKE, through the sandbox: the GKE emulator answers the cluster
lookup and points at the Kubernetes emulator (its peer, which InProcessSandbox starts). The hooks find
the cluster as a user would, with google-cloud-container, and act on it with the kubernetes client."""

from __future__ import annotations

import base64

import pytest

from cloudorch.testing import ProviderConformance
from tests.providers.kubernetes.test_conformance_k8s import KubeHooks

# the webshop example's providers.gcp block
SETTINGS = {"project": "acme-shop", "location": "us-central1", "cluster": "shop"}


def cluster_configuration(gke: dict, token: str):
    """A kubernetes client configuration for the sandbox's GKE cluster, from its GKE API record."""
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import container_v1
    from kubernetes import client

    clusters = container_v1.ClusterManagerClient(credentials=AnonymousCredentials(), transport="rest",
                                                 client_options=ClientOptions(api_endpoint=gke["url"]))
    cluster = clusters.get_cluster(name="projects/{project}/locations/{location}/clusters/{cluster}".format(**SETTINGS))
    return client.Configuration(host=f"https://{cluster.endpoint}",
                                ca_cert_data=base64.b64decode(cluster.master_auth.cluster_ca_certificate).decode(),
                                api_key={"authorization": f"Bearer {token}"})


class TestGKEConformance(ProviderConformance):
    provider = "gcp"
    timeout = 60.0
    emulator_options = {"kubernetes": {"ready_delay": 0.3, "period": 0.1}}
    spec_settings = SETTINGS
    api_emulator = "kubernetes"  # the GKE API finds the cluster; its resources live in the Kubernetes emulator
    status_read = "list deployments"

    def test_sandbox_serves_the_gke_and_the_kubernetes_api(self, sandbox):
        assert set(sandbox.running) == {"gcp", "kubernetes"}

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        config = sandbox.config("gcp")
        return KubeHooks(cluster_configuration(config, config["token"]))

"""Fixtures for the GKE emulator tests: the Kubernetes emulator (HTTPS) and the GKE emulator (HTTP)
it points at, started as the sandbox starts them, and the real ClusterManagerClient."""

from __future__ import annotations

import json
import urllib.request

import pytest

from cloudorch.sandbox.server import serve


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    from cloudorch_providers.kubernetes.emulator import KubeEmulator

    running = serve(KubeEmulator(period=0.05, ready_delay=0.2), cert_dir=tmp_path_factory.mktemp("kube-certs"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def gke(kube):
    from cloudorch_providers.gcp.emulator import GKEEmulator

    running = serve(GKEEmulator(), peers={"kubernetes": kube.client_config()})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def clusters(gke):
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import container_v1

    return container_v1.ClusterManagerClient(credentials=AnonymousCredentials(), transport="rest",
                                             client_options=ClientOptions(api_endpoint=gke.url))


@pytest.fixture
def admin(gke):
    """``admin(method, path, body=None)`` -> (status, JSON) on the GKE emulator's own port."""

    def call(method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(gke.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    yield call
    call("POST", "/_gke/config", {"auto_create": True})
    call("DELETE", "/_cloudorch/faults")

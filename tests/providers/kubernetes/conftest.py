"""Fixtures for the Kubernetes emulator tests: one emulator per module over real HTTPS, the official
client configured against it, a fresh namespace per test, and helpers handed out as fixtures
(``wait``, ``http``, ``manifest``) so test modules need no imports from here."""

from __future__ import annotations

import json
import ssl
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from cloudorch.sandbox.server import serve

#: fast lifecycle: pods ready after 0.3 s, the controller every 50 ms
FAST = {"period": 0.05, "ready_delay": 0.3, "crash_period": 0.2, "lb_delay": 0.2, "follow_seconds": 1.0,
        "watch_seconds": 5.0}


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    from cloudorch_providers.kubernetes.emulator import KubeEmulator

    running = serve(KubeEmulator(**FAST), cert_dir=tmp_path_factory.mktemp("kube-certs"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api_client(kube):
    from kubernetes import client

    config = client.Configuration(host=kube.url, ssl_ca_cert=kube.ca_cert,
                                  api_key={"authorization": "Bearer sandbox"})
    with client.ApiClient(config) as api:
        yield api


@pytest.fixture(scope="module")
def core(api_client):
    from kubernetes import client

    return client.CoreV1Api(api_client)


@pytest.fixture(scope="module")
def apps(api_client):
    from kubernetes import client

    return client.AppsV1Api(api_client)


@pytest.fixture(scope="module")
def autoscaling(api_client):
    from kubernetes import client

    return client.AutoscalingV2Api(api_client)


@pytest.fixture
def ns(core):
    """A fresh namespace for one test, deleted afterwards (keeps the module's emulator small)."""
    from kubernetes.client.exceptions import ApiException

    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    try:
        core.delete_namespace(name)
    except ApiException:
        pass


def _deployment(name: str = "web", image: str = "nginx:1.25", replicas: int = 2, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": image,
                                                           "ports": [{"containerPort": 80}]}]}},
                     **spec}}


def _wait_for(check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")


def _raw(kube, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        token: str | None = "sandbox") -> tuple[int, dict[str, str], Any]:
    """A plain HTTPS request to the emulator: (status, headers, decoded JSON or text)."""
    context = ssl.create_default_context(cafile=kube.ca_cert)
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(kube.url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            status, got, text = response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        status, got, text = error.code, dict(error.headers), error.read().decode()
    try:
        return status, got, json.loads(text)
    except ValueError:
        return status, got, text


@pytest.fixture
def manifest():
    """``manifest(name="web", image="nginx:1.25", replicas=2, **spec)``: a Deployment body."""
    return _deployment


@pytest.fixture
def wait():
    """``wait(check, timeout=5.0)``: poll until ``check()`` is truthy and return its value."""
    return _wait_for


@pytest.fixture
def http(kube):
    """``http(method, path, body=None, headers=None, token="sandbox")`` -> (status, headers, body)."""
    return lambda *args, **kwargs: _raw(kube, *args, **kwargs)

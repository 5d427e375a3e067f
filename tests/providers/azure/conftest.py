"""The Azure emulator on real HTTPS, and the real Azure SDK clients pointed at it.

One emulator serves the whole session (fast); every test starts from an empty emulator (reset through
the admin endpoint) with one resource group, ``RG``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.mgmt.containerinstance import ContainerInstanceManagementClient
from azure.mgmt.containerinstance import models as m
from azure.mgmt.resource.resources import ResourceManagementClient

from cloudorch.sandbox.server import serve
from cloudorch_providers.azure.emulator import AzureEmulator

SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de"
RG = "rg-emulator"
LOCATION = "westeurope"
DELAY = 0.1


class StaticTokenCredential:
    """A TokenCredential that hands out one dummy token (the emulator accepts any bearer token)."""

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken("dummy-token", int(time.time()) + 365 * 24 * 3600)


@pytest.fixture(scope="session")
def running(tmp_path_factory):
    emulator = AzureEmulator(delay=DELAY, log_interval=0.05, crash_interval=0.1, page_size=2)
    server = serve(emulator, cert_dir=tmp_path_factory.mktemp("azure-cert"))
    yield server
    server.stop()


class Admin:
    """The emulator's admin endpoint, over HTTPS."""

    def __init__(self, url: str, ca_cert: str):
        self.url, self.verify = url, ca_cert

    def post(self, what: str, body: dict | None = None) -> dict:
        reply = requests.post(f"{self.url}/_cloudorch/{what}", json=body or {}, verify=self.verify, timeout=5)
        reply.raise_for_status()
        return reply.json()

    def requests(self) -> list[dict]:
        reply = requests.get(f"{self.url}/_cloudorch/requests", verify=self.verify, timeout=5)
        return reply.json()["requests"]

    def clear_requests(self) -> None:
        requests.delete(f"{self.url}/_cloudorch/requests", verify=self.verify, timeout=5).raise_for_status()

    def delete(self, what: str) -> None:
        requests.delete(f"{self.url}/_cloudorch/{what}", verify=self.verify, timeout=5).raise_for_status()


@pytest.fixture
def admin(running) -> Admin:
    return Admin(running.url, running.ca_cert)


@pytest.fixture
def arm(running) -> Callable[..., requests.Response]:
    """Raw ARM requests with a bearer token: ``arm(method, path, json=..., headers=...)``."""

    def call(method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": "Bearer dummy", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{running.url}{path}", headers=headers, verify=running.ca_cert, timeout=5, **kwargs
        )

    return call


def _clients(running):
    options = {"base_url": running.url, "connection_verify": running.ca_cert, "polling_interval": 0}
    credential = StaticTokenCredential()
    return (
        ContainerInstanceManagementClient(credential, SUBSCRIPTION, **options),
        ResourceManagementClient(credential, SUBSCRIPTION, **options),
    )


@pytest.fixture
def resources(running, admin):
    admin.post("reset")
    client = _clients(running)[1]
    client.resource_groups.create_or_update(RG, {"location": LOCATION})
    return client


@pytest.fixture
def aci(running, resources) -> ContainerInstanceManagementClient:
    return _clients(running)[0]


def _wait_for(probe: Callable[[], object], timeout: float = 5.0, interval: float = 0.02):
    """Call ``probe`` until it returns something truthy (then return it), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last value {value!r}")
        time.sleep(interval)


def _container(name: str = "web", image: str = "nginx:1.27", port: int = 80, **extra) -> m.Container:
    fields = {
        "resources": m.ResourceRequirements(requests=m.ResourceRequests(cpu=0.5, memory_in_gb=1.0)),
        "ports": [m.ContainerPort(port=port, protocol="TCP")],
        **extra,
    }
    return m.Container(name=name, image=image, **fields)


def _group_model(image: str = "nginx:1.27", restart_policy: str = "Always", **extra) -> m.ContainerGroup:
    """A container group with most of what cloudorch renders: env (plain and secure), a volume, a
    liveness probe, a public IP with a DNS label."""
    web = _container(
        image=image,
        environment_variables=[
            m.EnvironmentVariable(name="LOG_LEVEL", value="info"),
            m.EnvironmentVariable(name="DB_PASSWORD", secure_value="s3cr3t-value"),
        ],
        volume_mounts=[m.VolumeMount(name="cache", mount_path="/cache")],
        liveness_probe=m.ContainerProbe(
            http_get=m.ContainerHttpGet(path="/healthz", port=80, scheme="http"),
            initial_delay_seconds=5,
            period_seconds=10,
        ),
    )
    fields = {
        "location": LOCATION,
        "os_type": "Linux",
        "restart_policy": restart_policy,
        "containers": [web],
        "volumes": [m.Volume(name="cache", empty_dir={})],
        "ip_address": m.IpAddress(type="Public", ports=[m.Port(port=80, protocol="TCP")], dns_name_label="web-demo"),
        "tags": {"cloudorch.app": "demo", "managed-by": "cloudorch"},
    }
    fields.update(extra)
    return m.ContainerGroup(**fields)


@pytest.fixture
def wait_for():
    """``wait_for(probe, timeout=5)``: poll until ``probe()`` is truthy, in a bounded loop."""
    return _wait_for


@pytest.fixture
def group_model():
    """``group_model(image=..., restart_policy=..., **ContainerGroup fields)``: an SDK ContainerGroup."""
    return _group_model


@pytest.fixture
def container_model():
    """``container_model(name=..., image=..., port=..., **Container fields)``: an SDK Container."""
    return _container


@pytest.fixture
def rg() -> str:
    """The resource group every test starts with."""
    return RG


@pytest.fixture
def subscription() -> str:
    return SUBSCRIPTION


@pytest.fixture
def location() -> str:
    return LOCATION

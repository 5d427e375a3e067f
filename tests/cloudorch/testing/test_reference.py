"""The reference provider passes the conformance kit, against its cloud served by the sandbox; the
hooks act on that cloud directly over its HTTP API, as a provider's tests use the cloud's own SDK."""

from __future__ import annotations

import pytest

from cloudorch.testing import ConformanceHooks, ProviderConformance, installed_plugin
from cloudorch.testing.reference_client import HttpCloud


class ReferenceHooks(ConformanceHooks):
    def __init__(self, config: dict):
        self.cloud = HttpCloud(config["url"])

    def delete_service(self, app: str, service: str) -> None:
        self.cloud.delete_service(app, service)

    def plant_unowned(self, app: str, service: str) -> None:
        self.cloud.put_service(app, service, {"image": "nginx:1.27.2"}, {"owner": "someone-else"}, 1)

    def unowned_exists(self, app: str, service: str) -> bool:
        return any(s["name"] == service and "cloudorch-app" not in s["tags"] for s in self.cloud.list_services(app))

    def owned_resources(self, app: str) -> list[str]:
        return [f"service {s['name']}" for s in self.cloud.list_services(app) if s["tags"].get("cloudorch-app") == app]

    def running_images(self, app: str, service: str) -> list[str]:
        return [r["image"] for s in self.cloud.list_services(app) if s["name"] == service
                for r in s["replicas"] if r["state"] == "running"]

    def create_secret(self, app: str, name: str, value: str) -> None:
        self.cloud.put_secret(name, value)  # the web shop names no store key: the secret's own name


@pytest.fixture(scope="module", autouse=True)
def reference_installed(tmp_path_factory):
    """The reference provider registered through an entry point, as a plugin package would."""
    with installed_plugin(tmp_path_factory.mktemp("site"), "cloudorch-reference",
                          {"reference": "cloudorch.testing.reference:ReferenceProvider"}):
        yield


class TestReferenceConformance(ProviderConformance):
    provider = "reference"
    timeout = 30.0
    status_read = "reference:ListServices"
    emulator_options = {"reference": {"start_delay": 0.3, "rollback_after": 1.0, "log_interval": 0.2}}

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        return ReferenceHooks(sandbox.config("reference"))


def test_secrets_are_stored_listed_and_read_after_a_restart():
    """The secrets interface, in-process (the provider drives a ReferenceCloud directly)."""
    from cloudorch.deadline import Deadline
    from cloudorch.engine import DeployFailed, deploy
    from cloudorch.spec import parse_spec
    from cloudorch.testing.reference import ReferenceProvider
    from cloudorch.testing.reference_cloud import ReferenceCloud

    spec = parse_spec("version: 1\nname: demo\nservices:\n  api:\n    image: acme/api:1.0.0\n"
                      "    secrets: {DB_URL: db-url}\nproviders:\n  reference:\n    secrets: {db-url: prod/db}\n",
                      "demo.yaml", env={})
    cloud, deadline = ReferenceCloud(start_delay=0.0), Deadline(30)
    provider = ReferenceProvider(spec, cloud=cloud)
    (location,) = provider.secret_locations(deadline=deadline)
    assert (location.name, location.where, location.exists, location.services) == (
        "db-url", "reference cloud secret 'prod/db'", False, ["api"])
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, provider.plan(deadline=deadline), deadline=deadline, poll=0)
    assert str(caught.value) == "service api failed: secret 'prod/db' (for DB_URL) does not exist"
    assert provider.store_secret("db-url", "postgres://x", deadline=deadline) == "reference cloud secret 'prod/db'"
    assert provider.secret_locations(deadline=deadline)[0].exists and cloud.secrets == {"prod/db": "postgres://x"}
    status = provider.status(deadline=deadline).services[0]
    assert status.state.value == "HEALTHY"  # the replica started again, and found it
    provider.restart("api", deadline=deadline)
    after = provider.status(deadline=deadline).services[0]
    assert int(after.revision) == int(status.revision) + 1 and after.state.value == "HEALTHY"

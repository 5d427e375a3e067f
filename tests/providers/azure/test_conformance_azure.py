"""The provider conformance suite on Azure, through the sandbox (the ARM emulator over HTTPS), with
out-of-band operations done by the real Azure SDK (azure-mgmt-containerinstance / -resource)."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.containerinstance import ContainerInstanceManagementClient
from azure.mgmt.containerinstance import models as m
from azure.mgmt.resource.resources import ResourceManagementClient

from cloudorch.testing import ConformanceHooks, ProviderConformance

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"  # webshop's; the sandbox default for the others
LOCATION = "eastus"


class DummyToken:
    """A TokenCredential: the emulator accepts any bearer token."""

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken("conformance", int(time.time()) + 3600)


class AzureHooks(ConformanceHooks):
    def __init__(self, config: dict):
        options = {"base_url": config["url"], "connection_verify": config["ca_cert"], "polling_interval": 0.1}
        self.aci = ContainerInstanceManagementClient(DummyToken(), SUBSCRIPTION, **options)
        self.rm = ResourceManagementClient(DummyToken(), SUBSCRIPTION, **options)

    @staticmethod
    def resource_group(app: str) -> str:
        return "shop-rg" if app == "webshop" else f"{app}-rg"  # webshop's spec names its group

    def delete_service(self, app: str, service: str) -> None:
        rg = self.resource_group(app)
        for group in list(self.aci.container_groups.list_by_resource_group(rg)):
            if group.name.startswith(f"{app}-{service}-"):
                self.aci.container_groups.begin_delete(rg, group.name).result()

    def plant_unowned(self, app: str, service: str) -> None:
        rg = self.resource_group(app)
        if not self.rm.resource_groups.check_existence(rg):
            self.rm.resource_groups.create_or_update(rg, {"location": LOCATION})
        container = m.Container(
            name="main", image="nginx:1.27.2",
            resources=m.ResourceRequirements(requests=m.ResourceRequests(cpu=1.0, memory_in_gb=1.0)))
        group = m.ContainerGroup(location=LOCATION, os_type="Linux", containers=[container],
                                 tags={"owner": "someone-else"})
        self.aci.container_groups.begin_create_or_update(rg, f"{app}-{service}-0", group).result()

    def running_images(self, app: str, service: str) -> list[str]:
        rg, found = self.resource_group(app), []
        for listed in self.aci.container_groups.list_by_resource_group(rg):
            if listed.name.startswith(f"{app}-{service}-"):
                group = self.aci.container_groups.get(rg, listed.name)  # the list has no instance views
                found += [c.image for c in group.containers
                          if c.instance_view and c.instance_view.current_state
                          and c.instance_view.current_state.state == "Running"]
        return found

    def unowned_exists(self, app: str, service: str) -> bool:
        try:
            group = self.aci.container_groups.get(self.resource_group(app), f"{app}-{service}-0")
        except ResourceNotFoundError:
            return False
        return (group.tags or {}).get("cloudorch-app") is None

    def owned_resources(self, app: str) -> list[str]:
        def ours(tags: dict | None) -> bool:
            return (tags or {}).get("cloudorch-app") == app and (tags or {}).get("managed-by") == "cloudorch"

        found = []
        for rg in self.rm.resource_groups.list():
            if rg.properties and rg.properties.provisioning_state == "Deleting":
                continue
            groups = list(self.aci.container_groups.list_by_resource_group(rg.name))
            found += [f"container group {g.name}" for g in groups if ours(g.tags)]
            if ours(rg.tags) and all(ours(g.tags) for g in groups):  # ours, and nothing else keeps it
                found.append(f"resource group {rg.name}")
        return found


class TestAzureConformance(ProviderConformance):
    provider = "azure"
    timeout = 60.0
    emulator_options = {"azure": {"delay": 0.3, "log_interval": 0.2, "crash_interval": 0.3}}
    status_read = "LIST containerGroups"
    known_gaps = {}

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        return AzureHooks(sandbox.config("azure"))

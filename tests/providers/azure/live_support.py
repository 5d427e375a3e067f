"""Helpers of the Azure live tests: the provider on the session's emulator (tests/providers/azure/
conftest.py ``running``), a spec from text, the real SDK for out-of-band changes, a quick deploy."""

from __future__ import annotations

import time
from pathlib import Path

from azure.core.credentials import AccessToken
from azure.mgmt.containerinstance import ContainerInstanceManagementClient
from azure.mgmt.containerinstance import models as m
from azure.mgmt.resource.resources import ResourceManagementClient

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.session import open_provider, open_spec

SUBSCRIPTION = "00000000-0000-0000-0000-00000000beef"
RG = "demo-rg"
LOCATION = "westeurope"

SPEC = """\
version: 1
name: demo
labels: {{team: shop}}
services:
  web:
    image: {image}
    env: {{MODE: "{mode}"}}
    secrets: {{SESSION_KEY: session-key}}
    ports: [{{port: 80, public: true}}]
    resources: {{cpu: {cpu}, memory: 1Gi}}
    replicas: {replicas}
providers:
  azure:
    subscription: {subscription}
    resource_group: {rg}
    location: {location}
    secrets:
      session-key: {{env: DEMO_SESSION_KEY}}
"""


def spec_text(image: str = "nginx:1.27.2", mode: str = "a", cpu: float = 1, replicas: int = 2,
              rg: str = RG, location: str = LOCATION, subscription: str = SUBSCRIPTION) -> str:
    return SPEC.format(image=image, mode=mode, cpu=cpu, replicas=replicas, rg=rg, location=location,
                       subscription=subscription)


def stranger(tags: dict[str, str] | None = None):
    """A container group made by someone else (no cloudorch markers unless ``tags`` fake some)."""
    resources = m.ResourceRequirements(requests=m.ResourceRequests(cpu=1.0, memory_in_gb=1.0))
    return m.ContainerGroup(location=LOCATION, os_type="Linux", tags=tags,
                            containers=[m.Container(name="main", image="nginx:1.27.2", resources=resources)])


#: each provider's command timeout (--timeout), by id, for :meth:`Harness.deploy`
TIMEOUTS: dict[int, float] = {}

class Token:
    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken("test", int(time.time()) + 3600)


class Harness:
    """Providers for specs written to ``directory``, on the emulator ``running``."""

    def __init__(self, running, directory: Path):
        self.config = {"url": running.url, "ca_cert": running.ca_cert}
        self.directory = directory
        options = {"base_url": running.url, "connection_verify": running.ca_cert, "polling_interval": 0.05}
        self.aci = ContainerInstanceManagementClient(Token(), SUBSCRIPTION, **options)
        self.rm = ResourceManagementClient(Token(), SUBSCRIPTION, **options)
        self.count = 0

    def provider(self, text: str | None = None, timeout: float = 30.0, **fields):
        self.count += 1
        path = self.directory / f"spec{self.count}.yaml"
        path.write_text(text or spec_text(**fields))
        provider = open_provider(open_spec(path), "azure", sandbox=False)
        provider.sandbox = dict(self.config)
        TIMEOUTS[id(provider)] = timeout
        return provider

    def deploy(self, provider, wait: bool = True):
        deadline = Deadline(TIMEOUTS.get(id(provider), 30.0))
        return deploy(provider, provider.plan(deadline=deadline), wait=wait, deadline=deadline, poll=0.05)

    def group_names(self, rg: str = RG) -> list[str]:
        return sorted(g.name for g in self.aci.container_groups.list_by_resource_group(rg))

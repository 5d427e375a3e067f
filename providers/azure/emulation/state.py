"""The emulator's memory: resource groups, container groups and long-running operations.

Keys are lowercased where ARM compares case-insensitively (subscription ids, resource group names);
names are kept as first written. Every access goes through ``State.lock``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from cloudorch_providers.azure.emulation.lifecycle import Run, Timing

CG_TYPE = "Microsoft.ContainerInstance/containerGroups"


@dataclass
class ResourceGroup:
    subscription: str
    name: str
    location: str
    tags: dict
    managed_by: str | None = None
    deleting_until: float | None = None

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.name}"


@dataclass
class ContainerGroup:
    subscription: str
    resource_group: str
    name: str
    location: str
    tags: dict
    zones: list | None
    identity: dict | None
    properties: dict  # as accepted, secrets included: render.py leaves them out
    run: Run
    created: float
    private_ip: str | None = None  # assigned from its subnet when the group is in a virtual network

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{CG_TYPE}/{self.name}"
        )

    def images(self) -> list[str]:
        return [c["properties"]["image"] for c in self.properties["containers"]]


@dataclass
class NetworkResource:
    """A Microsoft.Network resource: virtual network, public IP, application gateway, private DNS
    zone, or a zone's child (``virtualNetworkLinks``, ``A`` record set). ``path`` is its id below the
    resource group, lowercased (``virtualnetworks/x``, ``privatednszones/z/a/api``)."""

    subscription: str
    resource_group: str
    type: str  # e.g. Microsoft.Network/privateDnsZones/virtualNetworkLinks
    path: str
    name: str
    body: dict  # as accepted: location, tags, sku, properties (...)
    etag: str
    public_ip: str | None = None

    @property
    def id(self) -> str:
        parts = self.type.split("/")[1:]
        names = self.path.split("/")[1::2]
        segments = "/".join(f"{kind}/{name}" for kind, name in zip(parts, [*names[:-1], self.name], strict=True))
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/Microsoft.Network/" \
               f"{segments}"


@dataclass
class Operation:
    """An ``Azure-AsyncOperation`` of a container group: InProgress until ``done``."""

    id: str
    subscription: str
    location: str
    started: float
    done: float
    failure: dict | None = None


@dataclass
class GroupDeletion:
    """The ``Location`` poll of a resource group DELETE."""

    subscription: str
    key: tuple[str, str]
    done: float


@dataclass
class State:
    timing: Timing
    clock: Callable[[], float]
    page_size: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    resource_groups: dict[tuple[str, str], ResourceGroup] = field(default_factory=dict)
    container_groups: dict[tuple[str, str, str], ContainerGroup] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)
    deletions: dict[str, GroupDeletion] = field(default_factory=dict)
    #: (subscription, resource group, path) -> resource, all lowercased (see NetworkResource.path)
    network: dict[tuple[str, str, str], NetworkResource] = field(default_factory=dict)

    def reset(self) -> None:
        with self.lock:
            self.resource_groups.clear()
            self.container_groups.clear()
            self.operations.clear()
            self.deletions.clear()
            self.network.clear()

    def now(self) -> float:
        return self.clock()

    def sweep(self, now: float) -> None:
        """Finish resource group deletions that are due (taking their container groups with them)."""
        with self.lock:
            for key, group in list(self.resource_groups.items()):
                if group.deleting_until is not None and now >= group.deleting_until:
                    del self.resource_groups[key]
                    for cg_key in [k for k in self.container_groups if k[:2] == key]:
                        del self.container_groups[cg_key]
                    for net_key in [k for k in self.network if k[:2] == key]:
                        del self.network[net_key]

    @staticmethod
    def rg_key(subscription: str, resource_group: str) -> tuple[str, str]:
        return subscription.lower(), resource_group.lower()

    def resource_group(self, subscription: str, name: str) -> ResourceGroup | None:
        return self.resource_groups.get(self.rg_key(subscription, name))

    def container_group(self, subscription: str, resource_group: str, name: str) -> ContainerGroup | None:
        return self.container_groups.get((*self.rg_key(subscription, resource_group), name))

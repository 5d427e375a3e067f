"""What a provider's conformance test module supplies: out-of-band operations done with the cloud's
own SDK (never through cloudorch), so the kit can change the cloud behind cloudorch's back and check
what is really there."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ConformanceHooks(ABC):
    @abstractmethod
    def delete_service(self, app: str, service: str) -> None:
        """Delete the service's main native resource behind cloudorch's back."""

    @abstractmethod
    def plant_unowned(self, app: str, service: str) -> None:
        """Create the native resource that ``service`` of ``app`` would get, without markers."""

    @abstractmethod
    def unowned_exists(self, app: str, service: str) -> bool:
        """Whether the planted resource is still there."""

    @abstractmethod
    def owned_resources(self, app: str) -> list[str]:
        """Names of every resource in the cloud carrying ``app``'s ownership markers."""

    @abstractmethod
    def running_images(self, app: str, service: str) -> list[str]:
        """The images of the containers of ``service``'s replicas that run now, whatever their
        revision (what really serves, read from the cloud, not from cloudorch's status)."""

    def create_secret(self, app: str, name: str, value: str) -> None:  # noqa: B027 - optional
        """Make spec secret ``name`` of ``app`` exist, with ``value``, where the provider reads it
        (for the kit's web shop, as its ``providers.<p>.secrets`` block points, else the provider's
        default place). Nothing to do for providers that read values at deploy time."""

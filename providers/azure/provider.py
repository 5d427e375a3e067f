"""The Azure Container Instances provider.

Offline half (this module imports no Azure SDK): ``render`` turns the spec into container group
PUT bodies for ARM API 2023-05-01 (``cloudorch_providers.azure.convert``) and ``validate`` reports how each
feature maps (``cloudorch_providers.azure.fit``), after refusing what ACI would refuse
(``providers.azure.limits``). Settings: ``cloudorch_providers.azure.settings``.

Capabilities: logs, public IPs, scratch volumes, sidecars, health checks and secrets are native.
Replicas are declared too, though ACI has none: the adapter runs one container group per replica
and scales by adding or deleting groups; an update rolls over a service's groups one at a time, a
failed one put back to its previous revision (``cloudorch_providers.azure.live.rolling``). Service
discovery: when services name each other the app runs in a private network of its own
(``cloudorch_providers.azure.network``). Not declared, so the engine refuses it before any API call:
autoscale (ACI has no autoscaler).

Live half: :mod:`cloudorch_providers.azure.live` (``AzureLiveOperations``), which imports the Azure SDK
inside its functions only.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, ClassVar

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Document, FieldReport, Provider
from cloudorch.spec.fields import report
from cloudorch_providers.azure.live.jobs import AzureJobOperations
from cloudorch_providers.azure.live.operations import AzureLiveOperations
from cloudorch_providers.azure.live.secrets import AzureSecretOperations
from cloudorch_providers.azure.settings import AzureSettings

if TYPE_CHECKING:
    from cloudorch.sandbox.emulator import Emulator

EMULATOR_MODULE = "cloudorch_providers.azure.emulator"


class AzureProvider(AzureJobOperations, AzureLiveOperations, AzureSecretOperations, Provider):
    """Azure Container Instances: one container group per service replica."""

    name = "azure"
    extra = "azure"
    requires = ("azure.mgmt.containerinstance", "azure.identity", "azure.mgmt.resource", "azure.mgmt.network",
                "azure.mgmt.privatedns")
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.REPLICAS, Capability.LOGS, Capability.JOBS})
    settings_model = AzureSettings
    settings: AzureSettings

    @classmethod
    def emulator(cls, **options: Any) -> Emulator | None:
        """The ARM emulator for the sandbox, when ``cloudorch_providers.azure.emulator`` is installed;
        ``options`` go to its constructor (delay, log_interval, crash_interval, page_size, clock)."""
        if importlib.util.find_spec(EMULATOR_MODULE) is None:
            return None
        return importlib.import_module(EMULATOR_MODULE).AzureEmulator(**options)

    @property
    def resource_group(self) -> str:
        return self.settings.resource_group_for(self.app.name)

    def check(self) -> None:
        """Raise SpecError for whatever ACI would refuse (names, group sizes, counts)."""
        from cloudorch_providers.azure.limits import issues

        found = issues(self.spec, self.settings)
        if not found and self.settings.overrides:
            from cloudorch_providers.azure import overrides
            from cloudorch_providers.azure.convert import group_body

            bodies = {name: group_body(self.app, name, 0, self.settings, self.markers(), overrides=False)
                      for name in self.settings.overrides if name in self.app.services}
            found = overrides.issues(self.spec, self.settings, bodies)
        if found:
            raise SpecError(found)

    def render(self, subscription: str | None = None) -> list[Document]:
        """The app's network resources (when it runs in its private network), then its container
        groups; ``subscription`` (known at deploy time) completes the resource ids."""
        from cloudorch_providers.azure.convert import SUBSCRIPTION_PLACEHOLDER, container_groups
        from cloudorch_providers.azure.network import documents

        self.check()
        subscription = subscription or self.settings.subscription or SUBSCRIPTION_PLACEHOLDER
        return (documents(self.app, self.settings, self.markers(), subscription)
                + container_groups(self.app, self.settings, self.markers(), subscription))

    def validate(self) -> list[FieldReport]:
        from cloudorch_providers.azure.fit import fit_function

        self.check()
        from cloudorch_providers.azure.fit_jobs import job_fit

        lines = report(self.app, fit_function(self.app, self.settings), job_fit)
        if self.settings.overrides:
            from cloudorch_providers.azure.overrides import field_reports

            lines += field_reports(self.settings)
        return lines

"""The ``kubernetes`` provider: an app as manifests in one namespace of any cluster (kubeconfig).

Offline half: ``render`` (``cloudorch_providers.kubernetes.convert``) and ``validate`` (the fit table in
``cloudorch_providers.kubernetes.fit`` plus the hard checks in ``cloudorch_providers.kubernetes.checks``) are pure: this
module imports no Kubernetes client. Settings: ``cloudorch_providers.kubernetes.settings``. Live half:
``cloudorch_providers.kubernetes.live``, mixed in as ``KubernetesLiveOperations`` (it imports the client only
inside its functions).

Ownership markers are labels: ``cloudorch.io/app: {app}`` and ``app.kubernetes.io/managed-by: cloudorch``
(``meta.MARKERS``), on every resource and pod.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, ClassVar

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Document, FieldReport, Provider
from cloudorch.spec.fields import report
from cloudorch_providers.kubernetes import checks, convert, meta
from cloudorch_providers.kubernetes.fit import FitTable
from cloudorch_providers.kubernetes.live.jobs import KubernetesJobOperations
from cloudorch_providers.kubernetes.live.operations import KubernetesLiveOperations
from cloudorch_providers.kubernetes.settings import KubernetesSettings

if TYPE_CHECKING:
    from cloudorch.sandbox.emulator import Emulator


def optional_emulator(module: str, attribute: str, **options: Any) -> Emulator | None:
    """An instance of ``module.attribute(**options)`` when that module exists, else None (imported
    only here, when the sandbox asks for it)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        return None
    return getattr(importlib.import_module(module), attribute)(**options)


class KubernetesProvider(KubernetesJobOperations, KubernetesLiveOperations, Provider):
    name: ClassVar[str] = "kubernetes"
    extra: ClassVar[str] = "kubernetes"
    aliases: ClassVar[tuple[str, ...]] = ("k8s",)
    requires: ClassVar[tuple[str, ...]] = ("kubernetes",)
    settings_model: ClassVar[type[Any]] = KubernetesSettings
    capabilities = frozenset({Capability.REPLICAS, Capability.AUTOSCALE, Capability.LOGS, Capability.JOBS,
                              Capability.SCHEDULES, Capability.RETRIES})
    ownership = meta.MARKERS
    #: the fit table's wording for this platform
    fit_table: ClassVar[type[FitTable]] = FitTable

    @classmethod
    def emulator(cls, **options: Any) -> Emulator | None:
        return optional_emulator("cloudorch_providers.kubernetes.emulator", "KubeEmulator", **options)

    @property
    def namespace(self) -> str:
        return self.settings.namespace_for(self.app.name)

    def target(self) -> meta.Target:
        return meta.Target(self.app, self.namespace, self.settings)

    def check(self) -> None:
        """Raise SpecError for what Kubernetes would reject (see ``checks``)."""
        issues = []
        for path, message in checks.problems(self.app, self.settings, self.name):
            if (path[0] == "services" and len(path) == 2) or path[0] == "labels":
                issues.append(self.spec.issue(path, message, key=True))
            else:
                issues.append(self.spec.issue(path, message))
        if not issues and self.settings.overrides:
            from cloudorch_providers.kubernetes import overrides

            issues += overrides.issues(self.spec, self.name, self.settings, convert.render(self.target(), False))
        if issues:
            raise SpecError(sorted(issues, key=lambda i: (i.line, i.col)))

    def render(self) -> list[Document]:
        self.check()
        return convert.render(self.target())

    def validate(self) -> list[FieldReport]:
        self.check()
        table = self.fit_table(self.target())
        lines = report(self.app, table, table.job_fit)
        if self.settings.overrides:
            from cloudorch_providers.kubernetes import overrides

            lines += overrides.field_reports(self.name, self.settings)
        return lines

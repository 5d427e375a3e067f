"""The ``gcp`` provider: the app on an existing GKE cluster.

It renders exactly the ``kubernetes`` provider's manifests (``cloudorch_providers.kubernetes.convert``) for
its own namespace; what differs is how the cluster is reached (the GKE API and Google credentials
instead of a kubeconfig, ``cloudorch_providers.gcp.settings``) and the fit table's wording for GKE: a public
port gets a Google Cloud passthrough Network Load Balancer, and GKE ships the metrics server the
HorizontalPodAutoscaler needs. This module imports no Google or Kubernetes client; the live operations
are the Kubernetes provider's, on the cluster found through the GKE API (``cloudorch_providers.gcp.live``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from cloudorch_providers.gcp.live.operations import GKELiveOperations
from cloudorch_providers.gcp.settings import GKESettings
from cloudorch_providers.kubernetes.fit import FitTable
from cloudorch_providers.kubernetes.provider import KubernetesProvider, optional_emulator

if TYPE_CHECKING:
    from cloudorch.sandbox.emulator import Emulator


class GKEFitTable(FitTable):
    load_balancer = "GKE's Google Cloud passthrough Network Load Balancer"
    metrics = "GKE's built-in metrics server supplies the cpu metrics"


class GKEProvider(GKELiveOperations, KubernetesProvider):
    name: ClassVar[str] = "gcp"
    extra: ClassVar[str] = "gcp"
    aliases: ClassVar[tuple[str, ...]] = ("gke",)
    requires: ClassVar[tuple[str, ...]] = ("google.cloud.container_v1", "google.auth", "kubernetes")
    settings_model: ClassVar[type[Any]] = GKESettings
    fit_table: ClassVar[type[FitTable]] = GKEFitTable

    @classmethod
    def emulator(cls, **options: Any) -> Emulator | None:
        return optional_emulator("cloudorch_providers.gcp.emulator", "GKEEmulator", **options)

"""The GKE provider's live operations: those of the Kubernetes provider
(:class:`providers.kubernetes.live.operations.KubernetesLiveOperations`), on the cluster that the GKE
API names (:mod:`providers.gcp.live.cluster`) instead of a kubeconfig's."""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline


class GKELiveOperations:
    """Needs ``self.settings`` (a :class:`providers.gcp.settings.GKESettings`), ``self.sandbox`` and
    ``self.deadline``; mixed in before :class:`KubernetesProvider`."""

    def kube_configuration(self) -> Any:
        from providers.gcp.live.cluster import cluster_configuration

        return cluster_configuration(self.settings, self.sandbox, self.deadline or Deadline(None))

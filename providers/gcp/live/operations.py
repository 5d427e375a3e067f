"""The GKE provider's live operations: those of the Kubernetes provider
(:class:`cloudorch_providers.kubernetes.live.operations.KubernetesLiveOperations`), on the cluster that the GKE
API names (:mod:`cloudorch_providers.gcp.live.cluster`) instead of a kubeconfig's."""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline


class GKELiveOperations:
    """Needs ``self.settings`` (a :class:`cloudorch_providers.gcp.settings.GKESettings`) and ``self.sandbox``;
    mixed in before :class:`KubernetesProvider`."""

    def kube_configuration(self, deadline: Deadline) -> Any:
        from cloudorch_providers.gcp.live.cluster import cluster_configuration

        return cluster_configuration(self.settings, self.sandbox, deadline)

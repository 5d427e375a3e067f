"""``autoscale`` as an ``autoscaling/v2`` HorizontalPodAutoscaler named after the service.

``scaleTargetRef`` is the service's Deployment; ``minReplicas`` / ``maxReplicas`` are ``min`` /
``max``; one ``Resource`` metric keeps the pods' average cpu ``Utilization`` at ``cpu_percent`` of
their cpu requests (every container has one; the pod's usage and requests are summed over the
service's container and its sidecars, like a whole ECS task's). The cluster needs a metrics
server (built into GKE). The Deployment carries no ``replicas`` then: the HPA owns the count.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import Service
from cloudorch_providers.kubernetes.meta import Target


def autoscaler(target: Target, name: str, spec: Service) -> dict[str, Any] | None:
    if spec.autoscale is None:
        return None
    policy = spec.autoscale
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": target.metadata(name, name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": policy.min,
            "maxReplicas": policy.max,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": policy.cpu_percent}}}],
        },
    }

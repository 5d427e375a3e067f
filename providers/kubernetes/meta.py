"""Names, labels and selectors shared by every Kubernetes manifest cloudorch renders.

Names: the namespace carries the app (default: the app's name), so each resource is named after
its spec service alone: Deployment, Service and HorizontalPodAutoscaler ``{service}``, the main
container ``{service}``, sidecars by their own names. This is what makes service discovery exact:
``http://api:8080`` in the spec resolves to the Service ``api`` in the same namespace, as it does
on every other cloud. Two apps sharing one namespace would collide on service names; the ownership
markers below make the live half refuse, never adopt, a same-named resource it does not own.

Labels on every resource and pod (``app.kubernetes.io/*`` are Kubernetes' recommended labels):

- ``app.kubernetes.io/name: {service}``, ``app.kubernetes.io/part-of: {app}``
- ``app.kubernetes.io/managed-by: cloudorch`` (the tool marker) and ``cloudorch.io/app: {app}`` (the
  owner marker): :data:`MARKERS`, the provider's ``ownership``; ``cloudorch.io/service``
- then the app's own ``labels`` (a spec label may not use one of the keys above)

Selectors (immutable once a Deployment exists) use only ``cloudorch.io/app`` and
``cloudorch.io/service``, which never change for a service, so editing the app's labels never
makes a Deployment or Service impossible to update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudorch.live.ownership import Markers
from cloudorch.spec.models import App

OWNER_KEY = "cloudorch.io/app"
SERVICE_KEY = "cloudorch.io/service"
TOOL_KEY = "app.kubernetes.io/managed-by"
TOOL_VALUE = "cloudorch"
MARKERS = Markers(owner_key=OWNER_KEY, tool_key=TOOL_KEY, tool_value=TOOL_VALUE)
NAME_KEY = "app.kubernetes.io/name"
PART_OF_KEY = "app.kubernetes.io/part-of"
DEPENDS_ON_KEY = "cloudorch.io/depends-on"
DEFAULT_CONTAINER_KEY = "kubectl.kubernetes.io/default-container"
#: label keys cloudorch sets itself; the spec's ``labels`` may not use them
RESERVED_LABELS = (NAME_KEY, PART_OF_KEY, TOOL_KEY, OWNER_KEY, SERVICE_KEY)


@dataclass(frozen=True)
class Target:
    """Where and how an app is rendered: the app, its namespace and the provider settings
    (a :class:`~providers.kubernetes.settings.WorkloadSettings`)."""

    app: App
    namespace: str
    settings: Any

    def app_labels(self) -> dict[str, str]:
        """The labels of app-wide resources (the Namespace)."""
        return {PART_OF_KEY: self.app.name, TOOL_KEY: TOOL_VALUE, OWNER_KEY: self.app.name,
                **self.app.labels}

    def labels(self, service: str) -> dict[str, str]:
        return {NAME_KEY: service, PART_OF_KEY: self.app.name, TOOL_KEY: TOOL_VALUE,
                OWNER_KEY: self.app.name, SERVICE_KEY: service, **self.app.labels}

    def selector(self, service: str) -> dict[str, str]:
        return {OWNER_KEY: self.app.name, SERVICE_KEY: service}

    def metadata(self, name: str, service: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": self.namespace, "labels": self.labels(service)}
        if annotations:
            meta["annotations"] = annotations
        return meta

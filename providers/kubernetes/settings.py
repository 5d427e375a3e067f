"""Settings of the ``kubernetes`` provider: the spec's ``providers.kubernetes`` block.

Keys (unknown keys are errors, nothing is coerced):

- ``kubeconfig``: path of the kubeconfig file; default: ``$KUBECONFIG``, then ``~/.kube/config``.
- ``context``: the kubeconfig context; default: the kubeconfig's current context.
- ``namespace``: where the app lives; default: the app's name. The namespace carries the app, so
  every resource in it is named after its spec service alone (see ``convert``). ``kube-system``,
  ``kube-public`` and ``kube-node-lease`` are refused.
- ``secrets``: where each named spec secret lives, as ``{secret: NAME, key: KEY}``: key ``KEY`` of
  the existing Kubernetes Secret ``NAME`` in the app's namespace. Values are never written in the
  spec (``{value: ...}`` is refused with the reason). ``key`` defaults to the spec secret's name. A
  secret not listed here defaults to ``{secret: "<app>-secrets", key: "<spec secret name>"}``: one
  Secret per app holding every value, e.g. ``kubectl create secret generic webshop-secrets
  --from-literal=session-key=...``. An ``image_pull_secret`` names a whole Secret (of type
  ``kubernetes.io/dockerconfigjson``): its ``key`` is not used, and when it is not listed here the
  Secret is the one named like the spec secret (``kubectl create secret docker-registry NAME``).
- ``service_type_public``: the Service type for a service with a public port: ``LoadBalancer``
  (default; the cloud's load balancer gives it an external address) or ``NodePort`` (reachable on
  every node's address at an allocated port in 30000-32767, for clusters without a load balancer).

The GKE provider (``cloudorch_providers.gcp.settings``) shares ``namespace``, ``secrets`` and
``service_type_public`` through :class:`WorkloadSettings`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from cloudorch.spec.models import Model, SecretName, ServiceName

DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY = r"^[-._a-zA-Z0-9]+$"
#: namespaces an app may not take over
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
#: namespaces that exist in every cluster and that the app uses without owning
SHARED_NAMESPACES = frozenset({"default"})

Namespace = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=DNS1123_LABEL)]
ObjectName = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=DNS1123_SUBDOMAIN)]
SecretKey = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=SECRET_KEY)]


class SecretRef(Model):
    """Key ``key`` of the existing Kubernetes Secret ``secret`` (in the app's namespace)."""

    secret: ObjectName
    key: SecretKey | None = Field(None, description="default: the spec secret's name")

    @model_validator(mode="before")
    @classmethod
    def _no_values(cls, data: Any) -> Any:
        if isinstance(data, dict) and "value" in data:
            raise ValueError(
                "a secret's value never goes in the spec (it would end up in files, history and "
                "logs); create a Kubernetes Secret (kubectl create secret generic NAME "
                "--from-literal=KEY=...) and reference it as {secret: NAME, key: KEY}"
            )
        if not isinstance(data, dict):
            raise ValueError("give the Kubernetes Secret holding it as {secret: NAME, key: KEY}")
        return data


class KubernetesOverride(Model):
    """Native fields merged onto a service's rendered manifests (a strategic merge patch; see
    ``cloudorch_providers.kubernetes.overrides``)."""

    deployment: dict[str, Any] | None = Field(
        None, description="merged onto the service's apps/v1 Deployment (strategic merge: containers by name)")
    service: dict[str, Any] | None = Field(
        None, description="merged onto the service's v1 Service (ports by port)")


class WorkloadSettings(Model):
    """What every Kubernetes-based provider shares."""

    namespace: Namespace | None = Field(None, description="default: the app's name")
    secrets: dict[SecretName, SecretRef] = Field(
        {}, description='spec secret -> {secret, key}; default {secret: "<app>-secrets", key: <name>}'
    )
    service_type_public: Literal["LoadBalancer", "NodePort"] = "LoadBalancer"
    overrides: dict[ServiceName, KubernetesOverride] = Field(
        {}, description="service -> native fields merged onto its manifests, checked against the Kubernetes schema")

    @model_validator(mode="after")
    def _namespace_allowed(self) -> WorkloadSettings:
        if self.namespace in SYSTEM_NAMESPACES:
            raise ValueError(f"namespace {self.namespace!r} belongs to the cluster itself; "
                             "choose the app's own namespace")
        return self

    def namespace_for(self, app: str) -> str:
        return self.namespace or app

    def secret_ref(self, app: str, name: str) -> tuple[str, str]:
        """(Secret name, key) holding the spec secret ``name`` as an env value."""
        ref = self.secrets.get(name)
        if ref is None:
            return f"{app}-secrets", name
        return ref.secret, ref.key or name

    def pull_secret(self, name: str) -> str:
        """The Secret (of type dockerconfigjson) behind the spec's ``image_pull_secret: name``."""
        ref = self.secrets.get(name)
        return ref.secret if ref else name


class KubernetesSettings(WorkloadSettings):
    """The ``providers.kubernetes`` block."""

    kubeconfig: str | None = Field(None, min_length=1, description="default: $KUBECONFIG, ~/.kube/config")
    context: str | None = Field(None, min_length=1, description="default: the current context")

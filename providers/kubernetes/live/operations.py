"""The Kubernetes provider's live operations, mixed into
:class:`cloudorch_providers.kubernetes.provider.KubernetesProvider` (and through it the GKE provider, which
only replaces :meth:`KubernetesLiveOperations.kube_configuration`).

Where the cluster is: the sandbox's emulator (``self.sandbox``: ``{"url", "ca_cert", "token"}``), else
the kubeconfig (``providers.kubernetes.kubeconfig`` / ``$KUBECONFIG`` / ``~/.kube/config``) and its
context (``providers.kubernetes.context`` / the current one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from cloudorch.errors import ProviderError
from cloudorch.provider import AppStatus, Change, LogLine, Plan, SecretLocation
from cloudorch.spec.models import Autoscale


class KubernetesLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.deadline``, ``self.force_conflicts``,
    ``self.name``, ``self.namespace``, ``self.target()`` and ``self.render()``."""

    # -- the client -------------------------------------------------------------------------------
    def kube_configuration(self) -> Any:
        """The ``kubernetes.client.Configuration`` reaching the cluster."""
        from cloudorch_providers.kubernetes.live.clients import kubeconfig_configuration, sandbox_configuration

        if self.sandbox:
            return sandbox_configuration(self.sandbox)
        return kubeconfig_configuration(self.settings.kubeconfig, self.settings.context)

    @cached_property
    def kube(self):
        from cloudorch_providers.kubernetes.live.clients import Kube

        configuration = self.kube_configuration()
        return Kube(configuration, lambda: self.deadline, configuration.host)

    def _owned_deployment(self, service: str) -> dict[str, Any]:
        """The service's Deployment, which must exist and be this app's."""
        from cloudorch_providers.kubernetes.live.plan import not_ours
        from cloudorch_providers.kubernetes.live.state import DEPLOYMENT, owned_by, read_object

        deployment = read_object(self.kube, DEPLOYMENT, self.namespace, service)
        if deployment is None:
            raise ProviderError(f"Deployment {service} does not exist in namespace {self.namespace}: "
                                "run `cloudorch deploy` first")
        if not owned_by(deployment, self.app.name):
            raise not_ours("Deployment", service, self.namespace, deployment, self.app.name)
        return deployment

    # -- the interface ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        from cloudorch_providers.kubernetes.live.plan import Planner
        from cloudorch_providers.kubernetes.live.state import NAMESPACE, read_live

        docs = self.render()
        wanted = [(d.kind, d.name) for d in docs if d.kind != NAMESPACE.kind]
        live = read_live(self.kube, self.namespace, self.app.name, wanted)
        return Planner(self.name, self.app, self.namespace, live).plan(docs)

    def apply(self, change: Change) -> None:
        from cloudorch_providers.kubernetes.live.apply import apply_change

        apply_change(self.kube, change, self.force_conflicts)

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        from cloudorch_providers.kubernetes.live.status import app_status

        names = list(services) if services else list(self.app.services)
        return app_status(self.kube, self.name, self.app, self.namespace, names, self._secret_index())

    def _secret_index(self):
        from cloudorch_providers.kubernetes.live.diagnosis import SecretIndex
        from cloudorch_providers.kubernetes.live.secrets import secret_ref

        refs = {name: secret_ref(self.app, self.settings, self.namespace, name) for name in self.secret_users()}
        return SecretIndex({(r.secret, r.key): name for name, r in refs.items() if not r.pull},
                           f"cloudorch secrets set -f {self.spec.path} -p {self.name}")

    def scale(self, service: str, replicas: int) -> None:
        from cloudorch_providers.kubernetes.live.apply import scale_deployment

        self._owned_deployment(service)
        scale_deployment(self.kube, service, self.namespace, replicas)

    def autoscale(self, service: str, policy: Autoscale | None) -> None:
        from cloudorch_providers.kubernetes.convert_autoscale import autoscaler
        from cloudorch_providers.kubernetes.live.apply import delete_object, server_side_apply
        from cloudorch_providers.kubernetes.live.plan import not_ours
        from cloudorch_providers.kubernetes.live.state import HPA, owned_by, read_object

        self._owned_deployment(service)
        current = read_object(self.kube, HPA, self.namespace, service)
        if current is not None and not owned_by(current, self.app.name):
            raise not_ours(HPA.kind, service, self.namespace, current, self.app.name)
        if policy is None:  # the Deployment keeps the count the autoscaler left
            if current is not None:
                delete_object(self.kube, HPA.kind, service, self.namespace, current["metadata"].get("uid"))
            return
        spec = self.app.services[service].model_copy(update={"autoscale": policy})
        body = autoscaler(self.target(), service, spec)
        server_side_apply(self.kube, HPA.kind, service, self.namespace, body, self.force_conflicts)

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None) -> list[LogLine]:
        from cloudorch_providers.kubernetes.live.logs import read_logs

        return read_logs(self.kube, self.app.name, self.namespace, services, since, tail)

    # -- secrets (:mod:`cloudorch_providers.kubernetes.live.secrets`) ------------------------------
    def store_secret(self, name: str, value: str) -> str:
        from cloudorch_providers.kubernetes.live import secrets

        namespace_doc = next((d.body for d in self.render() if d.kind == "Namespace"), None)
        ref = secrets.secret_ref(self.app, self.settings, self.namespace, name)
        return secrets.store(self.kube, self.app.name, ref, value, namespace_doc, self.force_conflicts)

    def secret_locations(self) -> list[SecretLocation]:
        from cloudorch_providers.kubernetes.live import secrets

        found = []
        for name, services in self.secret_users().items():
            ref = secrets.secret_ref(self.app, self.settings, self.namespace, name)
            found.append(SecretLocation(name, ref.describe(), secrets.exists(self.kube, ref), services))
        return found

    def restart(self, service: str) -> None:
        from cloudorch_providers.kubernetes.live import secrets

        self._owned_deployment(service)
        secrets.restart(self.kube, service, self.namespace)

    def destroy_plan(self) -> Plan:
        from cloudorch_providers.kubernetes.live.plan import destroy_plan
        from cloudorch_providers.kubernetes.live.state import foreign_objects, owned_by, read_live, terminating

        live = read_live(self.kube, self.namespace, self.app.name, [])
        others: list[str] = []
        if live.namespace is not None and owned_by(live.namespace, self.app.name) and not terminating(live.namespace):
            others = foreign_objects(self.kube, self.namespace, self.app.name)
        return destroy_plan(self.name, self.app, live, others)

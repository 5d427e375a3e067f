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

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import AppStatus, Change, LogLine, Plan, Revision, SecretLocation
from cloudorch.spec.models import Autoscale


class KubernetesLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.force_conflicts``, ``self.name``,
    ``self.namespace``, ``self.target()`` and ``self.render()``. Each operation works through
    ``self._kube(deadline)``: the command's client under that operation's deadline."""

    # -- the client -------------------------------------------------------------------------------
    def kube_configuration(self, deadline: Deadline) -> Any:
        """The ``kubernetes.client.Configuration`` reaching the cluster (finding it may take calls:
        GKE's, under ``deadline``)."""
        from cloudorch_providers.kubernetes.live.clients import kubeconfig_configuration, sandbox_configuration

        if self.sandbox:
            return sandbox_configuration(self.sandbox)
        return kubeconfig_configuration(self.settings.kubeconfig, self.settings.context)

    _client: Any = None

    def _kube(self, deadline: Deadline):
        """The client, created on first use (one per command), bound to ``deadline``."""
        from cloudorch_providers.kubernetes.live.clients import Kube

        if self._client is None:
            configuration = self.kube_configuration(deadline)
            self._client = Kube(configuration, configuration.host)
        return self._client.bound(deadline, force=self.force_conflicts)

    @cached_property
    def kube(self):
        """The client without a deadline of its own (what it reaches: ``kube.where``)."""
        return self._kube(Deadline(None))

    def _owned_deployment(self, kube, service: str) -> dict[str, Any]:
        """The service's Deployment, which must exist and be this app's."""
        from cloudorch_providers.kubernetes import meta
        from cloudorch_providers.kubernetes.live.plan import FIX
        from cloudorch_providers.kubernetes.live.state import DEPLOYMENT, labels_of, read_object

        deployment = read_object(kube, DEPLOYMENT, self.namespace, service)
        if deployment is None:
            raise ProviderError(f"Deployment {service} does not exist in namespace {self.namespace}: "
                                "run `cloudorch deploy` first")
        meta.MARKERS.ensure("Deployment", service, labels_of(deployment), self.app.name,
                            where=f"in namespace {self.namespace}", fix=FIX)
        return deployment

    # -- the interface ----------------------------------------------------------------------------
    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.kubernetes.live.plan import Planner
        from cloudorch_providers.kubernetes.live.state import NAMESPACE, read_live

        docs = self.render()
        wanted = [(d.kind, d.name) for d in docs if d.kind != NAMESPACE.kind]
        live = read_live(self._kube(deadline), self.namespace, self.app.name, wanted)
        return Planner(self.name, self.app, self.namespace, live).plan(docs)

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch.live.plan import run_steps

        run_steps(change, self._kube(deadline))

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        from cloudorch_providers.kubernetes.live.status import app_status

        names = list(services) if services else list(self.app.services)
        return app_status(self._kube(deadline), self.name, self.app, self.namespace, names, self._secret_index())

    def _secret_index(self):
        from cloudorch_providers.kubernetes.live.diagnosis import SecretIndex
        from cloudorch_providers.kubernetes.live.secrets import secret_ref

        refs = {name: secret_ref(self.app, self.settings, self.namespace, name) for name in self.secret_users()}
        return SecretIndex({(r.secret, r.key): name for name, r in refs.items() if not r.pull},
                           f"cloudorch secrets set {self.spec.file_options} -p {self.name}")

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        from cloudorch_providers.kubernetes.live.apply import scale_deployment

        kube = self._kube(deadline)
        self._owned_deployment(kube, service)
        scale_deployment(kube, service, self.namespace, replicas)

    def autoscale(self, service: str, policy: Autoscale | None, *, deadline: Deadline) -> None:
        from cloudorch_providers.kubernetes import meta
        from cloudorch_providers.kubernetes.convert_autoscale import autoscaler
        from cloudorch_providers.kubernetes.live.apply import delete_object, server_side_apply
        from cloudorch_providers.kubernetes.live.plan import FIX
        from cloudorch_providers.kubernetes.live.state import HPA, labels_of, read_object

        kube = self._kube(deadline)
        self._owned_deployment(kube, service)
        current = read_object(kube, HPA, self.namespace, service)
        if current is not None:
            meta.MARKERS.ensure(HPA.kind, service, labels_of(current), self.app.name,
                                where=f"in namespace {self.namespace}", fix=FIX)
        if policy is None:  # the Deployment keeps the count the autoscaler left
            if current is not None:
                delete_object(kube, HPA.kind, service, self.namespace, current["metadata"].get("uid"))
            return
        spec = self.app.services[service].model_copy(update={"autoscale": policy})
        body = autoscaler(self.target(), service, spec)
        server_side_apply(kube, HPA.kind, service, self.namespace, body)

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.kubernetes.live.logs import read_logs

        return read_logs(self._kube(deadline), self.app.name, self.namespace, services, since, tail)

    # -- secrets (:mod:`cloudorch_providers.kubernetes.live.secrets`) ------------------------------
    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        from cloudorch_providers.kubernetes.live import secrets

        namespace_doc = next((d.body for d in self.render() if d.kind == "Namespace"), None)
        ref = secrets.secret_ref(self.app, self.settings, self.namespace, name)
        return secrets.store(self._kube(deadline), self.app.name, ref, value, namespace_doc)

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        from cloudorch_providers.kubernetes.live import secrets

        kube, found = self._kube(deadline), []
        for name, services in self.secret_users().items():
            ref = secrets.secret_ref(self.app, self.settings, self.namespace, name)
            found.append(SecretLocation(name, ref.describe(), secrets.exists(kube, ref), services))
        return found

    def restart(self, service: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.kubernetes.live import secrets

        kube = self._kube(deadline)
        self._owned_deployment(kube, service)
        secrets.restart(kube, service, self.namespace)

    # -- history (:mod:`cloudorch_providers.kubernetes.live.history`) -------------------------------
    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        from cloudorch_providers.kubernetes.live.history import revisions
        from cloudorch_providers.kubernetes.live.state import DEPLOYMENT, read_object

        kube = self._kube(deadline)
        if read_object(kube, DEPLOYMENT, self.namespace, service) is None:
            return []
        return revisions(kube, self.app.name, self.namespace, service, self._owned_deployment(kube, service))

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        from cloudorch_providers.kubernetes.live.apply import server_side_apply
        from cloudorch_providers.kubernetes.live.history import rollback_body

        kube = self._kube(deadline)
        deployment = self._owned_deployment(kube, service)
        rendered = next(d.body for d in self.render() if d.kind == "Deployment" and d.name == service)
        server_side_apply(kube.bound(deadline, force=True), "Deployment", service, self.namespace,
                          rollback_body(rendered, deployment, revision.payload),
                          doing=f"rolling Deployment {service} in namespace {self.namespace} back to revision "
                                f"{revision.revision}")

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.kubernetes.live.plan import destroy_plan
        from cloudorch_providers.kubernetes.live.state import foreign_objects, owned_by, read_live, terminating

        kube = self._kube(deadline)
        live = read_live(kube, self.namespace, self.app.name, [])
        others: list[str] = []
        if live.namespace is not None and owned_by(live.namespace, self.app.name) and not terminating(live.namespace):
            others = foreign_objects(kube, self.namespace, self.app.name)
        return destroy_plan(self.name, self.app, live, others)

"""The Azure provider's live operations, mixed into :class:`cloudorch_providers.azure.provider.AzureProvider`.

Replicas: ACI has none, so a service with N replicas is N container groups ``{app}-{service}-{i}``;
``scale`` creates or deletes groups (highest index first), and ``scale SERVICE=0`` stops group 0.
The spec stays the source of truth: ``plan`` shows a scaled service as drift and the next deploy
restores the spec's count. Autoscale is refused by the engine (no native autoscaler).

Secrets are read from their sources once per command: ``plan`` reads every value its pending changes
need and lists the missing ones in ``Plan.missing_secrets``, so ``deploy`` stops before any change
(exit 4, naming each secret, its services and the fix); a value that vanishes after the plan fails
the change that needs it the same way, before that change is sent. ``plan`` reads the values it can to see changed ones
(:mod:`.secret_hash`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import Unsupported
from cloudorch.provider import Action, AppStatus, Change, LogLine, Plan, Revision
from cloudorch.spec.models import Autoscale


class AzureLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.markers()``, ``self.render()``
    and ``self.resource_group``. Each operation works through ``self._az(deadline)``: the ARM clients
    under that operation's deadline."""

    @cached_property
    def _session(self):
        from cloudorch_providers.azure.live.clients import AzureSession

        return AzureSession(self.settings.subscription, self.sandbox)

    def _az(self, deadline: Deadline):
        return self._session.bound(deadline)

    @cached_property
    def _secrets(self):
        from cloudorch_providers.azure.live.secret_values import SecretValues
        from cloudorch_providers.azure.secret_refs import refs

        return SecretValues(refs(self.app, self.settings), self.secret_users())

    @staticmethod
    def _placeholders(changes: list[Change]) -> frozenset[str]:
        from cloudorch_providers.azure.live.apply import put_group
        from cloudorch_providers.azure.live.rolling import roll_group
        from cloudorch_providers.azure.live.secret_values import placeholders

        bodies = {put_group: (1,), roll_group: (2, 3)}  # where each step's PUT bodies are in its args
        return frozenset(p for change in changes for step in change.payload or [] if step.call in bodies
                         for index in bodies[step.call] for p in placeholders(step.args[index]))

    def _remember_secrets(self, changes: list[Change]) -> None:
        """Called by plan/scale (one thread): what the next applies need, per service (None: all)."""
        needed: dict[str | None, frozenset[str]] = {None: self._placeholders(changes)}
        for change in changes:
            if change.service is not None:
                needed[change.service] = needed.get(change.service, frozenset()) | self._placeholders([change])
        self._needed_secrets = needed

    def _read(self, az, **kwargs: Any):
        from cloudorch_providers.azure.live.state import read_live

        return read_live(az, self.resource_group, self.app.name, **kwargs)

    # -- the interface ----------------------------------------------------------------------------
    @cached_property
    def _names(self):
        from cloudorch_providers.azure.network import Names

        return Names(self.app, self.settings, self._session.subscription)

    @property
    def _private(self) -> bool:
        from cloudorch_providers.azure.network import is_private

        return is_private(self.app, self.settings)

    def _network(self, az, live):
        """The app's network resources and records as they are (nothing when the resource group is missing)."""
        from cloudorch_providers.azure.live.network import NetworkLive, read_network

        return NetworkLive() if live.resource_group is None else read_network(az, self._names, self.app.name)

    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.azure.convert import KIND
        from cloudorch_providers.azure.live.network import network_changes, record_changes, service_records
        from cloudorch_providers.azure.live.plan import Planner

        az = self._az(deadline)
        docs = self.render(az.subscription)
        groups = [d for d in docs if d.kind == KIND]
        live = self._read(az, wanted=[d.name for d in groups])
        records = None
        if self._private:
            def records(service: str):
                ports = self.app.services[service].ports
                count = self.app.services[service].desired_replicas
                return (self._names.zone, service, count, self.markers()) if ports else None
        plan = Planner(self.app, self.resource_group, self.settings.location, self.markers(), live,
                       self._secrets, records).plan(groups)
        network = self._network(az, live)
        infra = network_changes(self.app, self.resource_group, [d for d in docs if d.kind != KIND], network)
        counts = service_records(self.app.services) if self._private else {}
        records = record_changes(self.app.name, self._names, self.markers(), counts, plan.changes, live, network)
        keep = [c for c in infra if c.action is not Action.DELETE]
        plan.changes = (plan.changes[:1] + keep + plan.changes[1:] + records
                        + [c for c in infra if c.action is Action.DELETE])
        self._remember_secrets(plan.pending)
        plan.missing_secrets = self._secrets.missing(self._needed_secrets[None])
        return plan

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch_providers.azure.live.apply import Context, apply_change

        # before the first change of the app (app-wide) or of a service, every value it will need (read
        # once; thread-safe): a missing one fails before that change, naming the services that use it
        needed = getattr(self, "_needed_secrets", {})
        self._secrets.resolve(needed.get(change.service, frozenset()) | self._placeholders([change]))
        apply_change(Context(self._az(deadline), self.resource_group, self.app.name, self._secrets, deadline), change)

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        from cloudorch_providers.azure.convert import KIND
        from cloudorch_providers.azure.live.compare import revision
        from cloudorch_providers.azure.live.status import app_status

        names = list(services) if services else list(self.app.services)
        az = self._az(deadline)
        live = self._read(az, services=names)
        wanted = {d.service: revision(d.body) for d in self.render(az.subscription) if d.kind == KIND}
        return app_status(self.app, live, names, self._network_view(az, live, names), wanted)

    def _network_view(self, az, live, names: list[str]):
        """What status needs of the private network: the gateway's endpoints and the A records."""
        from cloudorch_providers.azure.live.network import read, read_records
        from cloudorch_providers.azure.live.status import NetworkView
        from cloudorch_providers.azure.network import public_services

        if not self._private or live.resource_group is None:
            return None
        view = NetworkView(self._names.zone, read_records(az, self.resource_group, self._names.zone))
        if set(public_services(self.app)) & set(names):
            view.gateway = read(az, self.resource_group, "publicIPAddresses", self._names.public_ip)
        return view

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from cloudorch_providers.azure.convert import group_body
        from cloudorch_providers.azure.live.network import sync_step
        from cloudorch_providers.azure.live.plan import scale_changes
        from cloudorch_providers.azure.live.resource_group import create_step
        from cloudorch_providers.azure.naming import group_name

        self.check()
        names = [group_name(self.app.name, service, i) for i in range(max(replicas, 1))]
        live = self._read(self._az(deadline), wanted=names, services=[service])

        def body_for(index: int) -> tuple[str, dict]:
            return names[index], group_body(self.app, service, index, self.settings, self.markers(),
                                            self._session.subscription)

        changes = scale_changes(self.app, self.resource_group, service, replicas, live, body_for)
        if live.resource_group is None and any(c.action is Action.CREATE for c in changes):
            changes.insert(0, Change(Action.CREATE, "ResourceGroup", self.resource_group, payload=[
                create_step(self.resource_group, self.settings.location, self.markers())]))
        if self._private and self.app.services[service].ports:
            changes.append(Change(Action.UPDATE, "DnsRecord", self._names.fqdn(service), service, ["aRecords"],
                                  payload=[sync_step(self._names.zone, service, replicas, self.markers())]))
        self._remember_secrets(changes)
        first = [c for c in changes if c.kind == "ResourceGroup"]
        growing = [c for c in changes if c.kind != "ResourceGroup" and c.action is not Action.DELETE]
        shrinking = [c for c in changes if c.action is Action.DELETE]
        for change in first:
            self.apply(change, deadline=deadline)
        records = [c for c in growing if c.kind == "DnsRecord"]
        growing = [c for c in growing if c.kind != "DnsRecord"]
        for batch in (growing, shrinking, records):  # the record once the groups are in place
            if batch:
                with ThreadPoolExecutor(max_workers=min(4, len(batch))) as pool:
                    list(pool.map(lambda c: self.apply(c, deadline=deadline), batch))

    def autoscale(self, service: str, policy: Autoscale | None, *, deadline: Deadline) -> None:
        raise Unsupported("Azure Container Instances has no native autoscaler; set a fixed count with "
                          f"`cloudorch scale {service}=N`")

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.azure.live.logs import read_logs

        az = self._az(deadline)
        live = self._read(az, services=list(services), details=False)
        return read_logs(az, self.resource_group, self.app.name, live, services, since, tail)

    # -- history (:mod:`cloudorch_providers.azure.live.history`) ------------------------------------
    def _service_groups(self, az, service: str) -> list[tuple[str, dict[str, Any]]]:
        """The service's groups carrying the app's markers, replica 0 first."""
        from cloudorch_providers.azure.live.state import replica_of

        live = self._read(az, services=[service], details=False)
        return sorted(live.owned_groups(self.app.name, [service]).items(), key=lambda item: replica_of(item[1]))

    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        """The revisions recorded in the first replica's tags."""
        from cloudorch_providers.azure.live.history import revisions
        from cloudorch_providers.azure.live.state import tags_of

        groups = self._service_groups(self._az(deadline), service)
        return revisions(tags_of(groups[0][1])) if groups else []

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        """Each group of the service back to its own record of the same body (by its hash), one group
        at a time, with today's tags and secret values."""
        from cloudorch.errors import ProviderError
        from cloudorch_providers.azure.live.apply import Context, put_group
        from cloudorch_providers.azure.live.history import records
        from cloudorch_providers.azure.live.state import tags_of

        if not revision.payload.get("b"):
            raise ProviderError(f"revision {revision.revision} of service {service} was too large to keep in "
                                "the container group's tags; deploy the spec of that revision instead")
        az = self._az(deadline)
        context = Context(az, self.resource_group, self.app.name, self._secrets, deadline)
        for name, group in self._service_groups(az, service):
            tags = tags_of(group)
            body = next((r["b"] for r in records(tags).values() if r.get("h") == revision.payload["h"] and r.get("b")),
                        None)
            if body is None:
                raise ProviderError(f"container group {name} has no record of revision {revision.revision} "
                                    "(it was created after it); deploy the spec of that revision instead")
            put_group(context, name, {**body, "tags": tags})  # its recorded revisions carried on

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.azure.live.network import destroy_changes
        from cloudorch_providers.azure.live.plan import destroy_plan
        from cloudorch_providers.azure.live.resource_group import owners
        from cloudorch_providers.azure.live.state import other_resources

        az = self._az(deadline)
        live = self._read(az, details=False)
        rg = live.resource_group
        others = other_resources(az, self.resource_group, self.app.name) \
            if rg is not None and self.app.name in owners(rg.get("tags")) else []
        network = destroy_changes(self.app.name, self._names, self._network(az, live))
        others += [f"{c.kind}/{c.name}" for c in network if c.action is Action.NOOP]  # kept, so the group stays
        return destroy_plan(self.app.name, self.resource_group, live, others, network)

"""The Azure provider's live operations, mixed into :class:`cloudorch_providers.azure.provider.AzureProvider`.

Replicas: ACI has none, so a service with N replicas is N container groups ``{app}-{service}-{i}``;
``scale`` creates or deletes groups (highest index first), and ``scale SERVICE=0`` stops group 0.
The spec stays the source of truth: ``plan`` shows a scaled service as drift and the next deploy
restores the spec's count. Autoscale is refused by the engine (no native autoscaler).

Secrets are read from their sources once per command, on the first ``apply`` (every value the
plan's container groups need, so that a missing one fails before anything changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import Unsupported
from cloudorch.provider import Action, AppStatus, Change, LogLine, Plan
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

        return SecretValues(refs(self.app, self.settings))

    @staticmethod
    def _placeholders(changes: list[Change]) -> frozenset[str]:
        from cloudorch_providers.azure.live.secret_values import placeholders

        return frozenset(p for change in changes for step in change.payload or [] if step[0] == "put"
                         for p in placeholders(step[2]))

    def _remember_secrets(self, changes: list[Change]) -> None:
        """Called by plan/scale (one thread): what the next applies need."""
        self._needed_secrets = self._placeholders(changes)

    def _read(self, az, **kwargs: Any):
        from cloudorch_providers.azure.live.state import read_live

        return read_live(az, self.resource_group, self.app.name, **kwargs)

    # -- the interface ----------------------------------------------------------------------------
    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.azure.live.plan import Planner

        docs = self.render()
        live = self._read(self._az(deadline), wanted=[d.name for d in docs])
        plan = Planner(self.app, self.resource_group, self.settings.location, self.markers(), live).plan(docs)
        self._remember_secrets(plan.pending)
        return plan

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch_providers.azure.live.apply import apply_change

        # every value the plan needs, before its first change (read once; thread-safe)
        self._secrets.resolve(getattr(self, "_needed_secrets", frozenset()) | self._placeholders([change]))
        apply_change(self._az(deadline), self.resource_group, self.app.name, change, self._secrets, deadline)

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        from cloudorch_providers.azure.live.status import app_status

        names = list(services) if services else list(self.app.services)
        return app_status(self.app, self._read(self._az(deadline), services=names), names)

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from cloudorch_providers.azure.convert import group_body
        from cloudorch_providers.azure.live.plan import scale_changes
        from cloudorch_providers.azure.naming import group_name

        self.check()
        names = [group_name(self.app.name, service, i) for i in range(max(replicas, 1))]
        live = self._read(self._az(deadline), wanted=names, services=[service])

        def body_for(index: int) -> tuple[str, dict]:
            return names[index], group_body(self.app, service, index, self.settings, self.markers())

        changes = scale_changes(self.app, self.resource_group, service, replicas, live, body_for)
        if live.resource_group is None and any(c.action is Action.CREATE for c in changes):
            changes.insert(0, Change(Action.CREATE, "ResourceGroup", self.resource_group, payload=[
                ("create_rg", {"name": self.resource_group, "location": self.settings.location,
                               "tags": dict(self.markers())})]))
        self._remember_secrets(changes)
        first = [c for c in changes if c.kind == "ResourceGroup"]
        growing = [c for c in changes if c.kind != "ResourceGroup" and c.action is not Action.DELETE]
        shrinking = [c for c in changes if c.action is Action.DELETE]
        for change in first:
            self.apply(change, deadline=deadline)
        for batch in (growing, shrinking):
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

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.azure.live.plan import destroy_plan
        from cloudorch_providers.azure.live.state import other_resources, owned

        az = self._az(deadline)
        live = self._read(az, details=False)
        rg = live.resource_group
        others = other_resources(az, self.resource_group, self.app.name) \
            if rg is not None and owned(rg.get("tags"), self.app.name) else []
        return destroy_plan(self.app.name, self.resource_group, live, others)

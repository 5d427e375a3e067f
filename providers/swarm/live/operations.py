"""The swarm provider's live operations, mixed into :class:`cloudorch_providers.swarm.provider.SwarmProvider`.

``scale`` changes the live replica count (and its sidecar services'); the spec stays the source of
truth, so ``plan`` shows a scaled service as drift and the next deploy restores the spec's count.
Autoscale is refused by the engine (Swarm has no autoscaler).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from functools import cached_property

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, Unsupported
from cloudorch.provider import AppStatus, Change, LogLine, Plan
from cloudorch.spec.models import Autoscale


class SwarmLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.deadline``, ``self.markers()`` and
    ``self.check()``."""

    @cached_property
    def engine(self):
        from cloudorch_providers.swarm.live.clients import Engine

        return Engine(self.settings, self.sandbox, self.deadline)

    @property
    def _deadline(self) -> Deadline:
        deadline = self.deadline or Deadline(None)
        self.engine.deadline = deadline
        return deadline

    def _read(self, secrets: bool = True):
        from cloudorch_providers.swarm.live.state import read_live

        self._deadline  # noqa: B018 - hands the current deadline to the engine client
        return read_live(self.engine, self.settings.network_for(self.app.name), secrets=secrets)

    # -- the interface ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        from cloudorch_providers.swarm.convert import network_body
        from cloudorch_providers.swarm.live.plan import Planner

        self.check()
        live = self._read()
        return Planner(self.app, self.settings, self.markers(), live).plan(
            network_body(self.app, self.settings, self.markers()))

    def apply(self, change: Change) -> None:
        from cloudorch_providers.swarm.live.apply import apply_change

        apply_change(self.engine, change, self._deadline)

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        from cloudorch_providers.swarm.convert import service_name
        from cloudorch_providers.swarm.live.state import read_nodes, read_tasks
        from cloudorch_providers.swarm.live.status import app_status

        names = list(services) if services else list(self.app.services)
        live = self._read()
        ids = [live.services[n]["ID"] for name in names
               for n in [service_name(self.app.name, name)] + [service_name(self.app.name, name, s.name)
                                                                for s in self.app.services[name].sidecars]
               if n in live.services]
        tasks = read_tasks(self.engine, ids)
        public = any(p.public for name in names for p in self.app.services[name].ports)
        nodes = read_nodes(self.engine) if public and tasks else {}
        return app_status(self.app, live, tasks, nodes, names, self.engine.host, self._as_specified(live))

    def _as_specified(self, live) -> frozenset[str]:
        """The app's Swarm services whose live spec is what the spec asks for."""
        from cloudorch_providers.swarm.convert import service_bodies
        from cloudorch_providers.swarm.live.plan import MissingSecret, differences, resolve

        found = set()
        network_id = live.network["Id"] if live.network else None
        for _, _, body in service_bodies(self.app, self.settings, self.markers()):
            current = live.services.get(body["Name"])
            if current is None:
                continue
            try:
                desired = resolve(body, live, network_id)
            except MissingSecret:
                continue
            force = (current["Spec"].get("TaskTemplate") or {}).get("ForceUpdate")
            if force:
                desired["TaskTemplate"]["ForceUpdate"] = force
            if not differences(desired, current["Spec"]):
                found.add(body["Name"])
        return frozenset(found)

    def scale(self, service: str, replicas: int) -> None:
        from cloudorch_providers.swarm.convert import service_name
        from cloudorch_providers.swarm.live.apply import _service_kwargs
        from cloudorch_providers.swarm.live.clients import docker_errors
        from cloudorch_providers.swarm.live.plan import SERVICE, not_ours
        from cloudorch_providers.swarm.live.state import labels_of, owned

        live = self._read(secrets=False)
        names = [service_name(self.app.name, service)] + [service_name(self.app.name, service, s.name)
                                                          for s in self.app.services[service].sidecars]
        for name in names:
            current = live.services.get(name)
            if current is None:
                raise ProviderError(f"service {name} is not deployed; run `cloudorch deploy` first")
            if not owned(labels_of(current), self.app.name):
                raise not_ours(SERVICE, name, labels_of(current), self.app.name)
            spec = copy.deepcopy(current["Spec"])
            if spec["Mode"]["Replicated"].get("Replicas") == replicas:
                continue
            spec["Mode"] = {"Replicated": {"Replicas": replicas}}
            with docker_errors(f"scaling service {name} to {replicas}", self.engine):
                self.engine.api.update_service(current["ID"], current["Version"]["Index"], **_service_kwargs(spec))

    def autoscale(self, service: str, policy: Autoscale | None) -> None:
        raise Unsupported("Docker Swarm has no native autoscaler; set a fixed count with "
                          f"`cloudorch scale {service}=N`")

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None) -> list[LogLine]:
        from cloudorch_providers.swarm.live.logs import read_logs

        return read_logs(self.engine, self.app, self._read(secrets=False), services, since, tail)

    # -- secrets ----------------------------------------------------------------------------------
    def store_secret(self, name: str, value: str) -> str:
        from cloudorch_providers.swarm.live.secrets import store

        return store(self.engine, self._read(), self.app.name, self.markers(), self.settings.secret_for(name), value)

    def secret_locations(self) -> list:
        from cloudorch_providers.swarm.live.secrets import locations

        return locations(self._read(), self.secret_users(), self.settings.secret_for)

    def restart(self, service: str) -> None:
        """Move the service (and its sidecar services) to the newest secret versions and replace every task."""
        from cloudorch_providers.swarm.convert import service_name
        from cloudorch_providers.swarm.live.apply import _service_kwargs
        from cloudorch_providers.swarm.live.clients import docker_errors
        from cloudorch_providers.swarm.live.plan import SERVICE, not_ours
        from cloudorch_providers.swarm.live.secrets import restart_body
        from cloudorch_providers.swarm.live.state import labels_of, owned

        live = self._read()
        for name in [service_name(self.app.name, service)] + [service_name(self.app.name, service, s.name)
                                                               for s in self.app.services[service].sidecars]:
            current = live.services.get(name)
            if current is None:
                raise ProviderError(f"service {name} is not deployed; run `cloudorch deploy` first")
            if not owned(labels_of(current), self.app.name):
                raise not_ours(SERVICE, name, labels_of(current), self.app.name)
            body = restart_body(current["Spec"], live)
            with docker_errors(f"restarting service {name}", self.engine):
                self.engine.api.update_service(current["ID"], current["Version"]["Index"], **_service_kwargs(body))

    def destroy_plan(self) -> Plan:
        from cloudorch_providers.swarm.live.plan import destroy_plan

        return destroy_plan(self.app.name, self._read())

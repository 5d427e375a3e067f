"""The swarm provider's live operations, mixed into :class:`cloudorch_providers.swarm.provider.SwarmProvider`.

Each takes the command's deadline and works through ``self._engine(deadline)``: the command's Engine
API client, its timeouts taken from that deadline. ``scale`` changes the live replica count (and its
sidecar services'); the spec stays the source of truth, so ``plan`` shows a scaled service as drift
and the next deploy restores the spec's count. Autoscale is refused (Swarm has no autoscaler).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, Unsupported
from cloudorch.provider import AppStatus, Change, LogLine, Plan, Revision, SecretLocation
from cloudorch.spec.models import Autoscale


class SwarmLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.markers()`` and ``self.check()``."""

    _client: Any = None

    def _engine(self, deadline: Deadline):
        from cloudorch_providers.swarm.live.clients import Engine

        if self._client is None:
            self._client = Engine(self.settings, self.sandbox)
        return self._client.bound(deadline)

    def _read(self, engine, secrets: bool = True):
        from cloudorch_providers.swarm.live.state import read_live

        return read_live(engine, self.settings.network_for(self.app.name), secrets=secrets)

    def _swarm_names(self, service: str) -> list[str]:
        from cloudorch_providers.swarm.convert import service_name

        return [service_name(self.app.name, service)] + [service_name(self.app.name, service, side.name)
                                                         for side in self.app.services[service].sidecars]

    def _owned(self, live, name: str) -> dict[str, Any]:
        from cloudorch_providers.swarm.live.plan import FIX, MARKERS, SERVICE
        from cloudorch_providers.swarm.live.state import labels_of

        current = live.services.get(name)
        if current is None:
            raise ProviderError(f"service {name} is not deployed; run `cloudorch deploy` first")
        MARKERS.ensure(SERVICE.lower(), name, labels_of(current), self.app.name, fix=FIX)
        return current

    # -- the interface ----------------------------------------------------------------------------
    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.swarm.convert import network_body
        from cloudorch_providers.swarm.live.plan import Planner

        self.check()
        live = self._read(self._engine(deadline))
        return Planner(self.app, self.settings, self.markers(), live, self.spec.file_options).plan(
            network_body(self.app, self.settings, self.markers()))

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch.live.plan import run_steps

        run_steps(change, self._engine(deadline))

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        from cloudorch_providers.swarm.live.state import read_nodes, read_tasks
        from cloudorch_providers.swarm.live.status import app_status

        engine = self._engine(deadline)
        names = list(services) if services else list(self.app.services)
        live = self._read(engine)
        ids = [live.services[n]["ID"] for name in names for n in self._swarm_names(name) if n in live.services]
        tasks = read_tasks(engine, ids)
        public = any(p.public for name in names for p in self.app.services[name].ports)
        nodes = read_nodes(engine) if public and tasks else {}
        return app_status(self.app, live, tasks, nodes, names, engine.host, self._as_specified(live))

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

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        from cloudorch_providers.swarm.live.apply import service_kwargs
        from cloudorch_providers.swarm.live.clients import docker_errors

        engine = self._engine(deadline)
        live = self._read(engine, secrets=False)
        for name in self._swarm_names(service):
            current = self._owned(live, name)
            spec = copy.deepcopy(current["Spec"])
            if spec["Mode"]["Replicated"].get("Replicas") == replicas:
                continue
            spec["Mode"] = {"Replicated": {"Replicas": replicas}}
            with docker_errors(f"scaling service {name} to {replicas}", engine):
                engine.api.update_service(current["ID"], current["Version"]["Index"], **service_kwargs(spec))

    def autoscale(self, service: str, policy: Autoscale | None, *, deadline: Deadline) -> None:
        raise Unsupported("Docker Swarm has no native autoscaler; set a fixed count with "
                          f"`cloudorch scale {service}=N`")

    def logs(self, services: Sequence[str], since: dt.datetime | None = None, tail: int | None = None, *,
             deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.swarm.live.logs import read_logs

        engine = self._engine(deadline)
        return read_logs(engine, self.app, self._read(engine, secrets=False), services, since, tail)

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.swarm.live.plan import destroy_plan

        return destroy_plan(self.app, self._read(self._engine(deadline)))

    # -- history (:mod:`cloudorch_providers.swarm.live.history`) ------------------------------------
    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        from cloudorch_providers.swarm.live.history import revisions

        live = self._read(self._engine(deadline), secrets=False)
        name = self._swarm_names(service)[0]
        return revisions(self._owned(live, name)) if name in live.services else []

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        from cloudorch_providers.swarm.live.apply import service_kwargs
        from cloudorch_providers.swarm.live.clients import docker_errors

        engine = self._engine(deadline)
        name = self._swarm_names(service)[0]
        current = self._owned(self._read(engine, secrets=False), name)
        with docker_errors(f"rolling service {name} back to its previous spec", engine):
            engine.api.update_service(current["ID"], current["Version"]["Index"], **service_kwargs(revision.payload))

    # -- secrets ----------------------------------------------------------------------------------
    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        from cloudorch_providers.swarm.live.secrets import store

        engine = self._engine(deadline)
        return store(engine, self._read(engine), self.app.name, self.markers(), self.settings.secret_for(name), value)

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        from cloudorch_providers.swarm.live.secrets import locations

        return locations(self._read(self._engine(deadline)), self.secret_users(), self.settings.secret_for)

    def restart(self, service: str, *, deadline: Deadline) -> None:
        """Move the service (and its sidecar services) to the newest secret versions and replace every task."""
        from cloudorch_providers.swarm.live.apply import service_kwargs
        from cloudorch_providers.swarm.live.clients import docker_errors
        from cloudorch_providers.swarm.live.secrets import restart_body

        engine = self._engine(deadline)
        live = self._read(engine)
        for name in self._swarm_names(service):
            current = self._owned(live, name)
            body = restart_body(current["Spec"], live)
            with docker_errors(f"restarting service {name}", engine):
                engine.api.update_service(current["ID"], current["Version"]["Index"], **service_kwargs(body))

"""An in-memory provider for engine tests: real Provider subclass, no cloud, every call recorded."""

from __future__ import annotations

import threading
import time

from pydantic import BaseModel

from cloudorch.deadline import Deadline
from cloudorch.live.errors import CloudError, Kind
from cloudorch.provider import (
    Action,
    AppStatus,
    Capability,
    Change,
    Document,
    FieldReport,
    Fit,
    Plan,
    Provider,
    ServiceStatus,
    State,
)


class MemorySettings(BaseModel):
    pass


class MemoryProvider(Provider):
    name = "memory"
    capabilities = frozenset({Capability.REPLICAS, Capability.LOGS})
    settings_model = MemorySettings
    # what the "cloud" holds, shared per test: service -> replicas
    live: dict[str, int]
    failing: set[str]
    crashing: set[str]

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        self.live, self.failing, self.crashing = {}, set(), set()
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.delay = 0.0
        #: status calls that fail transiently before one answers
        self.flaky = 0
        self.deadlines: list[Deadline] = []

    def render(self):
        return [Document("Box", n, {"replicas": s.replicas}, n) for n, s in self.app.services.items()]

    def validate(self):
        return [FieldReport(f"services.{n}.image", Fit.EXACT) for n in self.app.services]

    def plan(self, *, deadline: Deadline) -> Plan:
        self.deadlines.append(deadline)
        changes = []
        for name, service in self.app.services.items():
            have = self.live.get(name)
            action = Action.CREATE if have is None else (Action.UPDATE if have != service.replicas else Action.NOOP)
            changes.append(Change(action, "Box", name, name, [] if action is not Action.UPDATE else ["replicas"]))
        for name in sorted(set(self.live) - set(self.app.services)):
            changes.append(Change(Action.DELETE, "Box", name, name))
        return Plan(self.app.name, self.name, changes)

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        assert isinstance(deadline, Deadline)
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls.append((str(change.action), change.name))
        try:
            time.sleep(self.delay)
            if change.name in self.failing:
                raise RuntimeError(f"boom while applying {change.name}")
            if change.action is Action.DELETE:
                self.live.pop(change.name, None)
            else:
                self.live[change.name] = self.app.services[change.name].replicas
        finally:
            with self.lock:
                self.active -= 1

    def status(self, services=None, *, deadline: Deadline) -> AppStatus:
        assert isinstance(deadline, Deadline)
        if self.flaky:
            self.flaky -= 1
            raise CloudError("reading Box status: connection reset by peer", Kind.UNREACHABLE)
        out = []
        for name in services or list(self.app.services):
            if name not in self.live:
                out.append(ServiceStatus(name, State.MISSING))
            elif name in self.crashing:
                out.append(ServiceStatus(name, State.FAILED, desired=1, message="CrashLoopBackOff"))
            else:
                n = self.live[name]
                out.append(ServiceStatus(name, State.HEALTHY if n else State.STOPPED, desired=n, running=n))
        return AppStatus(self.app.name, self.name, out)

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        return Plan(self.app.name, self.name, [Change(Action.DELETE, "Box", n, n) for n in sorted(self.live)])

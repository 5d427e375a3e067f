"""The provider interface: what every cloud adapter implements, and the typed results it returns.

A provider is a plugin class registered under the entry-point group ``cloudorch.providers``. Its
module must import no cloud SDK at import time: ``render`` and ``validate`` are pure, and the live
operations import the SDK inside themselves. See ``docs`` in the README ("Writing a provider").
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from cloudorch.deadline import Deadline
    from cloudorch.sandbox.emulator import Emulator
    from cloudorch.spec import Spec
    from cloudorch.spec.models import Autoscale


class Capability(StrEnum):
    """Things a provider may or may not be able to do natively."""

    REPLICAS = "replicas"  # more than one copy of a service behind one name
    AUTOSCALE = "autoscale"  # a native autoscaler (target tracking on CPU)
    LOGS = "logs"
    PUBLIC_IP = "public_ip"
    VOLUMES = "volumes"  # scratch volumes living as long as a replica
    SIDECARS = "sidecars"
    HEALTH_CHECKS = "health_checks"
    SECRETS = "secrets"
    SERVICE_DISCOVERY = "service_discovery"  # services reach each other by service name
    ROLLING_UPDATE = "rolling_update"  # updates without restarting every replica at once


class Fit(StrEnum):
    """How a spec field maps onto a provider."""

    EXACT = "exact"
    LOSSY = "lossy"
    UNSUPPORTED = "unsupported"
    OVERRIDE = "override"  # set natively by an override block (providers.<p>.overrides), checked against
    #                        the cloud's own schema


@dataclass(frozen=True)
class FieldReport:
    """One line of ``validate --provider``: how ``field`` (a dotted spec path) maps."""

    field: str
    fit: Fit
    note: str = ""


@dataclass
class Document:
    """A native document the provider would send: an API call's body or a manifest.

    ``kind`` is the provider's name for it (``TaskDefinition``, ``containerGroups``, ``Deployment``),
    ``name`` the cloud resource's name, ``service`` the spec service it comes from (None for
    app-wide resources), ``body`` exactly what the cloud's own tools take."""

    kind: str
    name: str
    body: dict[str, Any]
    service: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.name}".replace("/", "-").replace(":", "-").lower()


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"


@dataclass
class Change:
    """One resource's difference between the spec and the live app."""

    action: Action
    kind: str
    name: str
    service: str | None = None
    fields: list[str] = field(default_factory=list)
    reason: str = ""
    #: provider-private payload carried from plan to apply (never printed)
    payload: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"action": str(self.action), "kind": self.kind, "name": self.name,
                "service": self.service, "fields": list(self.fields)}


@dataclass
class Plan:
    app: str
    provider: str
    changes: list[Change] = field(default_factory=list)

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action is not Action.NOOP]

    @property
    def empty(self) -> bool:
        return not self.pending

    def to_dict(self) -> dict[str, Any]:
        return {"app": self.app, "provider": self.provider, "changes": [c.to_dict() for c in self.pending]}


class State(StrEnum):
    PENDING = "PENDING"  # accepted, nothing running yet
    PROGRESSING = "PROGRESSING"  # rolling out or scaling
    HEALTHY = "HEALTHY"  # running == desired, health checks pass
    DEGRADED = "DEGRADED"  # running, but fewer than desired
    FAILED = "FAILED"  # cannot start (crash loop, bad image...)
    STOPPED = "STOPPED"  # desired 0
    MISSING = "MISSING"  # not deployed


_WORST_FIRST = [State.FAILED, State.MISSING, State.DEGRADED, State.PENDING, State.PROGRESSING,
                State.STOPPED, State.HEALTHY]


@dataclass
class ServiceStatus:
    name: str
    state: State
    desired: int = 0
    running: int = 0
    pending: int = 0
    failed: int = 0
    image: str = ""
    revision: str = ""
    endpoints: list[str] = field(default_factory=list)
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = str(self.state)
        return data


@dataclass
class AppStatus:
    app: str
    provider: str
    services: list[ServiceStatus] = field(default_factory=list)

    @property
    def state(self) -> State:
        """The worst service state; an app with every service stopped is STOPPED."""
        if not self.services:
            return State.MISSING
        states = {s.state for s in self.services}
        return next(s for s in _WORST_FIRST if s in states)

    @property
    def healthy(self) -> bool:
        return all(s.state in (State.HEALTHY, State.STOPPED) for s in self.services) and bool(self.services)

    def to_dict(self) -> dict[str, Any]:
        return {"app": self.app, "provider": self.provider, "state": str(self.state),
                "services": [s.to_dict() for s in self.services]}


@dataclass
class SecretLocation:
    """Where one of the spec's secrets lives on a provider (never its value)."""

    name: str
    where: str
    #: whether the store holds it now (None: the provider cannot tell, e.g. values read at deploy time)
    exists: bool | None = None
    #: the services (and sidecars' services) that read it
    services: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, order=True)
class LogLine:
    time: dt.datetime
    service: str
    replica: str
    container: str
    message: str

    def format(self) -> str:
        stamp = self.time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return f"{stamp} {self.service}/{self.replica}/{self.container} | {self.message}"


class Provider(ABC):
    """A cloud adapter. One instance serves one spec on one target (account/subscription/cluster)."""

    #: entry-point name, e.g. "aws"
    name: ClassVar[str]
    #: what the provider can do natively; the engine refuses the rest before any API call
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    #: validates the spec's ``providers.<name>`` block; must import no cloud SDK
    settings_model: ClassVar[type[BaseModel]]
    #: modules the live operations import; checked before any of them runs
    requires: ClassVar[tuple[str, ...]] = ()
    #: the pip extra that installs ``requires``
    extra: ClassVar[str] = ""
    #: the ownership marker key every resource carries (with the app id as value)
    OWNER_KEY: ClassVar[str] = "cloudorch-app"
    TOOL_KEY: ClassVar[str] = "managed-by"
    TOOL_VALUE: ClassVar[str] = "cloudorch"

    def __init__(self, spec: Spec, *, overrides: Mapping[str, Any] | None = None,
                 sandbox: Mapping[str, Any] | None = None):
        """``overrides`` replace settings from the spec's provider block (flags, env);
        ``sandbox`` is this provider's emulator client config when running against the sandbox."""
        self.spec = spec
        self.app = spec.app
        self.settings = spec.settings(self.name, self.settings_model, overrides)
        self.sandbox = dict(sandbox) if sandbox else None
        #: the command's overall deadline; the engine sets it, SDK timeouts and waits honour it
        self.deadline: Deadline | None = None
        #: take over fields that another tool manages instead of refusing (deploy --force-conflicts);
        #: only providers whose cloud tracks field ownership (Kubernetes server-side apply) use it
        self.force_conflicts = False

    # -- discovery ---------------------------------------------------------------------------
    @classmethod
    def emulator(cls, **options: Any) -> Emulator | None:
        """The emulator the sandbox runs for this provider (None: no sandbox support).
        ``options`` go to the emulator's constructor (tests shorten its delays)."""
        return None

    @classmethod
    def settings_schema(cls) -> dict[str, Any]:
        return cls.settings_model.model_json_schema()

    def markers(self) -> dict[str, str]:
        """The ownership markers: app id + tool marker, on every resource."""
        return {self.OWNER_KEY: self.app.name, self.TOOL_KEY: self.TOOL_VALUE}

    # -- offline -----------------------------------------------------------------------------
    @abstractmethod
    def render(self) -> list[Document]:
        """The native documents this spec becomes, in the order they would be applied.
        Pure: no network, no SDK import. Secret values never appear."""

    @abstractmethod
    def validate(self) -> list[FieldReport]:
        """Per spec field present in the app, how it maps onto this provider (exact, lossy,
        unsupported), with a note on what happens. Raises SpecError for what the provider
        rejects outright (e.g. an invalid cpu/memory pair)."""

    # -- live --------------------------------------------------------------------------------
    def plan(self) -> Plan:
        """Diff the live app against the spec: one Change per resource, NOOP included."""
        raise NotImplementedError(f"provider {self.name!r} does not implement plan")

    def apply(self, change: Change) -> None:
        """Carry out one Change from ``plan()``. Must be idempotent. The engine calls it in
        dependency order, several at once (thread-safe)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement deploy")

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        """The live state of the app's services (all of them when ``services`` is None)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement status")

    def scale(self, service: str, replicas: int) -> None:
        """Set a service's replica count (within the autoscaler's bounds when it has one)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement scale")

    def autoscale(self, service: str, policy: Autoscale | None) -> None:
        """Turn the native autoscaler on with ``policy``, or off with None."""
        raise NotImplementedError(f"provider {self.name!r} does not implement autoscale")

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None) -> list[LogLine]:
        """Log lines of the services' replicas and containers, oldest first."""
        raise NotImplementedError(f"provider {self.name!r} does not implement logs")

    # -- secrets -----------------------------------------------------------------------------
    def secret_users(self) -> dict[str, list[str]]:
        """Each secret the spec names -> the services that read it (sorted)."""
        users: dict[str, list[str]] = {}
        for service_name, service in self.app.services.items():
            for secret in service.all_secret_names():
                users.setdefault(secret, []).append(service_name)
        return {name: sorted(users[name]) for name in sorted(users)}

    def store_secret(self, name: str, value: str) -> str:
        """Store the value of the spec's secret ``name`` where this provider's settings point it
        (creating the store entry with our markers when it does not exist) and return one line
        saying where. Raise :class:`~cloudorch.errors.Unsupported` where the cloud takes values at
        deploy time instead. Never logs or returns the value."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot store secrets; create {name!r} with the "
                          "cloud's own tools")

    def secret_locations(self) -> list[SecretLocation]:
        """Where each of the spec's secrets lives and whether it exists there (values never read)."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot list where secrets are stored")

    def restart(self, service: str) -> None:
        """Start a rolling restart of ``service`` so its replicas start again with the same spec
        (they re-read secrets at start). Returns at once; the engine waits for health."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot restart a service; redeploy it instead")

    def destroy_plan(self) -> Plan:
        """The DELETE changes that remove every resource this app owns (by exact id)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement destroy")

    def destroy(self, plan: Plan) -> None:
        """Delete what ``destroy_plan()`` listed. Only resources carrying our markers."""
        for change in plan.pending:
            self.apply(change)

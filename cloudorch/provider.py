"""The provider interface: what every cloud adapter implements, and the typed results it returns.

A provider is a plugin class registered under the entry-point group ``cloudorch.providers``. Its
module must import no cloud SDK at import time: ``render`` and ``validate`` are pure, and the live
operations import the SDK inside themselves. See ``docs`` in the README ("Writing a provider").

Every live operation takes the command's :class:`~cloudorch.deadline.Deadline` as the keyword
argument ``deadline``: the operation ends by it, and every network call it makes gets its timeouts
from it (:func:`cloudorch.live.timeouts.budget`). The rules every provider shares (ownership
markers, plan steps, health classification, error translation) are in :mod:`cloudorch.live`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from cloudorch.live.ownership import Markers

if TYPE_CHECKING:
    from cloudorch.deadline import Deadline
    from cloudorch.sandbox.emulator import Emulator
    from cloudorch.spec import Spec
    from cloudorch.spec.models import Autoscale


class Capability(StrEnum):
    """Operations a provider may lack. Each one is enforced by the engine before any API call: a
    command needing a capability the provider does not declare ends with Unsupported (exit 2)
    naming what to do instead.

    Only operations are capabilities. What a *spec* asks for (public ports, volumes, sidecars,
    health checks, secrets, service discovery, rolling updates) is judged per field by the
    provider's ``validate()`` (exact, lossy, unsupported) and refused by its ``render()`` when it
    cannot be honoured, with file:line; a capability flag for those could only repeat (or
    contradict) that answer, so there is none."""

    REPLICAS = "replicas"  # `scale`: more than one copy of a service behind one name (engine.set_replicas)
    AUTOSCALE = "autoscale"  # `autoscale`: a native autoscaler (engine.set_autoscale)
    LOGS = "logs"  # `logs`: reading the replicas' output (engine.read_logs / follow_logs)


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
        """The worst service state, services stopped on purpose aside; STOPPED when all are
        (the rule: :func:`cloudorch.live.health.app_state`)."""
        from cloudorch.live.health import app_state

        return app_state(s.state for s in self.services)

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
    #: other names ``-p`` accepts for this provider (e.g. ``k8s``)
    aliases: ClassVar[tuple[str, ...]] = ()
    #: the ownership markers every resource carries (keys may follow the cloud's syntax rules)
    ownership: ClassVar[Markers] = Markers()

    def __init__(self, spec: Spec, *, overrides: Mapping[str, Any] | None = None,
                 sandbox: Mapping[str, Any] | None = None):
        """``overrides`` replace settings from the spec's provider block (flags, env);
        ``sandbox`` is this provider's emulator client config when running against the sandbox."""
        self.spec = spec
        self.app = spec.app
        self.settings = spec.settings(self.name, self.settings_model, overrides)
        self.sandbox = dict(sandbox) if sandbox else None
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
        return self.ownership.tags(self.app.name)

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
    # Each takes the command's deadline (keyword ``deadline``) and ends by it.
    def plan(self, *, deadline: Deadline) -> Plan:
        """Diff the live app against the spec: one Change per resource, NOOP included."""
        raise NotImplementedError(f"provider {self.name!r} does not implement plan")

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        """Carry out one Change from ``plan()``. Must be idempotent. The engine calls it in
        dependency order, several at once (thread-safe)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement deploy")

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        """The live state of the app's services (all of them when ``services`` is None).
        A transient failure (see :mod:`cloudorch.live.errors`) is retried by the engine's waits."""
        raise NotImplementedError(f"provider {self.name!r} does not implement status")

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        """Set a service's replica count (within the autoscaler's bounds when it has one)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement scale")

    def autoscale(self, service: str, policy: Autoscale | None, *, deadline: Deadline) -> None:
        """Turn the native autoscaler on with ``policy``, or off with None."""
        raise NotImplementedError(f"provider {self.name!r} does not implement autoscale")

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
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

    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        """Store the value of the spec's secret ``name`` where this provider's settings point it
        (creating the store entry with our markers when it does not exist) and return one line
        saying where. Raise :class:`~cloudorch.errors.Unsupported` where the cloud takes values at
        deploy time instead. Never logs or returns the value."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot store secrets; create {name!r} with the "
                          "cloud's own tools")

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        """Where each of the spec's secrets lives and whether it exists there (values never read)."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot list where secrets are stored")

    def restart(self, service: str, *, deadline: Deadline) -> None:
        """Start a rolling restart of ``service`` so its replicas start again with the same spec
        (they re-read secrets at start). Returns at once; the engine waits for health."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot restart a service; redeploy it instead")

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        """The DELETE changes that remove every resource this app owns (by exact id)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement destroy")

    def destroy(self, plan: Plan, *, deadline: Deadline) -> None:
        """Delete what ``destroy_plan()`` listed. Only resources carrying our markers."""
        for change in plan.pending:
            self.apply(change, deadline=deadline)

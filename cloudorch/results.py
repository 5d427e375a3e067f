"""The typed results providers return: field fits, rendered documents, plans, status and log lines.

Re-exported by :mod:`cloudorch.provider`, which defines the interface that returns them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class FieldDiff:
    """One changed field of a resource: its path (``spec.replicas``, ``containers[web].image``) and the
    live and desired values, secrets already masked (:mod:`cloudorch.secretmask`). ``None`` on one
    side: the field is absent there."""

    path: str
    live: Any
    desired: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "live": self.live, "desired": self.desired}


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
    #: each changed field with its live and desired value (updates and replacements; secrets masked)
    diff: list[FieldDiff] = field(default_factory=list, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"action": str(self.action), "kind": self.kind, "name": self.name,
                "service": self.service, "fields": list(self.fields), "reason": self.reason,
                "diff": [d.to_dict() for d in self.diff]}


@dataclass
class Revision:
    """One revision of a service as the cloud keeps it (``cloudorch history``, ``rollback --to``).

    ``revision`` is the cloud's own number or id (an ECS task definition revision, a Kubernetes
    ReplicaSet's revision, Swarm's ``current`` / ``previous`` spec, the revision ACI groups record in
    their tags); ``document`` is what cloudorch compares between revisions (placeholders, never secret
    values); ``changes`` (filled by the core) is what changed from the revision before it."""

    revision: str
    time: dt.datetime | None = None
    image: str = ""
    current: bool = False
    document: dict[str, Any] = field(default_factory=dict, repr=False)
    changes: list[FieldDiff] = field(default_factory=list)
    #: provider-private data a rollback to this revision needs (never printed)
    payload: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "time": self.time.isoformat() if self.time else None,
                "image": self.image, "current": self.current,
                "changes": [{"path": d.path, "before": d.live, "after": d.desired} for d in self.changes]}


@dataclass(frozen=True)
class MissingSecret:
    """A secret that pending changes need and that is not where the provider reads it: the services
    using it cannot start, so deploy stops before its first change (exit 4)."""

    secret: str
    services: tuple[str, ...]
    #: what is missing, where ("environment variable SHOP_KEY is not set")
    problem: str
    #: the command or step that fixes it ("store it with `cloudorch secrets set -f app.yaml -p swarm key`")
    fix: str

    def __str__(self) -> str:
        who = ", ".join(f"service {name}" for name in self.services) or "the app"
        return f"{who} cannot start: secret {self.secret}: {self.problem}; {self.fix}"


@dataclass
class Plan:
    app: str
    provider: str
    changes: list[Change] = field(default_factory=list)
    #: secrets the pending changes need that are missing (deploy refuses to start, exit 4)
    missing_secrets: list[MissingSecret] = field(default_factory=list)

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
    #: the spec's jobs and their last runs (a run's failure does not make the app unhealthy)
    jobs: list[Any] = field(default_factory=list)

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
                "services": [s.to_dict() for s in self.services],
                **({"jobs": [j.to_dict() for j in self.jobs]} if self.jobs else {})}


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

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
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from cloudorch.live.ownership import Markers
from cloudorch.results import (  # noqa: F401  (re-exported: providers import them from here)
    Action,
    AppStatus,
    Change,
    Document,
    FieldDiff,
    FieldReport,
    Fit,
    LogLine,
    MissingSecret,
    Plan,
    Revision,
    SecretLocation,
    ServiceStatus,
    State,
)
from cloudorch.runs import JobRun, JobStatus, RunState  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from cloudorch.deadline import Deadline
    from cloudorch.remote import Event, ExecChannel, ExecRequest, Handoff
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
    JOBS = "jobs"  # `run`: one run of a job, or of a service's command (engine.run_job)
    SCHEDULES = "schedules"  # jobs with a `schedule` run on it, by the cloud's own scheduler
    RETRIES = "retries"  # a failed run is started again by the cloud (else `run --wait` does it)


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
        for job_name, job in self.app.jobs.items():
            for secret in job.secrets.values():
                users.setdefault(secret, []).append(job_name)
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

    # -- jobs (the waiting and exit-code rules are the engine's: cloudorch.engine.run) -----------
    def start_run(self, name: str, command: Sequence[str] | None = None, *, deadline: Deadline) -> str:
        """Start one run of job ``name`` now (or, for a service name, a one-off container with the
        service's image, env, secrets and resources running ``command``) and return its run id.
        ``command`` replaces the job's command when given."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot run jobs; run the container with the cloud's own "
                          "tools, or pick a provider that can (`cloudorch providers`)")

    def run_state(self, run_id: str, *, deadline: Deadline) -> JobRun:
        """The state of run ``run_id`` (started by ``start_run`` or by a schedule)."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot read job runs")

    def run_logs(self, run_id: str, since: dt.datetime | None = None, *, deadline: Deadline) -> list[LogLine]:
        """The run's log lines, oldest first (``since``: only newer ones)."""
        return []

    def stop_run(self, run_id: str, reason: str, *, deadline: Deadline) -> None:
        """Stop run ``run_id`` (its timeout passed); ``reason`` goes where the cloud records one."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot stop a job run; stop it with the cloud's own tools")

    def job_statuses(self, *, deadline: Deadline) -> list[JobStatus]:
        """One JobStatus per job of the spec: deployed or not, and its last run."""
        return [JobStatus(name, job.schedule, message=f"provider {self.name!r} does not run jobs")
                for name, job in self.app.jobs.items()]

    # -- history ----------------------------------------------------------------------------
    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        """The revisions of ``service`` the cloud keeps, oldest first, the one running marked
        ``current``, each with the ``document`` the core compares between consecutive revisions."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} keeps no revision history; redeploy an earlier spec "
                          "(from version control) to go back")

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        """Start returning ``service`` to ``revision`` (one of ``history()``'s, chosen by the core).
        Returns at once; the engine waits for health. The spec is left as it is: ``plan`` then shows
        the drift and ``deploy`` restores the spec."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot roll back; redeploy an earlier spec "
                          "(from version control) to go back")

    def exec(self, request: ExecRequest, *, deadline: Deadline) -> ExecChannel | Handoff:
        """Start ``request.command`` in a running replica of ``request.service`` and return the channel to
        it (or the hand-off to the cloud's own session program). The engine does the terminal work."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot run commands in replicas; use the cloud's own "
                          "console or CLI to open a shell there")

    def events(self, since: dt.datetime | None = None, *, deadline: Deadline) -> list[Event]:
        """The cloud's recent events about the app's resources (any order; the engine merges them)."""
        from cloudorch.errors import Unsupported

        raise Unsupported(f"provider {self.name!r} cannot list the cloud's events; see the cloud's console")

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        """The DELETE changes that remove every resource this app owns (by exact id)."""
        raise NotImplementedError(f"provider {self.name!r} does not implement destroy")

    def destroy(self, plan: Plan, *, deadline: Deadline) -> None:
        """Delete what ``destroy_plan()`` listed. Only resources carrying our markers."""
        for change in plan.pending:
            self.apply(change, deadline=deadline)

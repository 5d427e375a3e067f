"""Typed results of job runs: one run's state (:class:`JobRun`) and a job's line in ``status``
(:class:`JobStatus`). Re-exported by :mod:`cloudorch.provider`, whose job methods return them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RunState(StrEnum):
    PENDING = "PENDING"  # accepted, the container has not started
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"  # ended with exit code 0
    FAILED = "FAILED"  # ended otherwise: a non-zero exit code, or stopped (timeout, pull failure...)

    @property
    def done(self) -> bool:
        return self in (RunState.SUCCEEDED, RunState.FAILED)


def _stamp(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


@dataclass
class JobRun:
    """One run of a job (or of a service's one-off admin command).

    ``id`` is what ``cloudorch run --no-wait`` prints and the provider finds the run by (a task ARN,
    a Job name, a container group, a Swarm service). ``exit_code`` is the main container's, None
    when the cloud does not say (then ``reason`` says what is known)."""

    id: str
    job: str
    state: RunState
    exit_code: int | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    reason: str = ""
    #: how the run was started: "manual" (cloudorch run) or "scheduled"
    trigger: str = "manual"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "job": self.job, "state": str(self.state), "exit_code": self.exit_code,
                "started": _stamp(self.started), "finished": _stamp(self.finished), "reason": self.reason,
                "trigger": self.trigger}

    def summary(self) -> str:
        """``SUCCEEDED 2026-01-01T03:00:04Z`` / ``FAILED (exit 3) ...``, for the status table."""
        what = str(self.state)
        if self.state is RunState.FAILED:
            what += f" (exit {self.exit_code})" if self.exit_code is not None else f" ({self.reason or 'no exit code'})"
        when = _stamp(self.finished or self.started)
        return f"{what} {when}" if when else what


@dataclass
class JobStatus:
    """A job's line in ``status``: whether its definition (and schedule) is deployed, and its last run."""

    name: str
    schedule: str | None = None
    deployed: bool = False
    last_run: JobRun | None = None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "schedule": self.schedule, "deployed": self.deployed,
                "last_run": self.last_run.to_dict() if self.last_run else None, "message": self.message}

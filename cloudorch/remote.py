"""What ``cloudorch exec`` and ``cloudorch events`` exchange with a provider: the request, the channel a
running remote command is read and written through, the hand-off to a cloud's own session program, and
the events a cloud reports about the app's resources.

The terminal and stream handling (raw mode, window size, pumping stdin, writing stdout/stderr, the exit
code) is in :mod:`cloudorch.engine.exec`, once for every provider; a provider only opens the channel.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

STDOUT = 1
STDERR = 2


@dataclass(frozen=True)
class ExecRequest:
    """Run ``command`` in one running replica of ``service``.

    ``replica`` names it (the cloud's name: pod, task id, container group, swarm task); None picks the
    first running one. ``container`` is a container of the replica (the service's own, or a sidecar's
    name); None is the service's main container. ``stdin`` sends the local stdin, ``tty`` asks for a
    terminal (``width`` x ``height``)."""

    service: str
    command: tuple[str, ...]
    replica: str | None = None
    container: str | None = None
    stdin: bool = False
    tty: bool = False
    width: int = 80
    height: int = 24


class ExecChannel(ABC):
    """A command running in a replica. Thread-safe between one reader (``output``) and one writer
    (``send_stdin``/``close_stdin``/``resize``)."""

    #: where it runs, e.g. ``pod web-6d9f-abcde, container web``; said when the command cannot start
    where: str = ""
    #: False where the cloud does not report the command's exit code (``exit_code`` is then None)
    reports_exit_code: bool = True

    @abstractmethod
    def output(self) -> Iterator[tuple[int, bytes]]:
        """(``STDOUT`` or ``STDERR``, bytes) as they arrive, until the command ends."""

    @abstractmethod
    def send_stdin(self, data: bytes) -> None:
        """Bytes for the command's stdin (only when the request asked for stdin)."""

    def close_stdin(self) -> None:  # noqa: B027 - a cloud without a way to say end-of-input ignores it
        """End of the local stdin: the command reads end-of-file."""

    def resize(self, width: int, height: int) -> None:  # noqa: B027 - only terminals resize
        """The local terminal changed size."""

    @property
    @abstractmethod
    def exit_code(self) -> int | None:
        """The command's exit code, once ``output`` is exhausted (None when the cloud does not say)."""

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release the connection (also called after an interrupt)."""


@dataclass(frozen=True)
class Handoff:
    """The session is carried by a program the cloud ships (e.g. AWS's session-manager-plugin):
    cloudorch runs ``argv`` with the terminal attached and exits with its exit code. ``missing`` is the
    one line said when ``argv[0]`` is not installed."""

    argv: tuple[str, ...]
    missing: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class Event:
    """Something the cloud reports about one of the app's resources (``cloudorch events``)."""

    time: dt.datetime
    service: str  # the spec service ("" for app-wide resources)
    resource: str  # the cloud's kind/name, e.g. ``Pod/web-6d9f-abcde``
    reason: str  # the cloud's short word (Scheduled, Pulled, BackOff, ...) or the state reached
    message: str
    type: str = "Normal"  # Normal or Warning

    def to_dict(self) -> dict:
        return {"time": self.time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), "service": self.service,
                "resource": self.resource, "type": self.type, "reason": self.reason, "message": self.message}


def merge_events(events: Sequence[Event], since: dt.datetime | None = None) -> list[Event]:
    """Events oldest first, those before ``since`` left out, duplicates dropped."""
    return sorted({e for e in events if since is None or e.time >= since})

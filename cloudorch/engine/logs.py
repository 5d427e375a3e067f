"""logs: merge every replica's and container's lines in time order; --follow polls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from cloudorch.deadline import Deadline
from cloudorch.errors import Unsupported, UsageError
from cloudorch.live.errors import poll
from cloudorch.provider import Capability, LogLine, Provider


def _check(provider: Provider, services: Sequence[str]) -> list[str]:
    if Capability.LOGS not in provider.capabilities:
        raise Unsupported(f"provider {provider.name!r} cannot read logs")
    unknown = [s for s in services if s not in provider.app.services]
    if unknown:
        raise UsageError(f"no service {unknown[0]!r} in {provider.spec.path} "
                         f"(services: {', '.join(provider.app.services)})")
    return list(services) or list(provider.app.services)


def read_logs(provider: Provider, services: Sequence[str], since: dt.datetime | None = None,
              tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
    """Lines of ``services`` (all when empty), oldest first; ``tail`` keeps the last N overall."""
    lines = sorted(provider.logs(_check(provider, services), since=since, tail=tail, deadline=deadline))
    return lines[-tail:] if tail else lines


def follow_logs(provider: Provider, services: Sequence[str], since: dt.datetime | None = None,
                tail: int | None = None, interval: float = 2.0, deadline: Deadline | None = None,
                sleep: Callable[[float], None] | None = None) -> Iterator[LogLine]:
    """Yield lines as they arrive until interrupted (or the deadline passes). A read that fails
    transiently is retried at the next interval (:func:`cloudorch.live.errors.poll`)."""
    deadline = deadline or Deadline(None)
    seen: set[LogLine] = set()
    first = read_logs(provider, services, since, tail, deadline=deadline)
    yield from first
    seen.update(first)
    cursor = first[-1].time if first else (since or dt.datetime.now(dt.UTC))
    while not deadline.expired:
        (sleep or deadline.sleep)(interval)
        lines = poll(lambda since=cursor: read_logs(provider, services, since=since, deadline=deadline), deadline,
                     "following the logs", interval, sleep)
        fresh = [line for line in lines if line not in seen]
        yield from fresh
        seen.update(fresh)
        if fresh:
            cursor = fresh[-1].time
            seen = {line for line in seen if line.time >= cursor}

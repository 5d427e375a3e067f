"""events: the cloud's events about the app's resources, merged in time order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cloudorch.deadline import Deadline
from cloudorch.errors import UsageError
from cloudorch.provider import Provider
from cloudorch.remote import Event, merge_events


def read_events(provider: Provider, services: Sequence[str] = (), since: dt.datetime | None = None, *,
                deadline: Deadline) -> list[Event]:
    """Events of ``services`` (all when empty; app-wide ones too) newer than ``since``, oldest first."""
    unknown = [s for s in services if s not in provider.app.services]
    if unknown:
        raise UsageError(f"no service {unknown[0]!r} in {provider.spec.path} "
                         f"(services: {', '.join(provider.app.services)})")
    events = provider.events(since, deadline=deadline)
    return merge_events([e for e in events if not services or e.service in services], since)

"""Rolling a new revision onto a service's replicas one at a time, for platforms with no rollout of
their own (Azure Container Instances: one container group per replica).

The rule, written once: send the new revision to one replica, wait until that replica is healthy and
stays so for ``stable`` seconds (a crash loop that starts after the first good read is caught), then
go on to the next. When the replica fails (:func:`~cloudorch.live.health.classify` says FAILED), the
replica is put back to the previous revision at once and :class:`RevisionFailed` (exit 4) says that
the new revision failed, why, and what serves now; the replicas not reached yet keep the previous
revision. When the deadline passes first, nothing is put back (there is no time left to wait for it)
and the error says so. The provider supplies the calls::

    roll_replica(Replica("container group web-0", update=put_new, restore=put_previous,
                         read=lambda: facts_of_group(get("web-0")), serving=describe_service),
                 deadline, stable=3.0)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cloudorch.deadline import Deadline
from cloudorch.errors import CloudorchError
from cloudorch.live.errors import poll
from cloudorch.live.health import Facts, classify
from cloudorch.provider import State

#: seconds a replica must stay healthy when the service has no health check of its own
MIN_READY = 3.0


class RevisionFailed(CloudorchError):
    """A new revision could not run; the message says why and what serves now."""

    exit_code = 4


@dataclass(frozen=True)
class Replica:
    """One replica to move to the new revision, by the provider's own calls."""

    #: what it is, for messages ("container group shop-web-0")
    what: str
    #: send the new revision (returns once the platform accepted it)
    update: Callable[[], None]
    #: put the previous revision back; None when it cannot be (the error then says so)
    restore: Callable[[], None] | None
    #: what the replica is now, in the kit's terms (desired 1)
    read: Callable[[], Facts]
    #: one line on what serves now, read after a failure ("2 of 2 groups run nginx:1.27.2")
    serving: Callable[[], str]


def stable_seconds(start_period: float = 0.0, interval: float = 0.0, retries: int = 0) -> float:
    """How long a replica must stay healthy: long enough for its own health check to fail it
    (``start_period + interval * retries``), at least :data:`MIN_READY`."""
    return max(MIN_READY, start_period + interval * retries)


def wait_replica(replica: Replica, deadline: Deadline, stable: float, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> tuple[State, str]:
    """``(state, message)`` once the replica is FAILED, or HEALTHY for ``stable`` seconds in a row;
    when the deadline passes first, the last state read. Transient read errors are retried."""
    healthy_since: float | None = None
    while True:
        state, message = classify(poll(replica.read, deadline, f"reading {replica.what}", interval))
        if state is State.FAILED:
            return state, message
        if state is State.HEALTHY:
            healthy_since = clock() if healthy_since is None else healthy_since
            if clock() - healthy_since >= stable:
                return state, message
        else:
            healthy_since = None
        if deadline.expired:
            return state, message or "not healthy yet"
        deadline.sleep(interval)


def roll_replica(replica: Replica, deadline: Deadline, stable: float = MIN_READY, interval: float = 1.0,
                 revision: str = "the new revision") -> None:
    """Move one replica to the new revision (see the module docstring); raises RevisionFailed."""
    replica.update()
    state, why = wait_replica(replica, deadline, stable, interval)
    if state is State.HEALTHY:
        return
    if state is not State.FAILED:
        raise RevisionFailed(f"{revision} did not become healthy on {replica.what} before the deadline ({why}); "
                             "it was left as it is and the replicas after it were not updated; raise --timeout "
                             "or run `cloudorch status`")
    if replica.restore is None:
        raise RevisionFailed(f"{revision} failed on {replica.what} ({why}); it could not be put back to the "
                             f"previous revision; the replicas after it were not updated; serving now: "
                             f"{replica.serving()}")
    replica.restore()
    raise RevisionFailed(f"{revision} failed on {replica.what} ({why}); {replica.what} was put back to the "
                         f"previous revision and the replicas after it were not updated; serving now: "
                         f"{replica.serving()}")

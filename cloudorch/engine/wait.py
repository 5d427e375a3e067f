"""Waiting for services to become healthy, under the command's deadline."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cloudorch.deadline import Deadline
from cloudorch.errors import CloudorchError
from cloudorch.live.errors import poll
from cloudorch.provider import AppStatus, Provider, State

StatusCallback = Callable[[AppStatus], None]


class NotHealthy(CloudorchError):
    """The app (or a service) did not become healthy; the message names which and why."""

    exit_code = 4


def read_status(provider: Provider, services: Sequence[str] | None, deadline: Deadline,
                interval: float = 1.0) -> AppStatus:
    """``provider.status(services)``; transient errors (throttling, resets, timeouts) are retried
    until the deadline, never fatal on their own (:func:`cloudorch.live.errors.poll`)."""
    names = ", ".join(services) if services else "every service"
    return poll(lambda: provider.status(list(services) if services else None, deadline=deadline), deadline,
                f"reading the status of {names}", interval)


def wait_healthy(provider: Provider, services: Sequence[str], deadline: Deadline,
                 on_status: StatusCallback | None = None, interval: float = 1.0) -> AppStatus:
    """Poll ``provider.status(services)`` until every one is HEALTHY (or STOPPED at 0 replicas).
    Raises NotHealthy as soon as one is FAILED, or when the deadline passes. A poll that fails
    transiently is retried until the deadline (:func:`read_status`)."""
    while True:
        status = read_status(provider, services, deadline, interval)
        if on_status:
            on_status(status)
        failed = [s for s in status.services if s.state is State.FAILED]
        if failed:
            raise NotHealthy("; ".join(f"service {s.name} failed: {s.message or 'no reason given'}" for s in failed))
        if status.healthy:
            return status
        if deadline.expired:
            waiting = [s for s in status.services if s.state not in (State.HEALTHY, State.STOPPED)]
            raise NotHealthy(
                f"timed out after {deadline.seconds:g}s; "
                + "; ".join(f"service {s.name} is {s.state} ({s.running}/{s.desired} running"
                            f"{': ' + s.message if s.message else ''})" for s in waiting)
                + "; raise --timeout or run `cloudorch status`"
            )
        deadline.sleep(interval)

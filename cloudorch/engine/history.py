"""history and rollback: the revisions a provider reads, what changed between consecutive ones (the
plan's value diff and secret mask, :func:`cloudorch.diff.field_diffs`), which revision a rollback goes
to, and the wait for health after it (as deploy's)."""

from __future__ import annotations

from cloudorch.deadline import Deadline
from cloudorch.diff import field_diffs
from cloudorch.engine.operate import _service
from cloudorch.engine.wait import StatusCallback, wait_healthy
from cloudorch.errors import UsageError
from cloudorch.provider import AppStatus, Provider, Revision
from cloudorch.secretmask import Mask


def service_history(provider: Provider, service: str, *, deadline: Deadline) -> list[Revision]:
    """``service``'s revisions, oldest first, each with what changed from the one before."""
    _service(provider, service)
    revisions = provider.history(service, deadline=deadline)
    mask = Mask.of(provider.app)
    for before, after in zip(revisions, revisions[1:], strict=False):
        after.changes = field_diffs(after.document, before.document, mask)
    return revisions


def choose(revisions: list[Revision], service: str, to: str | None) -> Revision:
    """The revision a rollback goes to: ``to``, or the one before the running one."""
    if not revisions:
        raise UsageError(f"service {service} has no revisions to roll back to (deploy it first)")
    current = next((i for i, r in enumerate(revisions) if r.current), len(revisions) - 1)
    names = ", ".join(r.revision for r in revisions)
    if to is None:
        if current == 0:
            raise UsageError(f"service {service} runs its oldest kept revision {revisions[0].revision}; "
                             f"there is nothing before it (revisions: {names})")
        return revisions[current - 1]
    target = next((r for r in revisions if r.revision == str(to)), None)
    if target is None:
        raise UsageError(f"service {service} has no revision {to!r} (revisions: {names}; "
                         "see `cloudorch history`)")
    if target.current:
        raise UsageError(f"service {service} already runs revision {target.revision}")
    return target


def rollback(provider: Provider, service: str, to: str | None = None, *, deadline: Deadline, wait: bool = True,
             on_status: StatusCallback | None = None, poll: float = 1.0) -> tuple[Revision, AppStatus | None]:
    """Return ``service`` to revision ``to`` (default: the previous one), then wait until it is healthy
    (NotHealthy, exit 4, when it is not by the deadline)."""
    target = choose(service_history(provider, service, deadline=deadline), service, to)
    deadline.check(f"rolling {service} back to revision {target.revision}")
    provider.rollback(service, target, deadline=deadline)
    if not wait:
        return target, None
    return target, wait_healthy(provider, [service], deadline, on_status, poll)

"""destroy: delete what the app owns, dependants before their dependencies, app-wide last."""

from __future__ import annotations

from cloudorch.deadline import Deadline
from cloudorch.engine.deploy import ChangeCallback, DeployFailed, DeployResult, _one_line
from cloudorch.live.errors import timed_out
from cloudorch.live.plan import destroy_order
from cloudorch.provider import Plan, Provider


def destroy(provider: Provider, plan: Plan, *, deadline: Deadline | None = None,
            on_change: ChangeCallback | None = None) -> DeployResult:
    """Apply the DELETE changes of ``provider.destroy_plan()``. Stops at the first failure and
    reports what was and was not deleted."""
    deadline = deadline or Deadline(None)
    result = DeployResult(plan)
    for change in destroy_order(plan.pending, provider.app):
        deadline.check(f"deleting {change.kind} {change.name}")
        if on_change:
            on_change(change, "start")
        try:
            provider.apply(change, deadline=deadline)
        except Exception as exc:  # noqa: BLE001 - reported with what was deleted
            result.failed.append((change, exc))
            if on_change:
                on_change(change, "failed")
            late = timed_out(exc, deadline, f"deleting {change.kind} {change.name}")
            message = str(late) if late else f"deleting {change.kind} {change.name}: {_one_line(exc)}"
            raise DeployFailed(message, result,
                               getattr(exc, "exit_code", 1), verb="destroy") from None
        result.applied.append(change)
        if on_change:
            on_change(change, "done")
    return result

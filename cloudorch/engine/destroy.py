"""destroy: delete what the app owns, dependants before their dependencies, app-wide last."""

from __future__ import annotations

from cloudorch.deadline import Deadline
from cloudorch.engine.deploy import ChangeCallback, DeployFailed, DeployResult, _one_line
from cloudorch.provider import Plan, Provider


def destroy(provider: Provider, plan: Plan, *, deadline: Deadline | None = None,
            on_change: ChangeCallback | None = None) -> DeployResult:
    """Apply the DELETE changes of ``provider.destroy_plan()``. Stops at the first failure and
    reports what was and was not deleted."""
    deadline = deadline or Deadline(None)
    provider.deadline = deadline
    result = DeployResult(plan)
    rank = {name: i for i, wave in enumerate(provider.app.order()) for name in wave}
    # services in reverse start order (unknown services -- no longer in the spec -- first),
    # then app-wide resources
    ordered = sorted(plan.pending, key=lambda c: (c.service is None, -rank.get(c.service or "", 10**6)))
    for change in ordered:
        deadline.check(f"deleting {change.kind} {change.name}")
        if on_change:
            on_change(change, "start")
        try:
            provider.apply(change)
        except Exception as exc:  # noqa: BLE001 - reported with what was deleted
            result.failed.append((change, exc))
            if on_change:
                on_change(change, "failed")
            raise DeployFailed(f"deleting {change.kind} {change.name}: {_one_line(exc)}", result,
                               getattr(exc, "exit_code", 1), verb="destroy") from None
        result.applied.append(change)
        if on_change:
            on_change(change, "done")
    return result

"""deploy: apply a plan in depends_on order with bounded concurrency, then wait for health.

A plan that names missing secrets (``plan.missing_secrets``: the services using them cannot start)
is refused before its first change: exit 4 naming each secret, its services and the fix.

Order: app-wide creates/updates first (cluster, namespace...), then the services wave by wave
(a wave is every service whose dependencies are in earlier waves), each wave's services in
parallel (``parallel`` threads) and each service's own changes in plan order; when waiting,
a wave must be healthy before the next starts. Deletions (resources the spec no longer has)
come last. Nothing is ever deleted because of a failure or an interrupt.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cloudorch.deadline import Deadline
from cloudorch.engine.wait import StatusCallback, read_status, wait_healthy
from cloudorch.errors import CloudorchError, SecretsMissing, Unsupported
from cloudorch.live.errors import timed_out
from cloudorch.provider import Action, AppStatus, Change, Plan, Provider

ChangeCallback = Callable[[Change, str], None]  # (change, "start" | "done" | "failed")


@dataclass
class DeployResult:
    plan: Plan
    applied: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, Exception]] = field(default_factory=list)
    status: AppStatus | None = None

    def not_applied(self) -> list[Change]:
        done = {id(c) for c in self.applied} | {id(c) for c, _ in self.failed}
        return [c for c in self.plan.pending if id(c) not in done]


class DeployFailed(CloudorchError):
    """Some changes failed or the app did not become healthy. Carries what was done."""

    def __init__(self, message: str, result: DeployResult, exit_code: int = 1, verb: str = "deploy"):
        super().__init__(message)
        self.result = result
        self.exit_code = exit_code
        #: the command that resumes the work: "deploy" or "destroy"
        self.verb = verb

    def lines(self) -> list[str]:
        lines = [str(self)]
        done = "deleted" if self.verb == "destroy" else "applied"
        if self.result.applied:
            undone = "nothing was recreated" if self.verb == "destroy" else "nothing was rolled back or deleted"
            lines.append(f"{done} {len(self.result.applied)} of {len(self.result.plan.pending)} changes; {undone}")
        skipped = self.result.not_applied()
        if skipped:
            names = ", ".join(sorted({c.service or c.name for c in skipped}))
            lines.append(f"not {done} (run `cloudorch {self.verb}` again after fixing): {names}")
        return lines


def deploy(provider: Provider, plan: Plan, *, parallel: int = 4, wait: bool = True,
           deadline: Deadline | None = None, on_change: ChangeCallback | None = None,
           on_status: StatusCallback | None = None, poll: float = 1.0) -> DeployResult:
    from cloudorch.engine.run import schedule_refusals

    refused = schedule_refusals(provider)
    if refused:
        raise Unsupported(refused[0])
    run = _Run(provider, plan, deadline or Deadline(None), on_change)
    if plan.missing_secrets:
        missing = SecretsMissing(plan.missing_secrets)
        raise run.fail(str(missing), missing.exit_code)
    pending = plan.pending
    by_service: dict[str, list[Change]] = {}
    for change in pending:
        if change.service is not None and change.action is not Action.DELETE:
            by_service.setdefault(change.service, []).append(change)
    run.guarded(lambda: run.changes([c for c in pending if c.service is None and c.action is not Action.DELETE]))
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="deploy") as pool:
        try:
            for wave in provider.app.order():
                futures = {name: pool.submit(run.changes, by_service.get(name, [])) for name in wave}
                errors = [(name, f.exception()) for name, f in futures.items() if f.exception() is not None]
                if errors:
                    raise run.fail("; ".join(f"service {name}: {_one_line(exc)}" for name, exc in errors),
                                   max(getattr(exc, "exit_code", 1) for _, exc in errors))
                if wait:
                    run.guarded(lambda wave=wave: setattr(
                        run.result, "status", wait_healthy(provider, wave, run.deadline, on_status, poll)))
        except BaseException:  # Ctrl-C included: changes not started yet are dropped, none undone
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    jobs = [c for c in pending if c.service in provider.app.jobs and c.action is not Action.DELETE]
    run.guarded(lambda: run.changes(jobs))  # jobs come after the services they may call
    run.guarded(lambda: run.changes([c for c in pending if c.action is Action.DELETE]))
    if wait:
        run.guarded(lambda: setattr(run.result, "status", read_status(provider, None, run.deadline, poll)))
    return run.result


class _Run:
    """One deploy's bookkeeping: applies changes in order and records what happened."""

    def __init__(self, provider: Provider, plan: Plan, deadline: Deadline, on_change: ChangeCallback | None):
        self.provider, self.deadline, self.on_change = provider, deadline, on_change
        self.result = DeployResult(plan)

    def changes(self, changes: list[Change]) -> None:
        for change in changes:
            self.deadline.check(f"applying {change.kind} {change.name}")
            if self.on_change:
                self.on_change(change, "start")
            try:
                self.provider.apply(change, deadline=self.deadline)
            except Exception as exc:
                self.result.failed.append((change, exc))
                if self.on_change:
                    self.on_change(change, "failed")
                late = timed_out(exc, self.deadline, f"applying {change.kind} {change.name}")
                if late is not None:
                    raise late from None
                raise
            self.result.applied.append(change)
            if self.on_change:
                self.on_change(change, "done")

    def fail(self, message: str, exit_code: int = 1) -> DeployFailed:
        return DeployFailed(message, self.result, exit_code)

    def guarded(self, step) -> None:
        """Run ``step``; any error becomes a DeployFailed that says what was applied."""
        try:
            step()
        except DeployFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - reported with what was applied
            raise self.fail(_one_line(exc), getattr(exc, "exit_code", 1)) from None


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, CloudorchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}".splitlines()[0]

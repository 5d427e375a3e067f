"""``cloudorch run``: one run of a job (or a service's one-off admin command), the rules every provider
shares: what may run, waiting, streaming the logs, the job's timeout, retries where the cloud has none,
and the exit code.

Exit code of a waited run: 0 when it succeeded; the container's own exit code when it failed with one
(1..255); 4 with a one-line reason when the cloud gives no code (stopped, timed out, image not
pulled); 1 for a cloud error; the command's deadline applies as everywhere (exit 1 when it passes,
the run is left running and said so).

Timeout: a job's ``timeout`` is enforced here for ``run --wait`` on every provider: when it passes,
the run is stopped (:meth:`Provider.stop_run`) and the command exits 4. Providers whose cloud
bounds a run itself (Kubernetes ``activeDeadlineSeconds``) do so for scheduled runs too.

Retries: a provider declaring :attr:`Capability.RETRIES` restarts failed runs itself (Kubernetes
``backoffLimit``); for the others ``run --wait`` starts a failed run again, up to ``retries`` times,
and reports the last attempt.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cloudorch.deadline import Deadline
from cloudorch.errors import Unsupported, UsageError
from cloudorch.provider import Capability, JobRun, LogLine, Provider, RunState

NOT_HEALTHY = 4


@dataclass
class Outcome:
    run: JobRun
    exit_code: int
    #: one line saying why, when the exit code is not the container's own
    reason: str = ""


def check_runnable(provider: Provider, name: str, command: Sequence[str] | None) -> None:
    """Refuse before any call what cannot run: an unknown name, a service without a command, a
    provider without jobs."""
    app = provider.app
    if name not in app.jobs and name not in app.services:
        names = ", ".join(list(app.jobs) + list(app.services)) or "none"
        raise UsageError(f"no job or service {name!r} in {provider.spec.path} (jobs and services: {names})")
    if name in app.services and not command:
        raise UsageError(f"{name} is a service: give the one-off command after `--`, e.g. "
                         f"`cloudorch run {name} -- sh -c 'echo hello'`")
    if Capability.JOBS not in provider.capabilities:
        raise Unsupported(f"provider {provider.name!r} cannot run jobs or one-off commands; "
                          "run the container with the cloud's own tools")


def schedule_refusals(provider: Provider) -> list[str]:
    """What deploy refuses about the spec's jobs on this provider (one line each)."""
    lines = []
    jobs = provider.app.jobs
    if jobs and Capability.JOBS not in provider.capabilities:
        lines.append(f"provider {provider.name!r} does not run jobs ({', '.join(jobs)}); remove the jobs section "
                     "or deploy to a provider that runs jobs (`cloudorch providers`)")
    elif Capability.SCHEDULES not in provider.capabilities:
        for name, job in jobs.items():
            if job.schedule and job.unscheduled == "refuse":
                lines.append(f"jobs.{name}.schedule: provider {provider.name!r} cannot run jobs on a schedule; "
                             f"set `unscheduled: on-demand` on the job to deploy it for `cloudorch run` only "
                             "(and trigger it from an external scheduler), or deploy to a provider with schedules")
    return lines


def run_job(provider: Provider, name: str, command: Sequence[str] | None, *, deadline: Deadline,
            on_line: Callable[[LogLine], None], on_event: Callable[[str], None],
            poll: float = 1.0) -> Outcome:
    """Start a run, stream its log lines through ``on_line`` and wait for its end."""
    job = provider.app.jobs.get(name)
    timeout = job.timeout if job else None
    attempts = 1 + (job.retries if job and Capability.RETRIES not in provider.capabilities else 0)
    outcome: Outcome | None = None
    for attempt in range(1, attempts + 1):
        deadline.check(f"starting a run of {name}")
        run_id = provider.start_run(name, command, deadline=deadline)
        on_event(f"started {run_id}" + (f" (attempt {attempt} of {attempts})" if attempts > 1 else ""))
        outcome = wait_run(provider, run_id, timeout, deadline=deadline, on_line=on_line, poll=poll)
        if outcome.exit_code == 0 or attempt == attempts or outcome.reason.startswith("timed out"):
            break
        on_event(f"{run_id} failed ({outcome.reason or f'exit {outcome.exit_code}'}); starting it again")
    assert outcome is not None
    return outcome


def wait_run(provider: Provider, run_id: str, timeout: float | None, *, deadline: Deadline,
             on_line: Callable[[LogLine], None], poll: float = 1.0) -> Outcome:
    started = time.monotonic()
    seen: set[LogLine] = set()
    since: dt.datetime | None = None

    def drain() -> None:
        nonlocal since
        for line in provider.run_logs(run_id, since, deadline=deadline):
            if line not in seen:
                seen.add(line)
                on_line(line)
                since = line.time if since is None or line.time > since else since

    while True:
        deadline.check(f"waiting for run {run_id} (it keeps running; see `cloudorch status`)")
        run = provider.run_state(run_id, deadline=deadline)
        drain()
        if run.state.done:
            drain()  # the last lines may land with the end
            return outcome_of(run)
        if timeout is not None and time.monotonic() - started > timeout:
            from cloudorch.spec.units import format_duration

            provider.stop_run(run_id, f"timed out after {format_duration(timeout)}", deadline=deadline)
            run.state = RunState.FAILED
            return Outcome(run, NOT_HEALTHY, f"timed out after {format_duration(timeout)} (the job's timeout); "
                                             "the run was stopped")
        deadline.sleep(poll)


def outcome_of(run: JobRun) -> Outcome:
    if run.state is RunState.SUCCEEDED:
        return Outcome(run, 0)
    if run.exit_code:
        return Outcome(run, min(max(run.exit_code, 1), 255))
    return Outcome(run, NOT_HEALTHY, run.reason or "the run failed and the cloud gave no exit code")

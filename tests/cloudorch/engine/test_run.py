"""The run rules every provider shares (cloudorch.engine.run): what may run, the exit code, the timeout
stopping the run, retries where the cloud has none, and deploy refusing schedules a provider cannot
run. The provider is an in-memory Provider subclass whose runs follow a script."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
from pydantic import BaseModel

from cloudorch.deadline import Deadline
from cloudorch.engine.run import check_runnable, outcome_of, run_job, schedule_refusals
from cloudorch.errors import Unsupported, UsageError
from cloudorch.provider import Capability, JobRun, LogLine, Provider, RunState
from cloudorch.spec import parse_spec

SPEC = """\
version: 1
name: shop
services:
  api: {image: "nginx:1.27"}
jobs:
  cleanup:
    image: busybox:1.36
    schedule: "0 3 * * *"
    retries: 2
    timeout: 1s
    unscheduled: %s
"""


class Settings(BaseModel):
    pass


class ScriptedProvider(Provider):
    """Each run ends with the next exit code of ``codes`` (None: the cloud gives none; "hang": never ends)."""

    name = "scripted"
    settings_model = Settings
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.JOBS})

    def __init__(self, spec, codes):
        super().__init__(spec)
        self.codes, self.runs, self.stopped = list(codes), {}, []

    def render(self):
        return []

    def validate(self):
        return []

    def start_run(self, name, command=None, *, deadline):
        run_id = f"{name}-{len(self.runs)}"
        self.runs[run_id] = (name, self.codes.pop(0))
        return run_id

    def run_state(self, run_id, *, deadline):
        name, code = self.runs[run_id]
        if run_id in self.stopped:
            return JobRun(run_id, name, RunState.FAILED, reason="stopped")
        if code == "hang":
            return JobRun(run_id, name, RunState.RUNNING)
        if code is None:
            return JobRun(run_id, name, RunState.FAILED, reason="CannotPullContainerError: not found")
        return JobRun(run_id, name, RunState.SUCCEEDED if code == 0 else RunState.FAILED, exit_code=code)

    def run_logs(self, run_id, since=None, *, deadline):
        return [LogLine(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), run_id, "0", "main", f"hello from {run_id}")]

    def stop_run(self, run_id, reason, *, deadline):
        self.stopped.append(run_id)


def provider(codes, unscheduled="refuse", capabilities=None):
    p = ScriptedProvider(parse_spec(SPEC % unscheduled, "shop.yaml", env={}), codes)
    if capabilities is not None:
        p.capabilities = frozenset(capabilities)
    return p


def go(p, name="cleanup", command=None):
    lines, events = [], []
    outcome = run_job(p, name, command, deadline=Deadline(10), on_line=lines.append, on_event=events.append,
                      poll=0.01)
    return outcome, lines, events


def test_success_is_0_and_each_log_line_is_printed_once():
    outcome, lines, _ = go(provider([0]))
    assert outcome.exit_code == 0 and [line.message for line in lines] == ["hello from cleanup-0"]


def test_a_failed_run_is_started_again_up_to_retries_and_ends_with_its_own_code():
    p = provider([3, 5, 7])
    outcome, _, events = go(p)
    assert outcome.exit_code == 7 and len(p.runs) == 3  # retries: 2
    assert sum(e.startswith("started") for e in events) == 3


def test_a_retry_that_succeeds_ends_the_run():
    p = provider([3, 0, 7])
    assert go(p)[0].exit_code == 0 and len(p.runs) == 2


def test_no_exit_code_is_4_with_the_reason():
    outcome, _, _ = go(provider([None, None, None]))
    assert outcome.exit_code == 4 and "CannotPullContainerError" in outcome.reason


def test_the_timeout_stops_the_run_and_is_not_retried():
    p = provider(["hang", 0])
    outcome, _, _ = go(p)
    assert outcome.exit_code == 4 and "timed out after 1s" in outcome.reason and p.stopped == ["cleanup-0"]
    assert len(p.runs) == 1


def test_native_retries_are_left_to_the_cloud():
    p = provider([3, 0], capabilities={Capability.JOBS, Capability.RETRIES})
    assert go(p)[0].exit_code == 3 and len(p.runs) == 1


def test_codes_beyond_255_are_clamped():
    assert outcome_of(JobRun("r", "j", RunState.FAILED, exit_code=300)).exit_code == 255


def test_what_may_run():
    p = provider([0])
    with pytest.raises(UsageError, match="no job or service 'nope'"):
        check_runnable(p, "nope", None)
    with pytest.raises(UsageError, match="give the one-off command after `--`"):
        check_runnable(p, "api", None)
    check_runnable(p, "api", ["sh", "-c", "true"])
    with pytest.raises(Unsupported, match="cannot run jobs"):
        check_runnable(provider([0], capabilities=set()), "cleanup", None)


def test_deploy_refuses_a_schedule_the_provider_cannot_run_unless_on_demand():
    [line] = schedule_refusals(provider([]))
    assert line.startswith("jobs.cleanup.schedule:") and "unscheduled: on-demand" in line
    assert schedule_refusals(provider([], unscheduled="on-demand")) == []
    assert schedule_refusals(provider([], capabilities={Capability.JOBS, Capability.SCHEDULES})) == []
    [line] = schedule_refusals(provider([], unscheduled="on-demand", capabilities=set()))
    assert "does not run jobs" in line

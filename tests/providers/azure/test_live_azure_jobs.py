"""Jobs on Azure against the ARM emulator through the real SDK: runs as container groups with
restartPolicy Never (exit codes, logs), a service's admin command, the timeout stopping the group,
schedules refused unless on demand (validate and deploy), status with the last run, deploy leaving the
runs alone, destroy deleting them."""

from __future__ import annotations

import pytest
from live_support import SUBSCRIPTION, Harness

from cloudorch.deadline import Deadline
from cloudorch.engine.run import run_job
from cloudorch.errors import Unsupported
from cloudorch.provider import Fit, RunState

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: shop
services:
  api:
    image: nginx:1.27
    env: {{MODE: live}}
jobs:
  cleanup:
    image: busybox:1.36
    command: [sh, -c, "echo 'swept 3 carts'; exit 0"]
    schedule: "0 3 * * *"
    unscheduled: {unscheduled}
  broken:
    image: busybox:1.36
    command: [sh, -c, "echo 'no database'; exit 3"]
    retries: 1
  slow:
    image: busybox:1.36
    command: [sh, -c, "sleep 60"]
    timeout: 1s
providers:
  azure: {{subscription: {subscription}, resource_group: shop-rg, location: eastus}}
"""


@pytest.fixture
def live(running, admin, tmp_path) -> Harness:
    admin.post("reset")
    return Harness(running, tmp_path)


def run(p, name, command=None):
    lines, events = [], []
    outcome = run_job(p, name, command, deadline=Deadline(30), on_line=lines.append, on_event=events.append,
                      poll=0.05)
    return outcome, [line.message for line in lines], events


def test_a_schedule_is_unsupported_and_refused_unless_on_demand(live):
    provider = live.provider(SPEC.format(subscription=SUBSCRIPTION, unscheduled="refuse"))
    fits = {r.field: r for r in provider.validate()}
    schedule = fits["jobs.cleanup.schedule"]
    assert schedule.fit is Fit.UNSUPPORTED and "no scheduler" in schedule.note
    with pytest.raises(Unsupported, match="cannot run jobs on a schedule"):
        live.deploy(provider)
    on_demand = live.provider(SPEC.format(subscription=SUBSCRIPTION, unscheduled="on-demand"))
    assert "on-demand" in {r.field: r for r in on_demand.validate()}["jobs.cleanup.schedule"].note


def test_runs_exit_codes_logs_admin_command_timeout_status_and_destroy(live):
    provider = live.provider(SPEC.format(subscription=SUBSCRIPTION, unscheduled="on-demand"))
    assert live.deploy(provider).status.healthy
    ok, lines, _ = run(provider, "cleanup")
    assert ok.exit_code == 0 and ok.run.state is RunState.SUCCEEDED and "swept 3 carts" in lines
    bad, lines, events = run(provider, "broken")
    assert bad.exit_code == 3 and "no database" in lines
    assert sum(e.startswith("started") for e in events) == 2  # retries: 1 -> started again once
    slow, _, _ = run(provider, "slow")
    assert slow.exit_code == 4 and "timed out" in slow.reason
    admin_run, _, _ = run(provider, "api", ["sh", "-c", "exit 6"])
    assert admin_run.exit_code == 6
    group = live.aci.container_groups.get(provider.resource_group, admin_run.run.id)
    assert group.restart_policy == "Never" and group.containers[0].image == "nginx:1.27"
    assert {e.name: e.value for e in group.containers[0].environment_variables}["MODE"] == "live"
    assert group.tags["cloudorch-job"] == "api" and "cloudorch-service" not in group.tags
    statuses = {s.name: s for s in provider.job_statuses(deadline=Deadline(10))}
    assert statuses["cleanup"].last_run.state is RunState.SUCCEEDED
    assert statuses["broken"].last_run.exit_code == 3
    assert provider.plan(deadline=Deadline(30)).empty  # the runs are not deploy's to delete
    plan = provider.destroy_plan(deadline=Deadline(30))
    assert admin_run.run.id in {c.name for c in plan.pending}
    provider.destroy(plan, deadline=Deadline(60))
    # the runs were deleted, then the resource group
    assert provider.resource_group not in [g.name for g in live.rm.resource_groups.list()]


def test_run_before_deploy_says_what_to_do(live):
    provider = live.provider(SPEC.format(subscription=SUBSCRIPTION, unscheduled="on-demand"))
    with pytest.raises(Exception, match="deploy"):
        provider.start_run("cleanup", deadline=Deadline(10))

"""Jobs on AWS against the sandbox (moto's server with the emulator's ECS lifecycle, over real HTTP):
task definitions and an EventBridge Scheduler schedule deployed and idempotent, RunTask runs with exit
codes and logs, a service's admin command, the timeout stopping the task, the schedule firing on the
emulator's clock, status with the last run, destroy removing it all."""

from __future__ import annotations

import time

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.engine.run import run_job
from cloudorch.provider import RunState
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox
from cloudorch_providers.aws.convert_jobs import aws_cron

SPEC = """\
version: 1
name: {app}
services:
  api:
    image: nginx:1.27
    ports: [{{port: 8080}}]
jobs:
  cleanup:
    image: busybox:1.36
    command: [sh, -c, "echo 'swept 3 carts'; exit 0"]
    schedule: "30 2 * * mon-fri"
  broken:
    image: busybox:1.36
    command: [sh, -c, "echo 'no database'; exit 3"]
    retries: 1
  slow:
    image: busybox:1.36
    command: [sh, -c, "sleep 60"]
    timeout: 1s
providers:
  aws: {{region: us-east-1}}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-jobs"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


def provider(box, app="jobs"):
    p = open_provider(parse_spec(SPEC.format(app=app), f"{app}.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


@pytest.fixture(scope="module")
def deployed(box):
    p = provider(box)
    result = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    assert result.status.healthy
    return p


def run(p, name, command=None):
    lines, events = [], []
    outcome = run_job(p, name, command, deadline=Deadline(30), on_line=lines.append, on_event=events.append,
                      poll=0.1)
    return outcome, [line.message for line in lines], events


def test_cron_converts_to_the_aws_form():
    assert aws_cron("0 3 * * *") == "cron(0 3 * * ? *)"
    assert aws_cron("30 2 * * mon-fri") == "cron(30 2 ? * MON-FRI *)"
    assert aws_cron("0 0 1 * *") == "cron(0 0 1 * ? *)"
    assert aws_cron("*/15 * * * 0,6") == "cron(*/15 * ? * SUN,SAT *)"


def test_deploy_creates_the_schedule_and_a_redeploy_is_all_no_ops(box, deployed):
    kinds = {(c.kind, c.name) for c in deployed.plan(deadline=Deadline(60)).changes}
    assert {("Schedule", "cleanup"), ("ScheduleGroup", "cloudorch-jobs"), ("SchedulerRole", "jobs-scheduler-us-east-1"),
            ("TaskDefinition", "jobs-broken")} <= kinds
    assert provider(box).plan(deadline=Deadline(60)).empty
    aws = deployed._aws(Deadline(10))
    schedule = aws("scheduler").get_schedule(Name="cleanup", GroupName="cloudorch-jobs")
    assert schedule["ScheduleExpression"] == "cron(30 2 ? * MON-FRI *)"
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("task-definition/jobs-cleanup")
    assert schedule["Target"]["RoleArn"] == "arn:aws:iam::123456789012:role/jobs-scheduler-us-east-1"
    trust = aws("iam").get_role(RoleName="jobs-scheduler-us-east-1")["Role"]["AssumeRolePolicyDocument"]
    assert "scheduler.amazonaws.com" in str(trust)


def test_runs_end_with_their_exit_codes_and_logs_and_retries_are_counted(deployed):
    ok, lines, _ = run(deployed, "cleanup")
    assert ok.exit_code == 0 and ok.run.state is RunState.SUCCEEDED and "swept 3 carts" in lines
    bad, lines, events = run(deployed, "broken")
    assert bad.exit_code == 3 and "no database" in lines
    assert sum(e.startswith("started") for e in events) == 2  # retries: 1 -> the run started again once


def test_the_timeout_stops_the_task_and_exits_4(deployed):
    outcome, _, _ = run(deployed, "slow")
    assert outcome.exit_code == 4 and "timed out" in outcome.reason
    assert deployed.run_state(outcome.run.id, deadline=Deadline(10)).state is RunState.FAILED


def test_an_admin_command_runs_with_the_service_task_definition(deployed):
    outcome, lines, _ = run(deployed, "api", ["sh", "-c", "echo migrated; exit 7"])
    assert outcome.exit_code == 7 and "migrated" in lines
    aws = deployed._aws(Deadline(10))
    task = aws("ecs").describe_tasks(cluster="jobs", tasks=[outcome.run.id])["tasks"][0]
    assert task["taskDefinitionArn"].split("/")[-1].startswith("jobs-api:")


def test_the_schedule_fires_on_the_clock_and_status_shows_the_last_run(box, deployed):
    box.admin("aws", "clock", "POST", {"advance": 7 * 86400})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        cleanup = next(j for j in deployed.job_statuses(deadline=Deadline(10)) if j.name == "cleanup")
        if cleanup.last_run and cleanup.last_run.trigger == "scheduled" and cleanup.last_run.state.done:
            break
        time.sleep(0.2)
    assert cleanup.last_run.trigger == "scheduled" and cleanup.last_run.exit_code == 0


def test_destroy_removes_the_jobs_resources(box):
    p = provider(box, "gone")
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    plan = p.destroy_plan(deadline=Deadline(60))
    kinds = {(c.kind, c.name) for c in plan.pending}
    assert {("Schedule", "cleanup"), ("ScheduleGroup", "cloudorch-gone"), ("TaskDefinition", "gone-slow")} <= kinds
    p.destroy(plan, deadline=Deadline(60))
    assert all(not s.deployed for s in p.job_statuses(deadline=Deadline(10)))
    assert provider(box, "gone").destroy_plan(deadline=Deadline(60)).empty

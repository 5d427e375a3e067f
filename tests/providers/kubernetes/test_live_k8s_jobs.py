"""Jobs on Kubernetes against the emulator: CronJobs deployed, planned and idempotent, one-off runs with
their exit codes and logs, a service's admin command, the timeout, a schedule firing on the emulator's
clock, status with the last run, and destroy removing it all."""

from __future__ import annotations

import time
import uuid

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.engine.run import run_job
from cloudorch.provider import RunState
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.kubernetes.provider import KubernetesProvider

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: {app}
services:
  api:
    image: ghcr.io/acme/api:1.0
    ports: [{{port: 8080}}]
    env: {{MODE: live}}
jobs:
  cleanup:
    image: busybox:1.36
    command: [sh, -c, "echo 'swept 3 carts'; exit 0"]
    schedule: "0 3 * * *"
    retries: 1
  broken:
    image: busybox:1.36
    command: [sh, -c, "echo 'no database'; exit 3"]
  slow:
    image: busybox:1.36
    command: [sh, -c, "sleep 60"]
    timeout: 1s
"""


@pytest.fixture
def provider(kube):
    app = f"jobs-{uuid.uuid4().hex[:6]}"
    spec = parse_spec(SPEC.format(app=app), f"{app}.yaml", env={}, providers=["kubernetes"])
    p = KubernetesProvider(spec, sandbox={"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"})
    result = deploy(p, p.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert result.status is not None and result.status.healthy
    return p


def run(p, name, command=None):
    lines, events = [], []
    outcome = run_job(p, name, command, deadline=Deadline(30), on_line=lines.append, on_event=events.append,
                      poll=0.1)
    return outcome, [line.message for line in lines]


def test_jobs_deploy_as_cronjobs_and_an_unchanged_redeploy_writes_nothing(kube, provider):
    batch = provider._kube(Deadline(10))
    crons = batch.call("listing", "batch", "list_namespaced_cron_job", provider.namespace)["items"]
    by_name = {c["metadata"]["name"]: c for c in crons}
    assert by_name["cleanup"]["spec"]["schedule"] == "0 3 * * *" and not by_name["cleanup"]["spec"]["suspend"]
    assert by_name["broken"]["spec"]["suspend"] is True  # on demand only
    assert by_name["cleanup"]["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 1
    assert by_name["slow"]["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 1
    assert all(c["metadata"]["labels"]["cloudorch.io/app"] == provider.app.name for c in crons)
    kube.admin.requests.clear()
    plan = provider.plan(deadline=Deadline(30))
    assert plan.empty
    assert not [r for r in kube.admin.requests if r.mutating]


def test_a_one_off_run_streams_its_logs_and_ends_with_the_exit_code(provider):
    ok, lines = run(provider, "cleanup")
    assert ok.exit_code == 0 and ok.run.state is RunState.SUCCEEDED and "swept 3 carts" in lines
    bad, lines = run(provider, "broken")
    assert bad.exit_code == 3 and bad.run.state is RunState.FAILED and "no database" in lines


def test_the_timeout_stops_the_run_and_exits_4_with_a_reason(provider):
    outcome, _ = run(provider, "slow")
    assert outcome.exit_code == 4 and "timeout" in (outcome.reason + outcome.run.reason)


def test_a_service_admin_command_runs_with_the_service_image_and_env_and_gets_no_traffic(provider):
    outcome, lines = run(provider, "api", ["sh", "-c", "echo migrated; exit 5"])
    assert outcome.exit_code == 5 and "migrated" in lines
    kube = provider._kube(Deadline(10))
    job = kube.call("read", "batch", "read_namespaced_job", outcome.run.id, provider.namespace)
    main = job["spec"]["template"]["spec"]["containers"][0]
    assert main["image"] == "ghcr.io/acme/api:1.0" and {"name": "MODE", "value": "live"} in main["env"]
    assert "ports" not in main and "readinessProbe" not in main
    assert "cloudorch.io/service" not in job["spec"]["template"]["metadata"]["labels"]


def test_the_schedule_fires_on_the_clock_and_status_shows_the_last_run(kube, provider):
    kube.emulator.advance_clock(86400)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        cleanup = next(j for j in provider.job_statuses(deadline=Deadline(10)) if j.name == "cleanup")
        if cleanup.last_run and cleanup.last_run.state is RunState.SUCCEEDED:
            break
        time.sleep(0.2)
    assert cleanup.deployed and cleanup.last_run.trigger == "scheduled"
    assert cleanup.last_run.state is RunState.SUCCEEDED and cleanup.last_run.exit_code == 0
    broken = next(j for j in provider.job_statuses(deadline=Deadline(10)) if j.name == "broken")
    assert broken.last_run is None and "on demand" in broken.message


def test_destroy_deletes_the_cronjobs_and_their_runs(provider):
    run(provider, "broken")
    plan = provider.destroy_plan(deadline=Deadline(30))
    assert {("CronJob", n) for n in ("cleanup", "broken", "slow")} <= {(c.kind, c.name) for c in plan.pending}
    provider.destroy(plan, deadline=Deadline(30))
    statuses = provider.job_statuses(deadline=Deadline(10))
    assert all(not s.deployed for s in statuses)

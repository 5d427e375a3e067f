"""Jobs on the real private Docker engine: `cloudorch run` of a job and of a service's admin command as
replicated-job services with the container's real exit code and output, the timeout removing the run,
schedules refused unless the job is on demand, status with the last run, and destroy removing the runs."""

from __future__ import annotations

import json

from test_live_swarm import cli, mutating, run

SPEC = """\
version: 1
name: {app}
services:
  web:
    image: cloudorch/busybox:local
    command: ["/bin/sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 80 -h /www"]
    env: {{MODE: live}}
    resources: {{cpu: 0.05, memory: 16Mi}}
jobs:
  cleanup:
    image: cloudorch/busybox:local
    command: [/bin/sh, -c, "echo swept $$MODE carts; exit 0"]
    env: {{MODE: 3}}
    resources: {{cpu: 0.05, memory: 16Mi}}
    schedule: "0 3 * * *"
    unscheduled: {unscheduled}
  broken:
    image: cloudorch/busybox:local
    command: [/bin/sh, -c, "echo no database; exit 3"]
    resources: {{cpu: 0.05, memory: 16Mi}}
  slow:
    image: cloudorch/busybox:local
    command: [/bin/sh, -c, "sleep 120"]
    resources: {{cpu: 0.05, memory: 16Mi}}
    timeout: 2s
providers:
  swarm:
    stop_grace_period: 1
"""


def spec(tmp_path, app: str, unscheduled: str = "on-demand") -> str:
    path = tmp_path / f"{app}.yaml"
    path.write_text(SPEC.format(app=app, unscheduled=unscheduled))
    return str(path)


def test_a_schedule_is_refused_unless_the_job_is_on_demand(swarm_box, tmp_path):
    path = spec(tmp_path, "sched", unscheduled="refuse")
    code, output = cli(swarm_box, "validate", "-f", path, "-p", "swarm", "-o", "json")
    assert "jobs.cleanup.schedule" in output and "unsupported" in output
    swarm_box.clear_requests("swarm")
    code, output = run(swarm_box, "deploy", path, "--timeout", "60")
    assert code == 2 and "cannot run jobs on a schedule" in output and "unscheduled: on-demand" in output
    assert mutating(swarm_box) == []


def test_runs_end_with_the_containers_exit_codes_and_output(swarm_box, engine, tmp_path):
    path = spec(tmp_path, "jobs")
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    code, output = run(swarm_box, "run", path, "cleanup", "--timeout", "90")
    assert code == 0, output
    assert "swept 3 carts" in output
    code, output = run(swarm_box, "run", path, "broken", "--timeout", "90")
    assert code == 3 and "no database" in output and "exited with code 3" in output
    services = [s for s in engine.services() if s["Spec"]["Labels"].get("cloudorch.job") == "broken"]
    assert services and "ReplicatedJob" in services[0]["Spec"]["Mode"]
    assert services[0]["Spec"]["Labels"]["cloudorch-app"] == "jobs"
    code, output = run(swarm_box, "run", path, "web", "--timeout", "90", "--", "/bin/sh", "-c",
                       "echo mode is $MODE; exit 4")
    assert code == 4 and "mode is live" in output
    code, output = run(swarm_box, "run", path, "slow", "--timeout", "90")
    assert code == 4 and "timed out" in output
    code, output = run(swarm_box, "status", path, "-o", "json")
    jobs = {j["name"]: j for j in json.loads(output[output.index("{"):])["jobs"]}
    assert jobs["cleanup"]["last_run"]["state"] == "SUCCEEDED"
    assert jobs["broken"]["last_run"]["exit_code"] == 3
    plan = run(swarm_box, "plan", path)
    assert plan[0] == 0, plan[1]  # the runs are not the plan's to delete
    code, output = run(swarm_box, "run", path, "cleanup", "--no-wait")
    assert code == 0 and output.strip().startswith("jobs_cleanup-run-")
    code, output = run(swarm_box, "destroy", path, "--yes", "--timeout", "90")
    assert code == 0, output
    assert not [s for s in engine.services() if s["Spec"]["Labels"].get("cloudorch-app") == "jobs"]


def test_cli_run_refuses_unknown_names_and_a_service_without_a_command(swarm_box, tmp_path):
    path = spec(tmp_path, "names")
    code, output = cli(swarm_box, "run", "-f", path, "-p", "swarm", "--sandbox", "nope")
    assert code == 2 and "no job or service 'nope'" in output
    code, output = cli(swarm_box, "run", "-f", path, "-p", "swarm", "--sandbox", "web")
    assert code == 2 and "give the one-off command after `--`" in output

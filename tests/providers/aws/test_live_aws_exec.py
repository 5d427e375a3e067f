"""cloudorch exec (ECS Exec) and events on AWS through the real CLI against the moto-based emulator, up to
the hand-off: ``providers.aws.exec`` turns enableExecuteCommand on and gives the tasks a role allowed to
open SSM sessions; ExecuteCommand runs on a task started with it, and the session goes to
``session-manager-plugin`` (here a script on PATH that records its arguments and exits with a code) the
way the AWS CLI hands it over; without the plugin, one line names it; the emulator refuses ExecuteCommand
for a task started without ECS Exec as ECS does."""

from __future__ import annotations

import json
import os
import stat

import boto3
import pytest

from cloudorch.testing import InProcessSandbox
from tests.providers.execkit import TOKEN, cloudorch, write_spec

pytestmark = pytest.mark.sandbox

PLUGIN = """#!/bin/sh
python3 -c 'import json, os, sys; json.dump({"argv": sys.argv[1:], "session": os.environ.get(sys.argv[1], "")},
open(os.environ["PLUGIN_RECORD"], "w"))' "$@"
exit 5
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("aws-exec")
    box = InProcessSandbox(path / "box", ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    spec = write_spec(path, public=False)
    with open(spec, "a") as f:
        f.write("providers:\n  aws:\n    region: us-east-1\n    exec: ${EXEC:-true}\n")
    bin_dir = path / "bin"
    bin_dir.mkdir()
    plugin = bin_dir / "session-manager-plugin"
    plugin.write_text(PLUGIN)
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    env = {**box.env, "PLUGIN_RECORD": str(path / "record.json"), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    common = ("-f", spec, "-p", "aws", "--sandbox")
    stored = cloudorch(env, "secrets", "set", *common, "api-token", stdin=TOKEN)
    assert stored.returncode == 0, stored.stderr
    deployed = cloudorch(env, "deploy", *common, "--timeout", "90")
    assert deployed.returncode == 0, deployed.stderr
    yield box, env, common, path
    box.close()


def aws_client(box, name: str):
    config = box.config("aws")
    return boto3.client(name, endpoint_url=config["url"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_exec_hands_the_session_to_the_plugin(app):
    box, env, common, path = app
    result = cloudorch(env, "exec", *common, "web", "--", "sh", "-c", "echo hi")
    assert result.returncode == 5, result.stderr  # the plugin's exit code
    record = json.loads((path / "record.json").read_text())
    argv = record["argv"]
    assert argv[0] == "AWS_SSM_START_SESSION_RESPONSE" and argv[1:4] == ["us-east-1", "StartSession", ""]
    target = json.loads(argv[4])["Target"]
    cluster, task, runtime = target.removeprefix("ecs:").split("_")
    assert cluster == "execdemo" and runtime.startswith(task)
    assert argv[5] == box.config("aws")["url"]
    session = json.loads(record["session"])
    assert set(session) == {"sessionId", "streamUrl", "tokenValue"}
    assert session["tokenValue"] not in " ".join(argv)  # the token stays out of the process list


def test_services_and_task_role_allow_exec(app):
    box, *_ = app
    ecs, iam = aws_client(box, "ecs"), aws_client(box, "iam")
    service = ecs.describe_services(cluster="execdemo", services=["execdemo-web"])["services"][0]
    assert service["enableExecuteCommand"] is True
    family = ecs.describe_task_definition(taskDefinition="execdemo-web")["taskDefinition"]
    assert family["taskRoleArn"].endswith(":role/execdemo-task-us-east-1")
    policy = iam.get_role_policy(RoleName="execdemo-task-us-east-1", PolicyName="cloudorch-exec")["PolicyDocument"]
    actions = sorted(a for s in policy["Statement"] for a in s["Action"])
    assert actions == ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                       "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]


def test_missing_plugin_is_one_line(app):
    box, env, common, _ = app
    result = cloudorch({**env, "PATH": "/usr/bin:/bin"}, "exec", *common, "web", "--", "true")
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "session-manager-plugin is not installed" in lines[0] and "install" in lines[0]


def test_container_and_replica_choice(app):
    box, env, common, _ = app
    missing = cloudorch(env, "exec", *common, "--container", "nope", "web", "--", "true")
    assert missing.returncode == 2 and b"has no container 'nope' (containers: web, helper)" in missing.stderr
    unknown = cloudorch(env, "exec", *common, "--replica", "zzz", "web", "--", "true")
    assert unknown.returncode == 2 and b"has no running task 'zzz'" in unknown.stderr
    sidecar = cloudorch(env, "exec", *common, "--container", "helper", "web", "--", "true")
    assert sidecar.returncode == 5, sidecar.stderr


def test_emulator_refuses_exec_on_tasks_started_without_it(app):
    box, env, common, _ = app
    off = {**env, "EXEC": "false"}
    planned = cloudorch(off, "plan", *common, "-o", "json")
    assert planned.returncode == 3, planned.stderr
    changes = {(c["kind"], c["name"]): c for c in json.loads(planned.stdout)["changes"]}
    assert "enableExecuteCommand" in changes[("Service", "execdemo-web")]["fields"]
    assert changes[("Role", "execdemo-task-us-east-1")]["action"] == "delete"
    ecs = aws_client(box, "ecs")
    old = ecs.list_tasks(cluster="execdemo", serviceName="execdemo-web")["taskArns"]
    assert cloudorch(off, "deploy", *common, "--timeout", "90").returncode == 0
    tasks = ecs.describe_tasks(cluster="execdemo", tasks=ecs.list_tasks(
        cluster="execdemo", serviceName="execdemo-web")["taskArns"])["tasks"]
    fresh = [t for t in tasks if t["taskArn"] not in old and t["lastStatus"] == "RUNNING"]
    assert fresh and not any(t.get("enableExecuteCommand") for t in fresh)
    with pytest.raises(ecs.exceptions.InvalidParameterException) as refused:
        ecs.execute_command(cluster="execdemo", task=fresh[0]["taskArn"], container="web", interactive=True,
                            command="true")
    assert "execute command was not enabled when the task was run" in str(refused.value)
    said = cloudorch(off, "exec", *common, "web", "--", "true")
    assert said.returncode == 1 and b"set providers.aws.exec: true" in said.stderr
    iam = aws_client(box, "iam")
    assert "execdemo-task-us-east-1" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert cloudorch(env, "deploy", *common, "--timeout", "90").returncode == 0  # back on for the others


def test_events(app):
    box, env, common, _ = app
    result = cloudorch(env, "events", *common, "-o", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert events and all(e["service"] == "web" and e["resource"] == "Service/execdemo-web" for e in events)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert any("steady state" in e["message"] or "started" in e["message"] for e in events)

"""Secrets on Azure: values read from their sources at deploy time and sent as ``secureValue``, never
seen in plan, status, logs or errors (also through the CLI); a missing source fails before any change."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from live_support import RG, Harness, spec_text

from cloudorch.deadline import Deadline
from cloudorch.engine import read_logs
from cloudorch.engine.deploy import DeployFailed
from cloudorch.testing import InProcessSandbox

pytestmark = pytest.mark.sandbox
SECRET = "s3cr3t-session-value-0451"


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", SECRET)
    return Harness(running, tmp_path)


def stored_env(running, name: str) -> list[dict]:
    """What the emulator holds (secure values included), read from its state, not through ARM."""
    state = running.emulator.state
    group = next(g for key, g in state.container_groups.items() if key[2] == name)
    return group.properties["containers"][0]["properties"]["environmentVariables"]


def test_the_value_is_sent_as_a_secure_value_and_never_shown(live, running):
    provider = live.provider()
    plan = provider.plan(deadline=Deadline(60))
    assert SECRET not in repr(plan) and SECRET not in json.dumps(plan.to_dict())
    assert SECRET not in repr([c.payload for c in plan.changes])  # placeholders only, even in payloads
    result = live.deploy(provider)
    assert {"name": "SESSION_KEY", "secureValue": SECRET} in stored_env(running, "demo-web-0")

    assert SECRET not in json.dumps(result.status.to_dict())
    assert SECRET not in json.dumps(live.aci.container_groups.get(RG, "demo-web-0").serialize(keep_readonly=True))
    assert all(SECRET not in line.format() for line in read_logs(live.provider(), ["web"], deadline=Deadline(60)))
    assert live.provider().plan(deadline=Deadline(60)).empty  # compared by name: the unseen value is no difference


def test_a_missing_environment_variable_fails_before_any_change(live, admin, monkeypatch):
    monkeypatch.delenv("DEMO_SESSION_KEY")
    provider = live.provider()
    admin.clear_requests()
    with pytest.raises(DeployFailed) as caught:
        live.deploy(provider)
    message = str(caught.value)
    assert "secret session-key" in message and "DEMO_SESSION_KEY" in message and "\n" not in message
    assert [r for r in admin.requests() if r["mutating"]] == []  # not even the resource group


def test_a_value_from_a_file(live, running, tmp_path):
    (tmp_path / "key").write_text("from-a-file\n")
    text = spec_text().replace("{env: DEMO_SESSION_KEY}", f"{{file: {tmp_path / 'key'}}}")
    live.deploy(live.provider(text))
    assert {"name": "SESSION_KEY", "secureValue": "from-a-file"} in stored_env(running, "demo-web-0")


def test_an_error_that_echoes_the_value_is_redacted(live, admin):
    admin.post("faults", {"match": "PUT containerGroups", "status": 400, "count": 1, "code": "InvalidRequestContent",
                          "message": f"The value '{SECRET}' is invalid."})
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider())
    assert SECRET not in str(caught.value) and "'***'" in str(caught.value)
    assert "InvalidRequestContent" in str(caught.value) and "demo-web-0" in str(caught.value)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("azure-secrets"), ["azure"],
                               azure={"delay": 0.1, "log_interval": 0.05, "crash_interval": 0.2})
    yield sandbox
    sandbox.close()


def test_the_cli_never_prints_the_value(box, tmp_path):
    from cloudorch.cli.main import cli

    spec = tmp_path / "demo.yaml"
    spec.write_text(spec_text(replicas=1))
    env = {**box.env, "DEMO_SESSION_KEY": SECRET}
    outputs = []
    for argv in (["plan", "-o", "json"], ["deploy", "--timeout", "30", "-o", "json"], ["plan"],
                 ["status", "-o", "json"], ["status"], ["logs", "--tail", "5"], ["render"],
                 ["destroy", "--yes"]):
        command = [argv[0], "-f", str(spec), "-p", "azure", *([] if argv[0] == "render" else ["--sandbox"]), *argv[1:]]
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code in (0, 3), (argv, result.output)
        outputs.append(result.output)
    assert all(SECRET not in text for text in outputs)
    assert "read from env DEMO_SESSION_KEY at deploy time" in outputs[6]  # render shows where, not what

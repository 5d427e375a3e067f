"""Secrets on Azure: values read from their sources at deploy time and sent as ``secureValue``, never
seen in plan, status, logs or errors (also through the CLI); a missing source fails before any change."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from live_support import RG, Harness, spec_text

from cloudorch.deadline import Deadline
from cloudorch.engine import read_logs, wait_healthy
from cloudorch.engine.deploy import DeployFailed
from cloudorch.errors import ProviderError
from cloudorch.testing import InProcessSandbox
from cloudorch_providers.azure.live.secret_hash import TAG as SECRET_TAG

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


# -- changed values, the secrets commands, blame ---------------------------------------------------

def test_a_changed_value_is_seen_by_plan_and_reaches_the_app(live, running, admin, monkeypatch):
    live.deploy(live.provider(replicas=1))
    tag = live.aci.container_groups.get(RG, "demo-web-0").tags[SECRET_TAG]
    assert SECRET not in tag and hashlib.sha256(SECRET.encode()).hexdigest()[:32] not in tag
    admin.clear_requests()
    live.deploy(live.provider(replicas=1))
    assert [r for r in admin.requests() if r["mutating"]] == []  # same value: nothing sent

    monkeypatch.setenv("DEMO_SESSION_KEY", "rotated-value-0452")
    [change] = live.provider(replicas=1).plan(deadline=Deadline(60)).pending
    assert change.fields == ["secrets"] and "a secret value changed" in change.reason
    assert "rotated-value-0452" not in repr(change.payload)
    live.deploy(live.provider(replicas=1))
    assert {"name": "SESSION_KEY", "secureValue": "rotated-value-0452"} in stored_env(running, "demo-web-0")
    assert live.aci.container_groups.get(RG, "demo-web-0").tags[SECRET_TAG].split(":")[1] == tag.split(":")[1]
    assert live.provider(replicas=1).plan(deadline=Deadline(60)).empty


def test_plan_without_the_value_changes_nothing_and_deploy_names_the_secret(live, monkeypatch):
    live.deploy(live.provider(replicas=1))
    monkeypatch.delenv("DEMO_SESSION_KEY")
    assert live.provider(replicas=1).plan(deadline=Deadline(60)).empty  # cannot tell: the value is read at deploy time


def test_a_missing_value_stops_the_deploy_before_any_change_naming_the_secret_and_the_fix(live, admin, monkeypatch):
    monkeypatch.delenv("DEMO_SESSION_KEY")
    text = spec_text(replicas=1).replace("services:\n", "services:\n  db:\n    image: redis:7.4.1\n"
                                         "    resources: {cpu: 1, memory: 1Gi}\n", 1)
    live.rm.resource_groups.create_or_update(RG, {"location": "westeurope"})  # no app-wide change first
    plan = live.provider(text).plan(deadline=Deadline(60))
    [missing] = plan.missing_secrets
    assert (missing.secret, missing.services) == ("session-key", ("web",))
    admin.clear_requests()
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(text))
    message = str(caught.value)
    assert caught.value.exit_code == 4
    assert message.startswith("service web cannot start: secret session-key: environment variable "
                              "DEMO_SESSION_KEY is not set; export DEMO_SESSION_KEY before deploying"), message
    assert "service db" not in message and "\n" not in message
    assert [r for r in admin.requests() if r["mutating"]] == []  # nothing half-done: db waits too
    assert "not applied (run `cloudorch deploy` again after fixing): db, web" in caught.value.lines()


def test_a_value_gone_after_the_plan_fails_that_change_before_it_is_sent(live, admin, monkeypatch):
    provider = live.provider(replicas=1)
    plan = provider.plan(deadline=Deadline(60))
    monkeypatch.delenv("DEMO_SESSION_KEY")
    fresh = live.provider(replicas=1)  # a new command: nothing read yet
    with pytest.raises(Exception) as caught:
        for change in plan.pending:
            fresh.apply(change, deadline=Deadline(60))
    assert getattr(caught.value, "exit_code", None) == 4 and "secret session-key" in str(caught.value)
    assert live.group_names() == []


def test_store_secret_is_refused_with_where_azure_reads_it(live):
    with pytest.raises(ProviderError) as caught:
        live.provider().store_secret("session-key", "anything", deadline=Deadline(60))
    assert caught.value.exit_code == 2 and "env DEMO_SESSION_KEY" in str(caught.value)
    assert "anything" not in str(caught.value)


def test_secret_locations_never_read_values(live, monkeypatch, tmp_path):
    text = spec_text().replace("{env: DEMO_SESSION_KEY}", f"{{file: {tmp_path / 'missing'}}}")
    [location] = live.provider(text).secret_locations(deadline=Deadline(60))
    assert (location.name, location.exists, location.services) == ("session-key", False, ["web"])
    [location] = live.provider().secret_locations(deadline=Deadline(60))
    assert location.exists is True and location.where == "env DEMO_SESSION_KEY, read at deploy time"


def test_restart_restarts_the_groups_one_after_another(live, admin):
    live.deploy(live.provider())
    admin.clear_requests()
    provider = live.provider()
    provider.restart("web", deadline=Deadline(60))
    restarts = [r for r in admin.requests() if r["action"] == "POST containerGroups/restart"]
    assert [r["path"].split("/")[-2] for r in restarts] == ["demo-web-0", "demo-web-1"]
    assert wait_healthy(provider, ["web"], Deadline(20), interval=0.05).healthy

"""deploy --diff / --confirm, plan's values and -o json shape, history and rollback, through the CLI
against the reference provider's cloud served by an in-process sandbox."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from click.testing import CliRunner

from cloudorch.cli.main import cli
from cloudorch.testing import installed_plugin

SPEC = """\
version: 1
name: daytwo
services:
  web:
    image: ${IMAGE:-nginx:1.27.1}
    replicas: ${REPLICAS:-2}
    command: [nginx, -g, "daemon off;"]
    env:
      GREETING: ${GREETING:-hello}
      DB_PASSWORD: ${PASSWORD:-first-pass-123}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    from cloudorch.testing.sandbox import InProcessSandbox

    with installed_plugin(tmp_path_factory.mktemp("site"), "cloudorch-reference",
                          {"reference": "cloudorch.testing.reference:ReferenceProvider"}):
        sandbox = InProcessSandbox(tmp_path_factory.mktemp("box"), ["reference"],
                                   reference={"start_delay": 0.05, "rollback_after": 1.0, "log_interval": 0.2})
        yield sandbox
        sandbox.close()


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "daytwo.yaml"
    path.write_text(SPEC.replace("name: daytwo", f"name: d{uuid.uuid4().hex[:8]}"))  # an app per test
    return str(path)


def run(box, spec, *args, env=None, stdin=None):
    argv = [args[0], "-f", spec, "-p", "reference", "--sandbox", *args[1:]]
    return CliRunner().invoke(cli, argv, env={**box.env, "COLUMNS": "200", **(env or {})}, input=stdin,
                              standalone_mode=False, catch_exceptions=True)


def code(result) -> int:
    from cloudorch.errors import CloudorchError

    if isinstance(result.exception, CloudorchError):
        return result.exception.exit_code
    if isinstance(result.exception, SystemExit):
        return result.exception.code
    if result.exception is not None:
        raise result.exception
    return result.return_value if isinstance(result.return_value, int) else result.exit_code


NEXT = {"IMAGE": "nginx:1.27.2", "REPLICAS": "3", "GREETING": "hi there", "PASSWORD": "second-pass-456"}


def test_plan_shows_values_masks_secrets_and_has_one_json_shape(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    changed = {**NEXT, "IMAGE": "nginx:1.27.2"}
    table = run(box, spec, "plan", env=changed)
    assert code(table) == 3, table.output
    assert "body.image: nginx:1.27.1 -> nginx:1.27.2" in table.output
    assert "replicas: 2 -> 3" in table.output
    assert "body.env.GREETING: hello -> hi there" in table.output
    assert "body.env.DB_PASSWORD: (secret) -> (secret) (changed)" in table.output
    assert "first-pass-123" not in table.output and "second-pass-456" not in table.output
    document = json.loads(run(box, spec, "plan", "-o", "json", env=changed).stdout)
    assert list(document) == ["changes"]
    (change,) = document["changes"]
    assert set(change) == {"action", "kind", "name", "service", "fields", "reason", "diff"}
    diff = {d["path"]: (d["live"], d["desired"]) for d in change["diff"]}
    assert diff["body.image"] == ("nginx:1.27.1", "nginx:1.27.2")
    assert diff["replicas"] == (2, 3)
    assert diff["body.env.DB_PASSWORD"] == ("(secret)", "(secret)")
    assert all(set(d) == {"path", "live", "desired"} for d in change["diff"])


def test_nested_values_are_a_unified_diff(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    with open(spec) as f:
        text = f.read()
    with open(spec, "w") as f:
        f.write(text.replace('[nginx, -g, "daemon off;"]', '[nginx, -g, "daemon off;", -c, /etc/n.conf]'))
    result = run(box, spec, "plan")
    assert code(result) == 3, result.output
    assert "body.command:" in result.output
    assert "--- live" in result.output and "+++ desired" in result.output
    assert "+- -c" in result.output and "+- /etc/n.conf" in result.output


def test_deploy_diff_prints_the_changes_then_applies(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    result = run(box, spec, "deploy", "--diff", "--timeout", "30", env=NEXT)
    assert code(result) == 0, result.output
    assert "body.image: nginx:1.27.1 -> nginx:1.27.2" in result.output
    assert "second-pass-456" not in result.output
    assert code(run(box, spec, "plan", env=NEXT)) == 0


def test_deploy_diff_with_json_keeps_stdout_one_document(box, spec):
    result = run(box, spec, "deploy", "--diff", "--timeout", "30", "-o", "json")
    assert code(result) == 0, result.output
    assert json.loads(result.stdout)["state"] == "HEALTHY"


def test_confirm_without_a_terminal_is_refused_unless_yes(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    refused = run(box, spec, "deploy", "--confirm", env=NEXT)
    assert code(refused) == 2
    assert "needs a terminal" in str(refused.exception) and "--yes" in str(refused.exception)
    assert code(run(box, spec, "plan", env=NEXT)) == 3, "a refused deploy changes nothing"
    done = run(box, spec, "deploy", "--confirm", "--yes", "--timeout", "30", env=NEXT)
    assert code(done) == 0, done.output
    assert "body.image: nginx:1.27.1 -> nginx:1.27.2" in done.output
    assert code(run(box, spec, "plan", env=NEXT)) == 0


def answering(text: str, box, spec, monkeypatch, capsys) -> tuple[int, str]:
    """``deploy --confirm`` through main(), as on a terminal, the answer ``text`` on its stdin (a pipe)."""
    from cloudorch.cli import deploy
    from cloudorch.cli.main import main

    monkeypatch.setattr(deploy, "interactive", lambda: True)  # the pipe stands in for the terminal
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    monkeypatch.setattr("sys.stdin", os.fdopen(read))
    for key, value in {**box.env, **NEXT}.items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["deploy", "-f", spec, "-p", "reference", "--sandbox", "--confirm", "--timeout", "30"])
    return done.value.code, capsys.readouterr().err


def test_confirm_on_a_terminal_asks_and_no_changes_nothing(box, spec, monkeypatch, capsys):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    exit_code, err = answering("n\n", box, spec, monkeypatch, capsys)
    assert exit_code == 2
    assert "Apply these 1 changes? [y/N]" in err and "not confirmed; nothing was changed" in err
    assert code(run(box, spec, "plan", env=NEXT)) == 3, "answering no changes nothing"
    exit_code, err = answering("y\n", box, spec, monkeypatch, capsys)
    assert exit_code == 0, err
    assert code(run(box, spec, "plan", env=NEXT)) == 0


def test_history_and_rollback_with_json(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    assert code(run(box, spec, "deploy", "--timeout", "30", env=NEXT)) == 0
    history = run(box, spec, "history", "-o", "json", env=NEXT)
    assert code(history) == 0, history.output
    document = json.loads(history.stdout)
    revisions = document["services"]["web"]
    assert [(r["revision"], r["image"], r["current"]) for r in revisions] == [
        ("1", "nginx:1.27.1", False), ("2", "nginx:1.27.2", True)]
    changes = {c["path"]: (c["before"], c["after"]) for c in revisions[1]["changes"]}
    assert changes["image"] == ("nginx:1.27.1", "nginx:1.27.2")
    assert changes["env.DB_PASSWORD"] == ("(secret)", "(secret)")
    assert "second-pass" not in history.stdout and "first-pass" not in history.stdout
    table = run(box, spec, "history", "web", env=NEXT)
    assert code(table) == 0 and "2 (running)" in table.output and "image: nginx:1.27.1 -> nginx:1.27.2" in table.output

    back = run(box, spec, "rollback", "web", "-o", "json", "--timeout", "30", env=NEXT)
    assert code(back) == 0, back.output
    result = json.loads(back.stdout)
    assert result["rollback"] == {"service": "web", "revision": "1", "image": "nginx:1.27.1"}
    assert result["state"] == "HEALTHY"
    drift = json.loads(run(box, spec, "plan", "-o", "json", env=NEXT).stdout)["changes"]
    assert {(d["path"], d["live"], d["desired"]) for d in drift[0]["diff"]} >= {
        ("body.image", "nginx:1.27.1", "nginx:1.27.2")}
    assert code(run(box, spec, "deploy", "--timeout", "30", env=NEXT)) == 0
    assert code(run(box, spec, "plan", env=NEXT)) == 0


def test_rollback_refusals_exit_2(box, spec):
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    only = run(box, spec, "rollback", "web")
    assert code(only) == 2 and "nothing before it" in str(only.exception)
    assert code(run(box, spec, "deploy", "--timeout", "30", env=NEXT)) == 0
    unknown = run(box, spec, "rollback", "web", "--to", "9", env=NEXT)
    assert code(unknown) == 2 and "no revision '9'" in str(unknown.exception)
    current = run(box, spec, "rollback", "web", "--to", "2", env=NEXT)
    assert code(current) == 2 and "already runs revision 2" in str(current.exception)
    missing = run(box, spec, "rollback", "nosuch", env=NEXT)
    assert code(missing) == 2


def test_rollback_to_a_crashing_revision_exits_4(box, spec):
    """Rollback waits as deploy does: a revision that crash-loops ends it with exit 4 naming the service."""
    crash = {**NEXT, "IMAGE": "ghcr.io/acme/crashloop:1.0.0"}
    assert code(run(box, spec, "deploy", "--timeout", "30")) == 0
    assert code(run(box, spec, "deploy", "--no-wait", env=crash)) == 0  # revision 2 crash-loops...
    assert code(run(box, spec, "deploy", "--timeout", "30", env=NEXT)) == 0  # ...and 3 replaces it at once
    history = json.loads(run(box, spec, "history", "web", "-o", "json", env=NEXT).stdout)["services"]["web"]
    assert [r["image"] for r in history] == ["nginx:1.27.1", "ghcr.io/acme/crashloop:1.0.0", "nginx:1.27.2"]
    result = run(box, spec, "rollback", "web", "--timeout", "20", env=NEXT)
    assert code(result) == 4, result.output
    assert "service web failed" in str(result.exception)

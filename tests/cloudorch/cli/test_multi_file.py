"""``-f`` repeats on every command (files merge in order), ``--env`` picks an environment and
``validate --explain`` shows where each field came from."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cloudorch.cli.main import COMMANDS, cli

BASE = "version: 1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - port: 80\n"
PROD = "services:\n  web:\n    replicas: 3\nenvironments:\n  big:\n    services:\n      web:\n        replicas: 9\n"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env or {}, standalone_mode=False)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "prod.yaml").write_text(PROD)
    return str(tmp_path / "base.yaml"), str(tmp_path / "prod.yaml")


def test_every_spec_command_takes_f_more_than_once():
    for name in COMMANDS:
        command = cli.get_command(None, name)
        params = {p.name: p for p in getattr(command, "params", [])}
        if "spec_files" in params:
            assert params["spec_files"].multiple, name
            assert "spec_env" in params, name
    assert {n for n in COMMANDS if "spec_files" in {p.name for p in cli.get_command(None, n).params}} >= {
        "validate", "render", "plan", "deploy", "status", "scale", "autoscale", "logs", "destroy"}


def test_render_reads_both_files(files):
    base, prod = files
    result = run("render", "-f", base, "-f", prod, "-p", "kubernetes", "--format", "json")
    assert result.exception is None, result.output
    deployment = next(d for d in json.loads(result.stdout) if d["kind"] == "Deployment")
    assert deployment["body"]["spec"]["replicas"] == 3
    big = run("render", "-f", base, "-f", prod, "--env", "big", "-p", "kubernetes", "--format", "json")
    assert next(d for d in json.loads(big.stdout) if d["kind"] == "Deployment")["body"]["spec"]["replicas"] == 9
    by_var = run("render", "-f", base, "-f", prod, "-p", "kubernetes", "--format", "json",
                 env={"CLOUDORCH_ENV": "big"})
    assert next(d for d in json.loads(by_var.stdout) if d["kind"] == "Deployment")["body"]["spec"]["replicas"] == 9


def test_validate_explain_json(files):
    base, prod = files
    result = run("validate", "-f", base, "-f", prod, "--explain", "-o", "json")
    assert result.exception is None, result.output
    sources = {s["field"]: (s["file"], s["line"]) for s in json.loads(result.stdout)["sources"]}
    assert sources["services.web.image"] == (base, 5)
    assert sources["services.web.replicas"] == (prod, 3)


def test_validate_explain_table(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate", "-f", "base.yaml", "-f", "prod.yaml", "--explain")
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in result.stdout.splitlines() if line.count("│") == 3}
    assert rows["services.web.replicas"] == "prod.yaml:3" and rows["services.web.image"] == "base.yaml:5"
    assert result.stdout.rstrip().endswith("valid (1 services)")


def test_f_and_env_go_before_or_after_the_command(files):
    base, prod = files

    def replicas(*args, env=None):
        result = run(*args, env=env)
        assert result.exception is None, result.output
        return next(d for d in json.loads(result.stdout) if d["kind"] == "Deployment")["body"]["spec"]["replicas"]

    assert replicas("-f", base, "-f", prod, "-p", "kubernetes", "-o", "json", "render") == 3
    assert replicas("-f", base, "-f", prod, "--env", "big", "render", "-p", "kubernetes", "-o", "json") == 9
    assert replicas("--env", "big", "render", "-f", base, "-f", prod, "-p", "kubernetes", "-o", "json") == 9
    # given after the command, the files replace (not add to) those given before it
    assert replicas("-f", prod, "render", "-f", base, "-p", "kubernetes", "-o", "json") == 1
    assert replicas("-f", base, "-f", prod, "render", "-p", "kubernetes", "-o", "json",
                    env={"CLOUDORCH_ENV": "big"}) == 9


def test_unknown_environment_is_one_json_error(files, capsys, monkeypatch):
    from cloudorch.cli.main import main

    base, prod = files
    monkeypatch.delenv("CLOUDORCH_ENV", raising=False)
    with pytest.raises(SystemExit) as caught:
        main(["-o", "json", "validate", "-f", base, "-f", prod, "--env", "bigg"])
    assert caught.value.code == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["exit_code"] == 2
    [issue] = error["errors"]
    assert issue["file"] == prod and issue["field"] == "environments" and "did you mean 'big'" in issue["message"]

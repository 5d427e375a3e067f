"""`cloudorch import compose` as a user runs it: default files, --out/--force, -o json, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from cloudorch.cli.main import cli

FIXTURES = Path(__file__).resolve().parents[1] / "compose" / "fixtures"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={}, standalone_mode=False)


def test_default_files_and_refusal_to_overwrite(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "gitea-postgres" / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / "compose.override.yaml").write_text("services:\n  gitea:\n    deploy: {replicas: 2}\n")
    monkeypatch.chdir(tmp_path)
    first = run("import", "compose")
    assert first.exception is None, first.output
    assert first.stdout.splitlines()[-1].startswith("wrote cloudorch.yaml (app ")
    written = (tmp_path / "cloudorch.yaml").read_text()
    assert "replicas: 2" in written  # the override file was merged
    again = run("import", "compose")
    assert again.exception is not None and "cloudorch.yaml exists; pass --force" in str(again.exception)
    assert (tmp_path / "cloudorch.yaml").read_text() == written
    forced = run("import", "compose", "--force", "--name", "git")
    assert forced.exception is None and "name: git\n" in (tmp_path / "cloudorch.yaml").read_text()
    validated = run("validate")
    assert validated.exception is None and "valid (2 services)" in validated.stdout


def test_json_report(tmp_path):
    out = tmp_path / "spec.yaml"
    result = run("import", "compose", str(FIXTURES / "nginx-golang-postgres" / "compose.yaml"), "--out", str(out),
                 "-o", "json")
    assert result.exception is None, result.output
    doc = json.loads(result.stdout)
    assert doc["spec"] == str(out) and doc["app"] == "nginx-golang-postgres"
    assert doc["summary"] == {"carried": 9, "changed": 6, "dropped": 3}
    assert {"service": "backend", "key": "build", "outcome": "dropped"}.items() <= doc["entries"][1].items()


def test_no_compose_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("import", "compose")
    assert "no compose file here" in str(result.exception)

"""cloudorch lint through the CLI: output lines, exit codes, --ignore, -o json and -o sarif."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from cloudorch.cli.main import cli

SPEC = """version: 1
name: shop
services:
  db:
    image: postgres:16.4
    ports: [{port: 5432, public: true}]
"""


def run(tmp_path, *args):
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC)
    return CliRunner().invoke(cli, ["lint", "-f", str(path), *args], standalone_mode=False)


def test_error_findings_exit_1_with_located_lines(tmp_path):
    result = run(tmp_path)
    assert result.return_value == 1
    where = tmp_path / "shop.yaml"
    assert f"{where}:6:13: CO401 error: service db makes port 5432 (PostgreSQL) public" in result.output
    assert "  fix: set public: false" in result.output


def test_ignoring_the_error_rule_exits_0(tmp_path):
    result = run(tmp_path, "--ignore", "co401,CO504")
    assert result.return_value == 0, result.output
    assert "CO401" not in result.output


def test_unknown_rule_in_ignore_is_a_usage_error(tmp_path):
    result = run(tmp_path, "--ignore", "CO999")
    assert isinstance(result.exception, click.BadParameter) and "no rule CO999" in str(result.exception)


def test_json_and_sarif_outputs(tmp_path):
    data = json.loads(run(tmp_path, "-o", "json").output)
    assert {f["rule"] for f in data["findings"]} >= {"CO401", "CO501"}
    sarif = json.loads(run(tmp_path, "-o", "sarif").output)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]

"""`cloudorch render` and `cloudorch validate` as a user runs them (CliRunner, no cloud)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from cloudorch.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]
WEBSHOP = str(ROOT / "specs" / "examples" / "webshop.yaml")
SECRET_ENV = {"LOG_LEVEL": "info", "SHOP_SESSION_KEY": "s3cr3t-session", "SHOP_DATABASE_URL": "postgres://pw@db"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=SECRET_ENV, standalone_mode=False)


def test_render_to_a_directory_lists_files_in_apply_order(tmp_path):
    result = run("render", "-f", WEBSHOP, "-p", "kubernetes", "-d", str(tmp_path))
    assert result.exception is None, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0].endswith("namespace-webshop.yaml")
    assert result.stdout.splitlines() == [str(tmp_path / n) for n in names]
    kinds = [yaml.safe_load((tmp_path / n).read_text())["kind"] for n in names]
    assert kinds[0] == "Namespace" and {"Deployment", "Service", "HorizontalPodAutoscaler"} <= set(kinds)


def test_render_json_and_yaml_streams():
    as_json = json.loads(run("render", "-f", WEBSHOP, "-p", "aws", "-o", "json").stdout)
    assert {"kind", "name", "service", "body"} == set(as_json[0]) and as_json[0]["kind"] == "Cluster"
    k8s = json.loads(run("render", "-f", WEBSHOP, "-p", "kubernetes", "-o", "json").stdout)
    docs = list(yaml.safe_load_all(run("render", "-f", WEBSHOP, "-p", "kubernetes").stdout))
    assert docs == [d["body"] for d in k8s], "the YAML stream is the bodies, ready for kubectl apply -f -"


def test_secret_values_never_rendered(tmp_path):
    for provider in ("aws", "azure", "gcp", "kubernetes"):
        out = run("render", "-f", WEBSHOP, "-p", provider, "-o", "json").stdout
        assert "s3cr3t-session" not in out and "postgres://pw@db" not in out, provider


def test_validate_report_and_strict():
    report = run("validate", "-f", WEBSHOP, "-p", "azure", "-o", "json")
    fields = {f["field"]: f["fit"] for f in json.loads(report.stdout)["fields"]}
    assert fields["services.web.autoscale"] == "unsupported"
    assert fields["services.web.image"] == "exact"
    strict = run("validate", "-f", WEBSHOP, "-p", "azure", "--strict")
    assert strict.return_value == 2
    assert f"{WEBSHOP}:" in strict.stderr and "services.web.autoscale: unsupported on azure:" in strict.stderr


def test_validate_without_provider():
    result = run("validate", "-f", WEBSHOP)
    assert result.return_value == 0 and result.stdout == f"{WEBSHOP}: valid (4 services)\n"


def test_missing_default_spec_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exception.lines() == ["cloudorch.yaml: no such file; pass -f FILE or create cloudorch.yaml"]

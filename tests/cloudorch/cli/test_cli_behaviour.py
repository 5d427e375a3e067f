"""The CLI as a newcomer meets it: global options anywhere, did-you-mean, aliases, help, JSON on
failure, escaped tables that fit the terminal, render's -o/-d, completion."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cloudorch.cli.main import COMMANDS, cli, main

ROOT = Path(__file__).resolve().parents[3]
WEBSHOP = str(ROOT / "specs" / "examples" / "webshop.yaml")
ENV = {"LOG_LEVEL": "info", "SHOP_SESSION_KEY": "k", "SHOP_DATABASE_URL": "postgres://db", "COLUMNS": "80"}


def run_main(args: list[str], monkeypatch, capsys, env: dict | None = None) -> tuple[int, str, str]:
    for key, value in {**ENV, **(env or {})}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as done:
        main(args)
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


def test_no_arguments_prints_help_and_exits_0(monkeypatch, capsys):
    code, out, _ = run_main([], monkeypatch, capsys)
    assert code == 0 and out.startswith("Usage: cloudorch") and "Commands:" in out


@pytest.mark.parametrize("args", [
    ["-p", "kubernetes", "-f", WEBSHOP, "validate", "-o", "json"],
    ["validate", "-p", "kubernetes", "-f", WEBSHOP, "-o", "json"],
    ["-o", "json", "-f", WEBSHOP, "validate", "-p", "kubernetes"],
    ["-o", "json", "validate", "-f", WEBSHOP, "-p", "k8s"],
])
def test_global_options_before_or_after_the_command(args, monkeypatch, capsys):
    code, out, _ = run_main(args, monkeypatch, capsys)
    assert code == 0
    assert json.loads(out)["provider"] == "kubernetes"


def test_an_option_after_the_command_wins(monkeypatch, capsys):
    code, out, _ = run_main(["-p", "aws", "validate", "-f", WEBSHOP, "-p", "azure", "-o", "json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["provider"] == "azure"


def test_provider_from_the_environment_and_a_flag_before_the_command(monkeypatch, capsys):
    code, out, _ = run_main(["-p", "gke", "validate", "-f", WEBSHOP, "-o", "json"], monkeypatch, capsys,
                            env={"CLOUDORCH_PROVIDER": "aws"})
    assert code == 0 and json.loads(out)["provider"] == "gcp"


def test_did_you_mean_for_commands_and_providers(monkeypatch, capsys):
    code, _, err = run_main(["depoly"], monkeypatch, capsys)
    assert code == 2 and err == "error: no such command 'depoly'; did you mean 'deploy'? (see `cloudorch --help`)\n"
    code, _, err = run_main(["validate", "-f", WEBSHOP, "-p", "kubernetis"], monkeypatch, capsys)
    assert code == 2 and "unknown provider 'kubernetis'; did you mean 'kubernetes'?" in err
    code, _, err = run_main(["validate", "-f", WEBSHOP, "-p", "gkee"], monkeypatch, capsys)
    assert code == 2 and "did you mean 'gke'?" in err


@pytest.mark.parametrize("args, exit_code", [
    (["validate", "-f", "missing.yaml", "-o", "json"], 2),
    (["validate", "-f", WEBSHOP, "-p", "nope", "-o", "json"], 2),
    (["status", "-f", WEBSHOP, "-o", "json"], 2),  # no provider given
    (["plan", "-f", WEBSHOP, "-p", "aws", "--bogus", "-o", "json"], 2),
    (["-o", "json", "render", "-f", WEBSHOP, "-p", "aws", "--timeout", "1"], 2),
])
def test_json_error_document_on_failure(args, exit_code, monkeypatch, capsys):
    code, out, err = run_main(args, monkeypatch, capsys)
    assert code == exit_code
    doc = json.loads(out)
    assert set(doc) == {"error"} and {"message", "exit_code", "errors"} <= set(doc["error"])
    assert doc["error"]["exit_code"] == exit_code and doc["error"]["errors"]
    assert err.startswith(("error: ", "missing.yaml: "))


def test_json_error_document_lists_every_spec_problem(tmp_path, monkeypatch, capsys):
    bad = ROOT / "tests" / "cloudorch" / "spec" / "malformed" / "all-problems-in-one-run.yaml"
    code, out, err = run_main(["validate", "-f", str(bad), "-o", "json"], monkeypatch, capsys)
    doc = json.loads(out)["error"]
    assert code == 2 and doc["exit_code"] == 2 and len(doc["errors"]) == 6 == len(err.splitlines())
    assert doc["errors"][0] == {"file": str(bad), "line": 6, "col": 32, "field": "services.web.ports.1.port",
                                "message": "port 80 is listed twice"}
    assert all(line.startswith(f"{bad}:") for line in err.splitlines()), "one format: FILE:LINE:COL: field: message"


def test_strict_validate_does_not_say_valid(monkeypatch, capsys):
    code, out, err = run_main(["validate", "-f", WEBSHOP, "-p", "azure", "--strict"], monkeypatch, capsys)
    assert code == 2 and "valid for" not in out and "not valid for azure with --strict" in err
    code, out, _ = run_main(["validate", "-f", WEBSHOP, "-p", "azure", "--strict", "-o", "json"], monkeypatch, capsys)
    assert code == 2 and json.loads(out)["valid"] is False


def test_table_values_are_never_markup(tmp_path, monkeypatch, capsys):
    code, out, _ = run_main(["providers"], monkeypatch, capsys)
    assert code == 0
    # an ARN with :secret: stays as written (no emoji) and [brackets] stay
    from rich.console import Console

    from cloudorch.cli.live import status_table
    from cloudorch.provider import AppStatus, ServiceStatus, State

    status = AppStatus("a", "aws", [ServiceStatus("web", State.FAILED, 1, 0, message=(
        "arn:aws:secretsmanager:us-east-1:1:secret:db [red]x[/red] :thumbs_up:"))])
    console = Console(width=400, record=True, color_system=None, emoji=False)
    console.print(status_table(status))
    assert "arn:aws:secretsmanager:us-east-1:1:secret:db [red]x[/red] :thumbs_up:" in console.export_text()


def test_providers_table_keeps_the_extra_in_pip_hints(monkeypatch, capsys):
    from cloudorch.cli.render_table import cell

    assert cell("pip install 'cloudorch[aws]'").plain == "pip install 'cloudorch[aws]'"
    code, out, _ = run_main(["providers", "-o", "wide"], monkeypatch, capsys)
    assert code == 0 and "kubernetes (k8s)" in out and "gcp (gke)" in out


def test_tables_fit_80_columns_and_end_cut_values_with_an_ellipsis(monkeypatch, capsys):
    code, out, _ = run_main(["validate", "-f", WEBSHOP, "-p", "kubernetes"], monkeypatch, capsys)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert rows and all(len(line) <= 80 for line in out.splitlines() if line[:1] in "┏┃┡│└")
    code, wide, _ = run_main(["validate", "-f", WEBSHOP, "-p", "kubernetes", "-o", "wide"], monkeypatch, capsys)
    assert "securityContext.readOnlyRootFilesystem: true on container 'api'" in wide


def test_render_o_is_the_format_and_d_the_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_main(["render", "-f", WEBSHOP, "-p", "kubernetes", "-o", "json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)[0]["kind"] == "Namespace"
    assert not (tmp_path / "json").exists()
    code, out, _ = run_main(["render", "-f", WEBSHOP, "-p", "kubernetes", "-o", "json", "-d", "out"],
                            monkeypatch, capsys)
    files = sorted((tmp_path / "out").iterdir())
    assert code == 0 and files[0].name.endswith("namespace-webshop.json")
    json.loads(files[0].read_text())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell):
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_CLOUDORCH_COMPLETE" in result.output


def _commands():
    for name in COMMANDS:
        command = cli.get_command(None, name)
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield f"{name} {sub.name}", sub
        yield name, command


@pytest.mark.parametrize("name, command", list(_commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_flag_has_a_description_and_every_help_an_example(name, command):
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[0]} has no description"
    assert "Example" in (command.help or ""), f"`cloudorch {name} --help` has no example"


def test_sandbox_status_json_has_one_shape(tmp_path, monkeypatch, capsys):
    code, out, _ = run_main(["sandbox", "status", "-o", "json"], monkeypatch, capsys,
                            env={"CLOUDORCH_SANDBOX_DIR": str(tmp_path)})
    assert code == 1
    assert json.loads(out) == {"running": False, "pid": None, "dir": str(tmp_path), "emulators": {},
                               "unavailable": {}}


def test_status_does_not_start_a_stopped_sandbox(tmp_path, monkeypatch, capsys):
    code, out, err = run_main(["status", "-f", WEBSHOP, "-p", "kubernetes", "--sandbox", "-o", "json"],
                              monkeypatch, capsys, env={"CLOUDORCH_SANDBOX_DIR": str(tmp_path)})
    assert code == 4 and not (tmp_path / "state.json").exists()
    doc = json.loads(out)
    assert doc["state"] == "MISSING" and [s["name"] for s in doc["services"]] == ["web", "api", "worker", "redis"]
    assert "the sandbox is not running" in err


def test_destroy_with_a_stopped_sandbox_has_nothing_to_delete(tmp_path, monkeypatch, capsys):
    code, out, err = run_main(["destroy", "-f", WEBSHOP, "-p", "aws", "--sandbox", "--yes", "-o", "json"],
                              monkeypatch, capsys, env={"CLOUDORCH_SANDBOX_DIR": str(tmp_path)})
    assert code == 0 and json.loads(out)["deleted"] == [] and "nothing to delete" in err
    assert not (tmp_path / "state.json").exists()


def test_render_o_with_a_directory_says_to_use_d(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["render", "-f", WEBSHOP, "-p", "aws", "-o", "manifests/"], monkeypatch, capsys)
    assert code == 2 and "write files into a directory with -d DIR" in err
    assert not (tmp_path / "manifests").exists()

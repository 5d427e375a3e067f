"""The malformed-spec corpus: each file in malformed/ must fail with exactly the lines in
expected.json, from the library and from the CLI (exit code 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudorch import registry
from cloudorch.cli.main import cli
from cloudorch.errors import SpecError
from cloudorch.session import _settings_model
from cloudorch.spec import load_spec

CORPUS = Path(__file__).parent / "malformed"
EXPECTED: dict[str, list[str]] = json.loads((CORPUS / "expected.json").read_text())


def test_corpus_is_large_and_complete():
    files = {p.stem for p in CORPUS.glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_library_reports_exact_lines(case):
    path = CORPUS / f"{case}.yaml"
    with pytest.raises(SpecError) as caught:
        load_spec(path, env={}, providers=registry.names(), settings=_settings_model)
    assert [str(issue) for issue in caught.value.issues] == [
        line.replace("{file}", str(path)) for line in EXPECTED[case]
    ]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_cli_prints_the_same_lines_and_exits_2(case, monkeypatch):
    for var in ("NGINX_TAG", "DB_HOST"):
        monkeypatch.delenv(var, raising=False)
    path = CORPUS / f"{case}.yaml"
    result = CliRunner().invoke(cli, ["validate", "-f", str(path)], standalone_mode=False)
    assert isinstance(result.exception, SpecError)
    assert result.exception.exit_code == 2
    assert result.exception.lines() == [line.replace("{file}", str(path)) for line in EXPECTED[case]]


def test_oversized_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("version: 1\nname: big\n# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(SpecError) as caught:
        load_spec(path, env={})
    assert str(caught.value) == f"{path}:1:1: file is larger than 1024 KiB"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError) as caught:
        load_spec(path, env={})
    assert str(caught.value) == f"{path}:1:10: not UTF-8 text (byte 9 is 0xe9); save the file as UTF-8"


def test_missing_file(tmp_path):
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "nope.yaml", env={})
    assert "no such file; pass -f FILE or create cloudorch.yaml" in str(caught.value)

"""Shared fixtures: example specs and golden-file comparison (`pytest --update-golden` rewrites)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "specs" / "examples").glob("*.yaml"))
# Values the examples interpolate or read at deploy time, fixed so rendering is reproducible.
EXAMPLE_ENV = {"LOG_LEVEL": "info", "QUEUE": "thumbnails"}


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def load_example():
    from cloudorch.spec import load_spec

    def load(name: str):
        return load_spec(ROOT / "specs" / "examples" / f"{name}.yaml", env=EXAMPLE_ENV)

    return load


@pytest.fixture
def golden(request):
    """``golden(path, data)``: compare JSON-serialisable ``data`` with the file at ``path``."""

    def check(path: Path, data) -> None:
        text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
        if request.config.getoption("--update-golden") or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if not request.config.getoption("--update-golden"):
                pytest.fail(f"golden file {path.name} was missing and has been written; check it and rerun")
        assert json.loads(text) == json.loads(path.read_text()), f"output differs from {path}"

    return check

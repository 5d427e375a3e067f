"""The conformance kit runs from an installed wheel, with no checkout: the wheel is built from a copy
of the sources (pip fetches the build backend as for any build), installed into a fresh virtualenv
with no index (its dependencies come from this environment), and the README's "Writing a provider"
plugin runs the kit from a directory outside the checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.wheel


def readme_files() -> dict[str, str]:
    """The README's example plugin: each code block of "Writing a provider" whose first line is a
    ``# path`` comment, by path."""
    section = (ROOT / "README.md").read_text().split("### Writing a provider", 1)[1].split("\n## ", 1)[0]
    found = {}
    for block in re.findall(r"```(?:toml|python)\n(.*?)```", section, re.S):
        first, _, rest = block.partition("\n")
        assert first.startswith("# "), f"a README example block does not start with its path: {first}"
        found[first[2:].strip()] = rest
    return found


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"), **env}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=environment, timeout=600)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_readme_example_is_complete():
    assert set(readme_files()) == {"pyproject.toml", "acme_cloud/__init__.py", "tests/test_conformance.py"}


def test_the_kit_runs_from_the_wheel_against_the_readme_plugin(tmp_path):
    source = tmp_path / "src"  # a copy: the build writes build/ and egg-info next to the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("cloudorch", "providers"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source)], tmp_path)
    wheel = next((tmp_path / "dist").glob("cloudorch-*.whl"))

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    tmp_path).stdout.strip())
    # the dependencies (pydantic, click, pytest...) from this environment; .pth files there (this
    # checkout's editable install) are not processed, so cloudorch can only come from the wheel
    (site / "zz_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python)] if _pip_has_python_option() else None
    if pip is None:
        pytest.skip("pip is too old for --python")
    run([*pip, "install", "-q", "--no-index", "--no-deps", str(wheel)], tmp_path)

    plugin = tmp_path / "acme"
    for path, text in readme_files().items():
        (plugin / path).parent.mkdir(parents=True, exist_ok=True)
        (plugin / path).write_text(text)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(plugin)], tmp_path)
    run([*pip, "install", "-q", "--no-index", "--no-deps", str(next((tmp_path / "dist").glob("acme_cloud-*.whl")))],
        tmp_path)

    where = run([str(python), "-c", "import cloudorch.testing, acme_cloud; print(cloudorch.testing.__file__)"],
                tmp_path).stdout.strip()
    assert where.startswith(str(site)), f"cloudorch was not imported from the wheel: {where}"
    listed = run([str(venv / "bin" / "cloudorch"), "providers", "-o", "json"], tmp_path)
    assert '"name": "acme"' in listed.stdout
    result = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--random-order-bucket=class",
                  "tests/test_conformance.py"], plugin, CLOUDORCH_SANDBOX_DIR=str(tmp_path / "sandbox"))
    assert re.search(r"\b\d+ passed", result.stdout) and not re.search(r"\b\d+ (failed|error)", result.stdout), \
        result.stdout


def _pip_has_python_option() -> bool:
    out = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True).stdout
    major, minor = (int(x) for x in out.split()[1].split(".")[:2])
    return (major, minor) >= (22, 3)

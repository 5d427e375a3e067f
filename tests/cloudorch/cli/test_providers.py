"""``cloudorch providers`` with a broken plugin installed (real entry points, from dist-info folders on
the path): the broken one is one line, every other provider keeps working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloudorch.testing.plugins import write_dist

SPEC = "version: 1\nname: demo\nservices:\n  web:\n    image: nginx:1.27.2\n"
BROKEN = {
    "missing": ("broken_missing:Provider", {"broken_missing": "import acme_sdk_that_does_not_exist\n"},
                "No module named 'acme_sdk_that_does_not_exist'"),
    "raising": ("broken_raising:Provider", {"broken_raising": "raise RuntimeError('bad config at import')\n"},
                "RuntimeError: bad config at import"),
}


def cli(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_is_one_line_and_the_others_work(tmp_path, kind):
    target, modules, why = BROKEN[kind]
    site = write_dist(tmp_path / "site", "acme-broken", {"broken": target}, modules)
    listed = cli(["providers", "-o", "json"], site, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.splitlines() == [
        f"error: provider 'broken' cannot be loaded from {target} ({why}); reinstall or uninstall acme-broken"]
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert {"aws", "azure", "gcp", "kubernetes"} <= set(rows)
    assert rows["broken"] == {"name": "broken", "error": listed.stderr.splitlines()[0][len("error: "):]}
    table = cli(["providers"], site, tmp_path)
    assert table.returncode == 0 and "aws" in table.stdout and len(table.stderr.splitlines()) == 1

    (tmp_path / "app.yaml").write_text(SPEC)
    named = cli(["render", "-f", "app.yaml", "-p", "broken"], site, tmp_path)
    assert named.returncode == 2
    assert named.stderr.splitlines() == listed.stderr.splitlines()
    works = cli(["render", "-f", "app.yaml", "-p", "kubernetes"], site, tmp_path)
    assert works.returncode == 0, works.stderr
    assert "kind: Deployment" in works.stdout
    schema = cli(["schema"], site, tmp_path)
    assert schema.returncode == 0 and "KubernetesSettings" in schema.stdout, schema.stderr

"""Specs imported from real compose files deploy on the Kubernetes, Azure and AWS sandboxes, become
healthy, and redeploy with nothing to change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.session import open_provider
from cloudorch.spec import load_spec
from cloudorch.testing import InProcessSandbox

pytestmark = pytest.mark.sandbox
FIXTURES = Path(__file__).parent / "fixtures"
# AWS runs in the last test, through the CLI and the sandbox daemon in processes of their own: its
# emulator is moto, whose state is process-global, and a second AWS sandbox in a test process
# disturbs the AWS modules' own
OPTIONS = {"kubernetes": {"ready_delay": 0.3, "period": 0.1},
           "azure": {"delay": 0.1}}


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("compose-sandbox"), list(OPTIONS), **OPTIONS)
    yield sandbox
    sandbox.close()


def imported(folder: str, files: list[str], monkeypatch, tmp_path, provider_name: str):
    from cloudorch.compose import run_import

    monkeypatch.chdir(FIXTURES / folder)
    text, _ = run_import(files, environ={})
    path = tmp_path / f"{folder}.yaml"
    path.write_text(text)
    return load_spec([path], env={})


@pytest.mark.parametrize("provider_name", list(OPTIONS))
@pytest.mark.parametrize(("folder", "files"), [
    ("example-voting-app", ["docker-compose.images.yml"]),
    ("gitea-postgres", ["compose.yaml"]),
])
def test_imported_spec_deploys_and_redeploys_unchanged(box, monkeypatch, tmp_path, provider_name, folder, files):
    spec = imported(folder, files, monkeypatch, tmp_path, provider_name)

    def provider():
        p = open_provider(spec, provider_name, live=True)
        p.sandbox = box.config(provider_name)
        return p

    first = provider()
    result = deploy(first, first.plan(deadline=Deadline(60)), deadline=Deadline(90), poll=0.1)
    assert result.status.healthy, result.status
    assert {s.name for s in result.status.services} == set(spec.app.services)
    assert provider().plan(deadline=Deadline(60)).empty
    box.clear_requests(provider_name)
    again = provider()
    deploy(again, again.plan(deadline=Deadline(60)), deadline=Deadline(60), poll=0.1)
    assert not [r for r in box.requests(provider_name) if r["mutating"]]
    provider().destroy(provider().destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))


def test_imported_spec_deploys_on_the_aws_sandbox_as_a_user_runs_it(monkeypatch, tmp_path):
    """AWS through the CLI and the sandbox daemon, each in its own process (moto's state is
    process-global, so the AWS emulator is not started in this test process)."""
    import os
    import subprocess
    import sys

    from cloudorch.compose import run_import

    monkeypatch.chdir(FIXTURES / "gitea-postgres")
    text, _ = run_import(["compose.yaml"], environ={})
    spec = tmp_path / "cloudorch.yaml"
    spec.write_text(text)
    env = dict(os.environ, CLOUDORCH_SANDBOX_DIR=str(tmp_path / "sandbox"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from cloudorch.cli.main import main; main()", *args,
                               "-f", str(spec), "-p", "aws", "--sandbox"], capture_output=True, text=True,
                              env=env, timeout=300, cwd=tmp_path)

    try:
        deployed = cli("deploy", "--timeout", "180", "-o", "json")
        assert deployed.returncode == 0, deployed.stderr
        assert {s["name"]: s["state"] for s in json.loads(deployed.stdout)["services"]} == \
            {"gitea": "HEALTHY", "db": "HEALTHY"}
        planned = cli("plan")  # exit 0: nothing to change
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert cli("destroy", "--yes").returncode == 0
    finally:
        subprocess.run([sys.executable, "-c", "from cloudorch.cli.main import main; main()", "sandbox", "stop"],
                       env=env, capture_output=True, timeout=120)

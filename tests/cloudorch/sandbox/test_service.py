"""The sandbox as a user runs it: `cloudorch sandbox start|status|reset|stop` in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def cli(tmp_path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CLOUDORCH_SANDBOX_DIR=str(tmp_path), **extra_env)
    return subprocess.run([sys.executable, "-c", "from cloudorch.cli.main import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_start_status_reset_stop(tmp_path):
    assert cli(tmp_path, "sandbox", "status").returncode == 1
    started = cli(tmp_path, "sandbox", "start", SHOP_DATABASE_URL="postgres://canary:hunter2@db/shop",
                  AWS_SECRET_ACCESS_KEY="canary-key")
    assert started.returncode == 0, started.stderr
    try:
        state = json.loads(cli(tmp_path, "sandbox", "status", "-o", "json").stdout)
        environ = (Path("/proc") / str(state["pid"]) / "environ").read_bytes().decode(errors="replace")
        assert "canary" not in environ, "the sandbox keeps none of the starting shell's secrets"
        assert f"CLOUDORCH_SANDBOX_DIR={tmp_path}" in environ.split("\0")
        assert set(state["emulators"]) - {"swarm"} == {"aws", "azure", "gcp", "kubernetes"}
        # the swarm sandbox is a real Docker engine: there when dockerd can run, else said why
        assert "swarm" in state["emulators"] or state["unavailable"].get("swarm")
        assert state["emulators"]["azure"]["url"].startswith("https://127.0.0.1:")
        kubeconfig = state["emulators"]["kubernetes"]["files"]["kubeconfig"]
        assert f"kubeconfig: {kubeconfig}" in cli(tmp_path, "sandbox", "status").stdout
        if shutil.which("kubectl"):
            listed = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name"],
                                    capture_output=True, text=True, timeout=60)
            assert listed.returncode == 0 and "namespace/default" in listed.stdout, listed.stderr
        again = cli(tmp_path, "sandbox", "start")
        assert f"pid {state['pid']}" in again.stdout, "a second start reuses the running sandbox"
        reset = cli(tmp_path, "sandbox", "reset")
        assert reset.returncode == 0 and reset.stdout.startswith("reset ")
    finally:
        stopped = cli(tmp_path, "sandbox", "stop")
    assert stopped.stdout.strip() == "sandbox stopped"
    assert cli(tmp_path, "sandbox", "status").returncode == 1
    assert not (tmp_path / "state.json").exists()
    assert cli(tmp_path, "sandbox", "stop").stdout.strip() == "sandbox was not running"


def test_sandbox_flag_starts_it_and_deploys(tmp_path):
    spec = tmp_path / "hello.yaml"
    spec.write_text("version: 1\nname: hi\nservices:\n  web:\n    image: nginx:1.27.2\n"
                    "    ports: [{port: 80, public: true}]\n")
    try:
        deployed = cli(tmp_path, "deploy", "-f", str(spec), "-p", "aws", "--sandbox", "--timeout", "60")
        assert deployed.returncode == 0, deployed.stderr
        assert deployed.stdout.startswith("hi on aws: HEALTHY")  # the final table lists every service
        assert "starting the sandbox" in deployed.stderr and "hi on aws: applied " in deployed.stderr
        status = cli(tmp_path, "status", "-f", str(spec), "-p", "aws", "--sandbox", "-o", "json")
        assert status.returncode == 0 and json.loads(status.stdout)["state"] == "HEALTHY"
    finally:
        cli(tmp_path, "sandbox", "stop")

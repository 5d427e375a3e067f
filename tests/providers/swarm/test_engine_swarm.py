"""The swarm sandbox engine: a private dockerd that the docker CLI can look at, that leaves the
host's firewall alone, stops with everything it ran, and says in one line how to get one when
dockerd is missing. Also the counting proxy in front of it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from swarm_support import unavailable

from cloudorch.sandbox import service
from cloudorch_providers.swarm.engine import INSTALL_HINT, dockerd_path


def _cli(*args: str, env: dict) -> tuple[int, str]:
    from cloudorch.cli.main import cli

    result = CliRunner().invoke(cli, list(args), env=env, standalone_mode=False, catch_exceptions=True)
    code = getattr(result.exception, "exit_code", None) if result.exception else result.return_value
    return code if isinstance(code, int) else result.exit_code, result.output + str(result.exception or "")


def _iptables() -> str:
    done = subprocess.run(["iptables-save"], capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else ""


def test_sandbox_runs_a_private_engine_and_stops_it(tmp_path, monkeypatch):
    if dockerd_path() is None or os.geteuid() != 0:
        unavailable("dockerd is not installed or this is not root")
    directory = tmp_path / "sb"
    monkeypatch.setenv("CLOUDORCH_SANDBOX_DIR", str(directory))
    env = {"CLOUDORCH_SANDBOX_DIR": str(directory)}
    rules_before = [line for line in _iptables().splitlines() if not line.startswith("#")]
    try:
        code, output = _cli("sandbox", "start", env=env)
        if "swarm" not in (service.read_state() or {}).get("emulators", {}):
            unavailable((service.read_state() or {}).get("unavailable", {}).get("swarm", output))
        socket_url = (service.read_state() or {})["emulators"]["swarm"]["engine_host"]
        code, output = _cli("sandbox", "status", env=env)
        assert code == 0 and f"DOCKER_HOST={socket_url}" in output, output
        docker_env = {**os.environ, "DOCKER_HOST": socket_url}
        info = subprocess.run(["docker", "info", "--format", "{{json .Swarm}}"], env=docker_env,
                              capture_output=True, text=True, timeout=60)
        swarm = json.loads(info.stdout)
        assert swarm["LocalNodeState"] == "active" and swarm["ControlAvailable"], swarm
        assert swarm["NodeAddr"].startswith("127."), "the swarm advertises a loopback address of its own"
        images = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], env=docker_env,
                                capture_output=True, text=True, timeout=60).stdout.split()
        assert "cloudorch/busybox:local" in images
        pid = int((directory / "swarm" / "docker.pid").read_text())
        assert Path(f"/proc/{pid}").exists()
        rules_during = [line for line in _iptables().splitlines() if not line.startswith("#")]
        assert rules_during == rules_before, "the private engine must not change the host's iptables rules"
    finally:
        code, output = _cli("sandbox", "stop", env=env)
    assert code == 0, output
    assert not Path(f"/proc/{pid}").exists() or "dockerd" not in Path(f"/proc/{pid}/cmdline").read_text()
    assert not (directory / "swarm" / "data").exists()
    assert not Path(socket_url.removeprefix("unix://")).parent.exists(), "the engine's run directory is removed"
    mounts = Path("/proc/self/mountinfo").read_text()
    assert str(directory) not in mounts and socket_url.removeprefix("unix://").rsplit("/", 1)[0] not in mounts


def test_without_dockerd_the_sandbox_says_how_to_get_one(monkeypatch):
    from cloudorch.sandbox.daemon import load_emulators
    from cloudorch_providers.swarm import engine

    monkeypatch.setattr(engine, "dockerd_path", lambda: None)
    emulators, unavailable_ = load_emulators()
    assert "swarm" not in emulators
    assert unavailable_["swarm"] == INSTALL_HINT
    assert "\n" not in INSTALL_HINT and "apt-get install docker.io" in INSTALL_HINT


def test_proxy_records_calls_and_injects_engine_shaped_faults(swarm_box, tmp_path):
    path = tmp_path / "fault.yaml"
    path.write_text("version: 1\nname: fault\nservices:\n  web:\n    image: cloudorch/busybox:local\n"
                    "    command: [/bin/sleep, '3600']\n    resources: {cpu: 0.02, memory: 8Mi}\n")
    swarm_box.clear_requests("swarm")
    swarm_box.admin("swarm", "faults", "POST", {"match": "POST /services/create", "status": 500,
                                                 "message": "no space left"})
    code, output = _cli("deploy", "-f", str(path), "-p", "swarm", "--sandbox", "--timeout", "60", env=swarm_box.env)
    assert code == 1, output
    assert "creating service fault_web: Docker engine error 500" in output and "no space left" in output
    actions = [r["action"] for r in swarm_box.requests("swarm")]
    assert "GET /services" in actions and "POST /networks/create" in actions
    assert [r["status"] for r in swarm_box.requests("swarm") if r["action"] == "POST /services/create"] == [500]
    swarm_box.admin("swarm", "faults", "DELETE")
    code, output = _cli("deploy", "-f", str(path), "-p", "swarm", "--sandbox", "--timeout", "60", env=swarm_box.env)
    assert code == 0, output
    swarm_box.admin("swarm", "reset", "POST")
    code, output = _cli("status", "-f", str(path), "-p", "swarm", "--sandbox", "-o", "json", env=swarm_box.env)
    assert code == 4 and json.loads(output[: output.rfind("}") + 1])["state"] == "MISSING"


@pytest.mark.parametrize("host", ["tcp://127.0.0.1:1"])
def test_an_unreachable_engine_is_one_line(tmp_path, host):
    path = tmp_path / "app.yaml"
    path.write_text("version: 1\nname: gone\nservices:\n  web:\n    image: cloudorch/busybox:local\n"
                    f"providers:\n  swarm:\n    host: {host}\n")
    code, output = _cli("plan", "-f", str(path), "-p", "swarm", env={})
    assert code == 1
    assert "127.0.0.1" in output and "is dockerd running there?" in output and "Traceback" not in output

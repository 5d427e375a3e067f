"""cloudorch exec and events on Swarm, for real: the command runs in the task's container on the private
Docker engine (busybox's own sh), stdin piped through the hijacked connection to its end, stdout and
stderr apart, the exit code from the engine; events list the tasks' states and the engine's events."""

from __future__ import annotations

import json

import pytest

from tests.providers.execkit import cloudorch

SPEC = """\
version: 1
name: swexec
services:
  web:
    image: cloudorch/busybox:local
    command: ["/bin/sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 80 -h /www"]
    env: {GREETING: hello from web}
    ports: [{port: 80, protocol: http, public: true}]
    resources: {cpu: 0.05, memory: 16Mi}
    replicas: 2
    sidecars:
      - name: helper
        image: cloudorch/busybox:local
        command: ["/bin/sh", "-c", "exec sleep 3600"]
        resources: {cpu: 0.05, memory: 16Mi}
providers:
  swarm:
    ports: {web: {80: 0}}
    stop_grace_period: 1
"""


@pytest.fixture(scope="module")
def app(swarm_box, tmp_path_factory):
    path = tmp_path_factory.mktemp("swarm-exec") / "app.yaml"
    path.write_text(SPEC)
    common = ("-f", str(path), "-p", "swarm", "--sandbox")
    deployed = cloudorch(swarm_box.env, "deploy", *common, "--timeout", "120", timeout=240)
    assert deployed.returncode == 0, deployed.stderr
    yield swarm_box, common
    cloudorch(swarm_box.env, "destroy", *common, "--yes", timeout=240)


def test_exit_code_streams_and_environment(app):
    box, common = app
    result = cloudorch(box.env, "exec", *common, "web", "--", "sh", "-c",
                       'echo "$GREETING"; echo oops >&2; exit 7')
    assert result.returncode == 7, result.stderr
    assert result.stdout == b"hello from web\n"
    assert result.stderr == b"oops\n"


def test_stdin_is_piped_to_its_end(app):
    box, common = app
    data = bytes(range(256)) * 400  # binary, more than one read
    result = cloudorch(box.env, "exec", *common, "-i", "web", "--", "cat", stdin=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data
    swapped = cloudorch(box.env, "exec", *common, "-i", "web", "--", "sh", "-c", 'read a; read b; echo "$b $a"',
                        stdin="first\nsecond\n")
    assert swapped.stdout == b"second first\n"


def test_replica_and_sidecar(app):
    box, common = app
    first = cloudorch(box.env, "exec", *common, "--replica", "1", "web", "--", "hostname").stdout
    second = cloudorch(box.env, "exec", *common, "--replica", "2", "web", "--", "hostname").stdout
    assert first and second and first != second
    sidecar = cloudorch(box.env, "exec", *common, "--container", "helper", "web", "--", "cat", "/proc/1/cmdline")
    assert sidecar.returncode == 0 and b"sleep\x003600" in sidecar.stdout
    missing = cloudorch(box.env, "exec", *common, "--replica", "9", "web", "--", "true")
    assert missing.returncode == 2 and b"has no replica '9'" in missing.stderr


def test_missing_program_and_no_terminal(app):
    box, common = app
    missing = cloudorch(box.env, "exec", *common, "web", "--", "no-such-program")
    assert missing.returncode == 126 and b"no-such-program" in missing.stdout + missing.stderr
    no_tty = cloudorch(box.env, "exec", *common, "-t", "web", "--", "sh")
    assert no_tty.returncode == 2 and b"-t needs a terminal" in no_tty.stderr


def test_events(app):
    box, common = app
    result = cloudorch(box.env, "events", *common, "-o", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    reasons = {e["reason"] for e in events}
    assert "running" in reasons and {"create", "start"} <= reasons
    assert {e["service"] for e in events} == {"web"}

"""cloudorch exec and events on Kubernetes, through the real CLI (a subprocess) against the emulator: the
command runs in a running pod over the pods/exec WebSocket, stdout/stderr apart, stdin piped to its end,
the remote exit code is cloudorch's, the secret resolved in the environment; refusals name what to do."""

from __future__ import annotations

import json

import pytest

from cloudorch.testing import InProcessSandbox
from tests.providers.execkit import TOKEN, cloudorch, write_spec

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("k8s-exec")
    box = InProcessSandbox(path / "box", ["kubernetes"], kubernetes={"ready_delay": 0.3, "period": 0.1})
    spec = write_spec(path)
    common = ("-f", spec, "-p", "kubernetes", "--sandbox")
    set_secret = cloudorch(box.env, "secrets", "set", *common, "api-token", stdin=TOKEN)
    assert set_secret.returncode == 0, set_secret.stderr
    deployed = cloudorch(box.env, "deploy", *common, "--timeout", "60")
    assert deployed.returncode == 0, deployed.stderr
    yield box, common
    box.close()


def test_exit_code_streams_and_environment(app):
    box, common = app
    result = cloudorch(box.env, "exec", *common, "web", "--", "sh", "-c",
                       'echo "$GREETING"; echo "token=$TOKEN"; echo oops >&2; exit 7')
    assert result.returncode == 7, result.stderr
    assert result.stdout == f"hello from web\ntoken={TOKEN}\n".encode()
    assert result.stderr == b"oops\n"
    assert cloudorch(box.env, "exec", *common, "web", "--", "true").returncode == 0


def test_stdin_is_piped_to_its_end(app):
    box, common = app
    data = b"line one\nline two\n" * 2000  # more than one WebSocket frame
    result = cloudorch(box.env, "exec", *common, "-i", "web", "--", "cat", stdin=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data
    # without -i the command's stdin is closed at once
    assert cloudorch(box.env, "exec", *common, "web", "--", "cat", stdin=b"ignored").stdout == b""


def test_replica_and_container_choice(app):
    box, common = app
    from kubernetes import client

    config = box.config("kubernetes")
    core = client.CoreV1Api(client.ApiClient(client.Configuration(
        host=config["url"], ssl_ca_cert=config["ca_cert"], api_key={"authorization": f"Bearer {config['token']}"})))
    pods = sorted(p.metadata.name for p in core.list_namespaced_pod("execdemo").items)
    assert len(pods) == 2
    first = cloudorch(box.env, "exec", *common, "web", "--", "hostname")
    assert first.stdout.decode().strip() == pods[0]  # the first running one by name
    for pod, replica in ((pods[1], pods[1].removeprefix("web-")), (pods[1], pods[1])):
        other = cloudorch(box.env, "exec", *common, "--replica", replica, "web", "--", "hostname")
        assert other.stdout.decode().strip() == pod
    sidecar = cloudorch(box.env, "exec", *common, "--container", "helper", "web", "--", "printenv", "GREETING")
    assert sidecar.returncode == 1 and sidecar.stdout == b""  # the sidecar has its own environment
    missing = cloudorch(box.env, "exec", *common, "--container", "nope", "web", "--", "true")
    assert missing.returncode == 2 and b"has no container 'nope' (containers: web, helper)" in missing.stderr
    unknown = cloudorch(box.env, "exec", *common, "--replica", "zzz", "web", "--", "true")
    assert unknown.returncode == 2 and b"has no replica 'zzz'" in unknown.stderr


def test_refusals_are_one_line(app):
    box, common = app
    no_tty = cloudorch(box.env, "exec", *common, "-it", "web", "--", "sh")
    assert no_tty.returncode == 2
    assert no_tty.stderr.decode().strip().splitlines() == [
        "error: -t needs a terminal, and stdin is not one: drop -t (keep -i to pipe input)"]
    program = cloudorch(box.env, "exec", *common, "web", "--", "bash")
    assert program.returncode == 1 and len(program.stderr.decode().strip().splitlines()) == 1
    assert b'exec: \\"bash\\": executable file not found' in program.stderr or \
        b'exec: "bash": executable file not found' in program.stderr
    service = cloudorch(box.env, "exec", *common, "nope", "--", "true")
    assert service.returncode == 2 and b"no service 'nope'" in service.stderr


def test_events_in_time_order(app):
    box, common = app
    result = cloudorch(box.env, "events", *common, "-o", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    reasons = [e["reason"] for e in events]
    assert {"ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Pulled", "Started"} <= set(reasons)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert {e["service"] for e in events} == {"web"}
    assert any(e["resource"].startswith("Deployment/web") for e in events)
    table = cloudorch(box.env, "events", *common, "--since", "10m")
    assert table.returncode == 0 and b"Started" in table.stdout
    assert json.loads(cloudorch(box.env, "events", *common, "--since", "2099-01-01T00:00:00Z", "-o",
                                "json").stdout) == {"events": []}


def test_interactive_terminal_session(app):
    """-it in a real pseudo-terminal: the remote shell prompts, echoes and runs what is typed; `exit 4`
    ends it with cloudorch's exit code 4, and the local terminal is back in its normal mode."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import termios
    import time

    box, common = app
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    process = subprocess.Popen([sys.executable, "-c", "from cloudorch.cli.main import main; main()", "exec", *common,
                                "-it", "web", "--", "sh"], stdin=slave, stdout=slave, stderr=slave,
                               env={**os.environ, **box.env}, start_new_session=True)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30.0) -> bytes:
        nonlocal seen
        end = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 65536)
        assert marker in seen, seen
        return seen

    try:
        read_until(b"$ ")
        os.write(master, b"echo typed-$HOSTNAME\r")
        read_until(b"typed-web-")
        os.write(master, b"exit 4\r")
        assert process.wait(timeout=30) == 4
    finally:
        if process.poll() is None:
            process.kill()
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
    assert b"\r\n" in seen  # the remote terminal's line ends
    assert after == before  # raw mode undone


def test_status_watch_refreshes_in_place_and_ends_with_130(app):
    """status --watch in a pseudo-terminal draws the table and redraws it in place (cursor moves, no
    scrolling copies); SIGINT (Ctrl-C) ends it with exit 130 and one line, no traceback."""
    import os
    import pty
    import select
    import signal
    import subprocess
    import sys
    import time

    box, common = app
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", "from cloudorch.cli.main import main; main()", "status",
                                *common, "--watch", "--interval", "0.5"], stdin=slave, stdout=slave, stderr=slave,
                               env={**os.environ, **box.env, "COLUMNS": "150", "LINES": "40"})
    seen = b""
    try:
        end = time.monotonic() + 30
        while seen.count(b"execdemo on kubernetes") < 3 and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 65536)
        assert seen.count(b"execdemo on kubernetes") >= 3, seen  # redrawn
        assert b"\x1b[" in seen  # in place: the terminal's cursor controls, not new lines
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        time.sleep(0.2)
        while select.select([master], [], [], 0.2)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
        os.close(slave)
    assert b"Traceback" not in seen and b"interrupted" in seen


def test_status_watch_without_a_terminal_prints_only_changes(app):
    import os
    import signal
    import subprocess
    import sys
    import time

    box, common = app
    process = subprocess.Popen([sys.executable, "-c", "from cloudorch.cli.main import main; main()", "status",
                                *common, "--watch", "--interval", "0.5", "-o", "json"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **box.env})
    import threading

    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: process.stdout.read1(65536), b"")))
    reader.start()
    end = time.monotonic() + 60
    while b'"app": "execdemo"' not in b"".join(chunks) and time.monotonic() < end:
        time.sleep(0.1)
    time.sleep(3)  # several refreshes of an unchanged app
    process.send_signal(signal.SIGINT)
    err = process.stderr.read()
    process.wait(timeout=30)
    reader.join(timeout=10)
    out = b"".join(chunks)
    assert process.returncode == 130
    assert out.count(b'"app": "execdemo"') == 1  # printed once: nothing changed since
    assert err.decode().strip().splitlines()[-1].startswith("interrupted") and b"Traceback" not in err

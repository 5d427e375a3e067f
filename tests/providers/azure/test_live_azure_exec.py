"""cloudorch exec and events on Azure, through the real CLI (a subprocess) against the ARM emulator:
executeCommand hands out the WebSocket URI and password, the password goes first, the program runs with
a terminal in the emulator's built-in shell with the container's environment (secure values included);
ACI's limits (one program without arguments, no exit code) are said, not hidden."""

from __future__ import annotations

import json

import pytest

from cloudorch.testing import InProcessSandbox
from tests.providers.execkit import cloudorch, write_spec

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("azure-exec")
    box = InProcessSandbox(path / "box", ["azure"], azure={"delay": 0.2})
    spec = write_spec(path)
    common = ("-f", spec, "-p", "azure", "--sandbox")
    env = {**box.env, "API_TOKEN": "t0ken-value"}  # where the azure provider reads secrets by default
    deployed = cloudorch(env, "deploy", *common, "--timeout", "60")
    if deployed.returncode != 0:
        pytest.fail(deployed.stderr.decode())
    yield box, common
    box.close()


def test_piped_script_runs_in_a_terminal_without_exit_code(app):
    box, common = app
    result = cloudorch(box.env, "exec", *common, "-i", "web", "--", "/bin/sh",
                       stdin='echo "$GREETING"\nprintenv HOSTNAME\n')
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "hello from web\r\n" in out  # a terminal: CR LF, prompts and echoed input around it
    assert "$ " in out and "execdemo-web-0\r\n" in out
    assert result.stderr.decode().strip() == "note: azure does not report the command's exit code; exiting 0"


def test_secure_values_reach_the_environment(app):
    box, common = app
    result = cloudorch(box.env, "exec", *common, "-i", "web", "--", "/bin/sh", stdin="printenv TOKEN\n")
    assert "t0ken-value\r\n" in result.stdout.decode()


def test_commands_with_arguments_are_refused_with_the_way_to_run_them(app):
    box, common = app
    result = cloudorch(box.env, "exec", *common, "web", "--", "sh", "-c", "env")
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "runs one program without arguments" in lines[0]
    assert "echo 'sh -c env' | cloudorch exec -i" in lines[0]


def test_replica_container_and_missing_program(app):
    box, common = app
    second = cloudorch(box.env, "exec", *common, "-i", "--replica", "1", "web", "--", "/bin/sh",
                       stdin="hostname\n")
    assert "execdemo-web-1\r\n" in second.stdout.decode()
    sidecar = cloudorch(box.env, "exec", *common, "-i", "--container", "helper", "web", "--", "/bin/sh",
                        stdin="printenv GREETING; echo rc=$?\n")
    assert "rc=1" in sidecar.stdout.decode()
    missing = cloudorch(box.env, "exec", *common, "web", "--", "bash")
    assert b'exec: "bash": executable file not found' in missing.stdout
    unknown = cloudorch(box.env, "exec", *common, "--container", "nope", "web", "--", "sh")
    assert unknown.returncode == 2 and b"has no container 'nope'" in unknown.stderr


def test_emulator_refuses_a_wrong_password_and_a_reused_uri(app):
    import ssl
    import urllib.request

    import websocket

    box, _ = app
    config = box.config("azure")

    sub = "00000000-0000-0000-0000-000000000000"
    groups = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{config['url']}/subscriptions/{sub}/providers/Microsoft.ContainerInstance/containerGroups"
        "?api-version=2023-05-01", headers={"Authorization": "Bearer x"}),
        context=ssl.create_default_context(cafile=config["ca_cert"])).read())["value"]
    group = next(g for g in groups if g["name"] == "execdemo-web-0")
    request = urllib.request.Request(
        f"{config['url']}{group['id']}/containers/web/exec?api-version=2023-05-01", method="POST",
        data=json.dumps({"command": "/bin/sh", "terminalSize": {"rows": 24, "cols": 80}}).encode(),
        headers={"Authorization": "Bearer x", "Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=config["ca_cert"])
    reply = json.loads(urllib.request.urlopen(request, context=context).read())
    assert set(reply) == {"webSocketUri", "password"} and reply["webSocketUri"].startswith("wss://")
    sslopt = {"ca_certs": config["ca_cert"]}
    socket = websocket.create_connection(reply["webSocketUri"], sslopt=sslopt, timeout=10)
    socket.send("wrong")
    assert "password is wrong" in socket.recv()
    socket.close()
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(reply["webSocketUri"], sslopt=sslopt, timeout=10)


def test_events(app):
    box, common = app
    result = cloudorch(box.env, "events", *common, "-o", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert {"Pulling", "Pulled", "Started"} <= {e["reason"] for e in events}
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert {e["service"] for e in events} == {"web"}

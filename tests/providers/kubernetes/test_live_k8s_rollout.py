"""Deploys that tell the truth on Kubernetes, through the CLI and the sandbox: a new revision that
crash-loops while the old one serves exits 4 saying so and what serves; replies that go away by
themselves while the deploy polls (a 404 on a list, 429 with Retry-After) do not fail it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cloudorch.testing import InProcessSandbox

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: roll
services:
  web:
    image: {image}
    replicas: 3
    ports: [{{port: 80}}]
providers:
  kubernetes: {{namespace: roll}}
"""


def cli(box, *args: str):
    from cloudorch.cli.main import cli as main
    from cloudorch.errors import CloudorchError

    result = CliRunner().invoke(main, list(args), env=box.env, standalone_mode=False, catch_exceptions=True)
    if result.exception and not isinstance(result.exception, (SystemExit, CloudorchError)):
        raise result.exception
    code = result.exception.exit_code if isinstance(result.exception, CloudorchError) else result.return_value
    return code, result


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("roll"), ["kubernetes"],
                               kubernetes={"ready_delay": 0.3, "period": 0.1, "crash_period": 0.3})
    yield sandbox
    sandbox.close()


def deploy(box, tmp_path, image: str):
    spec = tmp_path / "roll.yaml"
    spec.write_text(SPEC.format(image=image))
    return cli(box, "deploy", "-f", str(spec), "-p", "kubernetes", "--sandbox", "--timeout", "60")


def test_a_crashing_new_revision_exits_4_saying_what_still_serves(box, tmp_path):
    assert deploy(box, tmp_path, "nginx:1.27")[0] == 0
    code, result = deploy(box, tmp_path, "example/crashloop:2")
    assert code == 4, result.output
    message = str(result.exception)
    assert "service web failed: new revision 2 (example/crashloop:2) failed: pod web-" in message, message
    assert "CrashLoopBackOff" in message
    assert message.endswith("revision 1 (nginx:1.27) still serves with 3 ready"), message
    code, result = cli(box, "status", "-f", str(tmp_path / "roll.yaml"), "-p", "kubernetes", "--sandbox", "-o", "json")
    web = json.loads(result.stdout)["services"][0]
    assert code == 4 and web["state"] == "FAILED" and "revision 1 (nginx:1.27) still serves" in web["message"]
    # the fix rolls out over the crashing revision
    assert deploy(box, tmp_path, "nginx:1.28")[0] == 0


def test_transient_replies_while_polling_do_not_fail_the_deploy(box, tmp_path):
    assert deploy(box, tmp_path, "nginx:1.27")[0] == 0
    box.admin("kubernetes", "faults", "POST", {"match": "list replicasets", "status": 404, "count": 2})
    # more 429s than the client retries in one call: the engine polls again (the deadline still holds)
    box.admin("kubernetes", "faults", "POST", {"match": "list pods", "status": 429, "count": 9,
                                               "retry_after": 0.2, "code": "TooManyRequests"})
    try:
        code, result = deploy(box, tmp_path, "nginx:1.29")
        assert code == 0, result.output
        answered = [r for r in box.requests("kubernetes") if r["action"] in ("list replicasets", "list pods")]
        assert {r["status"] for r in answered} >= {404, 429, 200}
    finally:
        box.admin("kubernetes", "faults", "DELETE")

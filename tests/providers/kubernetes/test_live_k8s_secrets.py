"""Secrets on Kubernetes through the CLI and the sandbox: ``secrets list`` / ``set`` store the web shop's
secrets as keys of the Secret its pods read (created with the app's labels, in the namespace deploy
uses), a deploy without them exits 4 naming the secret and the command that fixes it, and ``--roll``
restarts the readers by the restartedAt annotation without leaving the plan dirty."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudorch.testing import InProcessSandbox
from cloudorch.testing.harness import SPEC_ENV

EXAMPLES = Path(__file__).resolve().parents[3] / "specs" / "examples"

pytestmark = pytest.mark.sandbox

FAST = {"ready_delay": 0.3, "period": 0.1}
OWNER, TOOL = "cloudorch.io/app", "app.kubernetes.io/managed-by"


def cli(box, *args: str, stdin: str | None = None):
    from cloudorch.cli.main import cli as main
    from cloudorch.errors import CloudorchError

    result = CliRunner().invoke(main, list(args), input=stdin, env={**box.env, **SPEC_ENV}, standalone_mode=False,
                                catch_exceptions=True)
    if result.exception and not isinstance(result.exception, (SystemExit, CloudorchError)):
        raise result.exception
    code = result.exception.exit_code if isinstance(result.exception, CloudorchError) else result.return_value
    return code, result


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """(sandbox, spec path, kubernetes core client)."""
    from kubernetes import client

    path = tmp_path_factory.mktemp("secrets")
    shutil.copy(EXAMPLES / "webshop.yaml", path / "webshop.yaml")
    box = InProcessSandbox(path / "box", ["kubernetes"], kubernetes=FAST)
    config = box.config("kubernetes")
    api = client.ApiClient(client.Configuration(host=config["url"], ssl_ca_cert=config["ca_cert"],
                                                api_key={"authorization": f"Bearer {config['token']}"}))
    yield box, str(path / "webshop.yaml"), client.CoreV1Api(api), client.AppsV1Api(api)
    box.close()


def test_secrets_flow_from_missing_to_rolled(shop):
    box, spec, core, apps = shop
    common = ("-f", spec, "-p", "kubernetes", "--sandbox")
    code, result = cli(box, "secrets", "list", *common, "-o", "json")
    assert code == 4
    listed = {s["name"]: s for s in json.loads(result.stdout)}
    assert listed["session-key"]["where"] == "Kubernetes Secret webshop/shop-secrets key session-key"
    assert listed["session-key"]["exists"] is False
    assert listed["database-url"]["services"] == ["api", "cleanup", "worker"]  # cleanup: the nightly job

    code, result = cli(box, "secrets", "set", *common, "session-key", stdin="s3ssion\n")
    assert code == 0, result.output
    assert "stored in Kubernetes Secret webshop/shop-secrets key session-key (created)" in result.output
    assert "s3ssion" not in result.output
    secret = core.read_namespaced_secret("shop-secrets", "webshop")
    assert base64.b64decode(secret.data["session-key"]) == b"s3ssion"  # the trailing newline dropped
    assert secret.metadata.labels[OWNER] == "webshop" and secret.metadata.labels[TOOL] == "cloudorch"
    assert core.read_namespace("webshop").metadata.labels[OWNER] == "webshop"  # as deploy makes it

    # database-url is still missing: the deploy exits 4 naming it and the fix
    code, result = cli(box, "deploy", *common, "--timeout", "60")
    assert code == 4, result.output
    message = str(result.exception)
    assert "secret database-url missing (Secret webshop/shop-secrets has no key database-url): store it with " \
           f"`cloudorch secrets set -f {spec} -p kubernetes database-url`" in message, message

    code, result = cli(box, "secrets", "set", *common, "database-url", stdin="postgres://db/shop")
    assert code == 0 and "(created)" not in result.output, result.output
    code, result = cli(box, "deploy", *common, "--timeout", "60")
    assert code == 0, result.output
    assert cli(box, "secrets", "list", *common)[0] == 0
    assert cli(box, "plan", *common)[0] == 0

    code, result = cli(box, "secrets", "set", *common, "session-key", "--roll", "--timeout", "60", stdin="next")
    assert code == 0, result.output
    assert "restarted web" in result.output
    template = apps.read_namespaced_deployment("web", "webshop").spec.template
    assert "kubectl.kubernetes.io/restartedAt" in template.metadata.annotations
    assert base64.b64decode(core.read_namespaced_secret("shop-secrets", "webshop").data["session-key"]) == b"next"
    assert cli(box, "plan", *common)[0] == 0  # the restart annotation is not cloudorch's field
    assert cli(box, "destroy", *common, "--yes")[0] == 0


def test_a_users_secret_gets_only_its_key_changed(shop, tmp_path):
    box, _, core, _ = shop
    spec = tmp_path / "app.yaml"
    spec.write_text("version: 1\nname: tiny\nservices:\n  web:\n    image: nginx:1.27\n"
                    "    secrets: {TOKEN: token}\n"
                    "providers:\n  kubernetes:\n    namespace: default\n"
                    "    secrets:\n      token: {secret: handmade, key: api-token}\n")
    core.create_namespaced_secret("default", {"metadata": {"name": "handmade", "labels": {"team": "x"}},
                                              "stringData": {"other": "keep"}})
    code, result = cli(box, "secrets", "set", "-f", str(spec), "-p", "kubernetes", "--sandbox", "token",
                       stdin="t0ken")
    assert code == 0, result.output
    assert "Kubernetes Secret default/handmade key api-token" in result.output and "(created)" not in result.output
    secret = core.read_namespaced_secret("handmade", "default")
    assert secret.metadata.labels == {"team": "x"}
    assert base64.b64decode(secret.data["other"]) == b"keep" and base64.b64decode(secret.data["api-token"]) == b"t0ken"


def test_restart_refuses_what_is_not_deployed(shop, tmp_path):
    box, spec, _, _ = shop
    code, result = cli(box, "secrets", "set", "-f", spec, "-p", "kubernetes", "--sandbox", "session-key", "--roll",
                       stdin="v")
    assert code == 1 and "run `cloudorch deploy` first" in str(result.exception)

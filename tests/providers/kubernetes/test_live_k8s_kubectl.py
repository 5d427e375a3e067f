"""cloudorch's Kubernetes adapter checked with a client nobody here wrote: the real kubectl.

- After ``cloudorch deploy``, ``kubectl get deployments,services,pods -o json`` finds the web shop.
- ``cloudorch render -d DIR`` applied by ``kubectl apply --server-side`` gives the same live objects as
  ``cloudorch deploy`` does on another fresh cluster, and ``cloudorch plan`` against the kubectl-applied
  cluster is empty: plan compares values (and only cloudorch's own managed fields), so objects that
  another field manager (``kubectl``) applied with the same content need no change.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudorch.testing import InProcessSandbox
from cloudorch.testing.harness import SPEC_ENV

EXAMPLES = Path(__file__).resolve().parents[3] / "specs" / "examples"

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(shutil.which("kubectl") is None,
                                 reason="kubectl is not on PATH (install kubectl to run the kubectl checks)")]

FAST = {"ready_delay": 0.3, "period": 0.1}
NAMESPACE = "webshop"
SERVICES = {"web", "api", "worker", "redis"}


def cloudorch(box: InProcessSandbox, *args: str):
    from cloudorch.cli.main import cli

    result = CliRunner().invoke(cli, list(args), env={**box.env, **SPEC_ENV}, standalone_mode=False,
                                catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        from cloudorch.errors import CloudorchError

        if not isinstance(result.exception, CloudorchError):
            raise result.exception
    return result


def kubectl(box: InProcessSandbox, home: Path, *args: str) -> subprocess.CompletedProcess:
    config = box.config("kubernetes")
    return subprocess.run(["kubectl", "--server", config["url"], "--certificate-authority", config["ca_cert"],
                           "--token", config["token"], *args],
                          capture_output=True, text=True, timeout=60,
                          env={"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin"})


SECRETS = """\
apiVersion: v1
kind: Namespace
metadata: {name: webshop}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-secrets, namespace: webshop}
stringData: {session-key: dev-session, database-url: "postgres://dev@db/shop"}
"""


def plant_secrets(box: InProcessSandbox, home: Path) -> None:
    """The Secret the web shop's pods read (the cluster does not start them without it)."""
    (home / "secrets.yaml").write_text(SECRETS)
    proc = kubectl(box, home, "apply", "-f", str(home / "secrets.yaml"))
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("kubectl-live")
    shutil.copy(EXAMPLES / "webshop.yaml", path / "webshop.yaml")
    return path


@pytest.fixture(scope="module")
def deployed(workdir):
    """A sandbox where ``cloudorch deploy`` put the web shop."""
    box = InProcessSandbox(workdir / "deployed", ["kubernetes"], kubernetes=FAST)
    plant_secrets(box, workdir)
    result = cloudorch(box, "deploy", "-f", str(workdir / "webshop.yaml"), "-p", "kubernetes", "--sandbox",
                       "--timeout", "60")
    assert result.return_value == 0, result.output
    yield box
    box.close()


@pytest.fixture(scope="module")
def applied(workdir):
    """A sandbox where kubectl applied (server-side) the manifests ``cloudorch render -d DIR`` wrote."""
    box = InProcessSandbox(workdir / "applied", ["kubernetes"], kubernetes=FAST)
    plant_secrets(box, workdir)
    out = workdir / "manifests"
    result = cloudorch(box, "render", "-f", str(workdir / "webshop.yaml"), "-p", "kubernetes", "-d", str(out))
    assert result.return_value == 0, result.output
    # render prints the files in apply order (the namespace first); kubectl takes them in that order
    files = [line for line in result.output.splitlines() if line.endswith(".yaml")]
    assert sorted(Path(f).name for f in files) == sorted(p.name for p in out.iterdir())
    args = [a for f in files for a in ("-f", f)]
    proc = kubectl(box, workdir, "apply", "--server-side", *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("serverside-applied") == len(files), proc.stdout
    yield box
    box.close()


def live(box: InProcessSandbox, home: Path) -> dict[tuple[str, str], dict]:
    proc = kubectl(box, home, "get", "deployments,services,horizontalpodautoscalers", "-n", NAMESPACE, "-o", "json",
                   "--show-managed-fields")
    assert proc.returncode == 0, proc.stderr
    return {(item["kind"], item["metadata"]["name"]): item for item in json.loads(proc.stdout)["items"]}


def comparable(item: dict) -> dict:
    """What must be the same on both clusters: labels, annotations and spec, without what the API
    server allocates (cluster IPs, node ports) or the controllers write (status)."""
    spec = json.loads(json.dumps(item["spec"]))
    if item["kind"] == "Service":
        for key in ("clusterIP", "clusterIPs"):
            spec.pop(key, None)
        for port in spec.get("ports", []):
            port.pop("nodePort", None)
    metadata = item["metadata"]
    return {"labels": metadata.get("labels"), "annotations": metadata.get("annotations"), "spec": spec}


def settled(box: InProcessSandbox, home: Path) -> dict[tuple[str, str], dict]:
    """The live objects once every Deployment has its final replicas (the HPA raises web to 2)."""
    end = time.monotonic() + 30
    while True:
        found = live(box, home)
        web = found.get(("Deployment", "web"))
        if web and web["spec"].get("replicas") == 2 and web.get("status", {}).get("availableReplicas") == 2:
            return found
        assert time.monotonic() < end, f"web never settled at 2 replicas: {web}"
        time.sleep(0.2)


def test_kubectl_lists_what_cloudorch_deployed(deployed, workdir):
    proc = kubectl(deployed, workdir, "get", "deployments,services,pods", "-n", NAMESPACE, "-o", "json",
                   "--show-managed-fields")
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)["items"]
    names = {(i["kind"], i["metadata"]["name"]) for i in items}
    assert {("Deployment", s) for s in SERVICES} <= names
    assert {("Service", s) for s in ("web", "api", "redis")} <= names  # the worker has no ports
    pods = [i for i in items if i["kind"] == "Pod"]
    assert {p["metadata"]["labels"]["cloudorch.io/service"] for p in pods} == SERVICES
    assert all(p["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "cloudorch" for p in pods)
    assert all(p["status"]["phase"] == "Running" for p in pods)
    web = next(i for i in items if i["kind"] == "Deployment" and i["metadata"]["name"] == "web")
    assert [f["manager"] for f in web["metadata"]["managedFields"] if f["operation"] == "Apply"] == ["cloudorch"]


def test_kubectl_apply_of_the_rendered_manifests_equals_cloudorch_deploy(deployed, applied, workdir):
    ours, theirs = settled(deployed, workdir), settled(applied, workdir)
    assert set(ours) == set(theirs)
    assert len(ours) == 4 + 3 + 1  # deployments, services, the web autoscaler
    for key in sorted(ours):
        assert comparable(ours[key]) == comparable(theirs[key]), key
    managers = {f["manager"] for f in theirs[("Deployment", "api")]["metadata"]["managedFields"]
                if f["operation"] == "Apply"}
    assert managers == {"kubectl"}


def test_plan_against_the_kubectl_applied_cluster_is_empty(applied, workdir):
    settled(applied, workdir)
    applied.clear_requests("kubernetes")
    result = cloudorch(applied, "plan", "-f", str(workdir / "webshop.yaml"), "-p", "kubernetes", "--sandbox",
                       "-o", "json")
    assert result.return_value == 0, result.output
    assert json.loads(result.stdout) == {"changes": []}
    assert not [r for r in applied.requests("kubernetes") if r["mutating"]]
    # and a deploy on top of kubectl's objects changes nothing either
    result = cloudorch(applied, "deploy", "-f", str(workdir / "webshop.yaml"), "-p", "kubernetes", "--sandbox",
                       "--timeout", "30")
    assert result.return_value == 0, result.output
    assert not [r for r in applied.requests("kubernetes") if r["mutating"]]

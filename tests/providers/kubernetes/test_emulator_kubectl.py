"""The real kubectl against the Kubernetes emulator: discovery, tables, -o json, describe, client-side
and server-side apply, logs, scale, rollout status (a watch) and deletion."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")]

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels: {{app: web}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: {image}
        ports:
        - containerPort: 80
        env:
        - {{name: MODE, value: "{mode}"}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: {ns}
spec:
  selector: {{app: web}}
  ports:
  - port: 80
    targetPort: 80
"""


@pytest.fixture(scope="module")
def kubectl(kube, tmp_path_factory):
    """``kubectl(*args, check=True)`` -> CompletedProcess, against the emulator with no kubeconfig."""
    home = tmp_path_factory.mktemp("kubectl")

    def run(*args: str, check: bool = True, token: str | None = "sandbox", stdin: str | None = None):
        command = ["kubectl", "--server", kube.url, "--certificate-authority", kube.ca_cert,
                   "--cache-dir", str(home / "cache"), "--request-timeout", "20s"]
        if token:
            command += ["--token", token]
        result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=60, input=stdin,
                                env={"KUBECONFIG": str(home / "none"), "HOME": str(home), "PATH": "/usr/bin:/bin"})
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}"
        return result

    return run


@pytest.fixture
def applied(kubectl, tmp_path, wait):
    """A namespace with the MANIFEST applied by ``kubectl apply -f`` and its pods ready."""
    ns = f"k-{tmp_path.name[-8:].lower().replace('_', '-')}".strip("-")
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST.format(ns=ns, replicas=2, image="nginx:1.25", mode="a"))
    result = kubectl("apply", "-f", str(path))
    assert result.stdout.split("\n")[:3] == [f"namespace/{ns} created", "deployment.apps/web created",
                                             "service/web created"]
    wait(lambda: json.loads(kubectl("get", "deployment", "web", "-n", ns, "-o", "json").stdout)
         ["status"].get("availableReplicas") == 2)
    return ns, path


def test_get_json_lists_what_the_emulator_holds(kubectl, applied):
    ns, _ = applied
    listed = json.loads(kubectl("get", "deployments,services,pods", "-n", ns, "-o", "json").stdout)
    kinds = sorted(item["kind"] for item in listed["items"])
    assert kinds == ["Deployment", "Pod", "Pod", "Service"]
    pods = [i for i in listed["items"] if i["kind"] == "Pod"]
    assert all(p["status"]["phase"] == "Running" for p in pods)


def test_get_prints_tables(kubectl, applied):
    ns, _ = applied
    out = kubectl("get", "deployments,services,pods", "-n", ns).stdout
    assert "deployment.apps/web   2/2     2            2" in out
    assert "service/web   ClusterIP   10.96." in out
    assert out.count("1/1     Running   0") == 2
    wide = kubectl("get", "pods", "-n", ns, "-o", "wide").stdout
    assert "sandbox-node" in wide and "10.244." in wide


def test_describe_deployment(kubectl, applied):
    ns, _ = applied
    out = kubectl("describe", "deployment", "web", "-n", ns).stdout
    assert "Name:                   web" in out
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in out
    assert "NewReplicaSet:   web-" in out and "(2/2 replicas created)" in out
    assert "ScalingReplicaSet" in out and "Scaled up replica set web-" in out
    assert "MinimumReplicasAvailable" in out


def test_reapplying_changes_and_no_changes(kubectl, applied, wait):
    ns, path = applied
    before = json.loads(kubectl("get", "deployment", "web", "-n", ns, "-o", "json").stdout)
    assert "kubectl.kubernetes.io/last-applied-configuration" in before["metadata"]["annotations"]
    out = kubectl("apply", "-f", str(path)).stdout
    assert "deployment.apps/web unchanged" in out and "service/web unchanged" in out
    path.write_text(MANIFEST.format(ns=ns, replicas=3, image="nginx:1.27", mode="b"))
    assert "deployment.apps/web configured" in kubectl("apply", "-f", str(path)).stdout
    after = json.loads(kubectl("get", "deployment", "web", "-n", ns, "-o", "json").stdout)
    container = after["spec"]["template"]["spec"]["containers"][0]
    assert after["spec"]["replicas"] == 3 and container["image"] == "nginx:1.27"
    assert container["env"] == [{"name": "MODE", "value": "b"}]
    rollout = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout", "20s")
    assert 'deployment "web" successfully rolled out' in rollout.stdout


def test_server_side_apply_and_conflicts(kubectl, applied):
    ns, path = applied
    out = kubectl("apply", "--server-side", "-f", str(path), check=False)
    assert out.returncode == 0 and "serverside-applied" in out.stdout
    kubectl("scale", "deployment", "web", "-n", ns, "--replicas", "4")
    conflict = kubectl("apply", "--server-side", "-f", str(path), check=False)
    assert conflict.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: ' \
           ".spec.replicas" in conflict.stderr
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))
    got = json.loads(kubectl("get", "deployment", "web", "-n", ns, "-o", "json", "--show-managed-fields").stdout)
    assert got["spec"]["replicas"] == 2
    managers = {(m["manager"], m["operation"]) for m in got["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers


def test_logs_and_delete(kubectl, applied, wait):
    ns, _ = applied
    out = wait(lambda: (text := kubectl("logs", "deployment/web", "-n", ns, "--tail", "2").stdout).count("\n") == 2
               and text)
    assert all("container web" in line for line in out.splitlines())
    assert "deleted" in kubectl("delete", "deployment", "web", "-n", ns).stdout
    wait(lambda: "No resources found" in kubectl("get", "pods", "-n", ns).stderr)
    kubectl("delete", "namespace", ns)
    assert ns not in kubectl("get", "namespaces", "-o", "name").stdout


def test_kubeconfig_document_works_with_kubectl(kube, tmp_path):
    document = kube.emulator.kubeconfig(kube.url, kube.ca_cert)
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(document))
    result = subprocess.run(["kubectl", "--kubeconfig", str(path), "--cache-dir", str(tmp_path / "cache"),
                             "get", "namespaces", "-o", "name"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "namespace/default" in result.stdout.split()


def test_without_a_token_kubectl_is_unauthorized(kubectl):
    result = kubectl("get", "pods", check=False, token=None, stdin="")
    # on a 401 with no credentials configured kubectl asks for a username (stdin is empty, so it gives up)
    assert result.returncode != 0 and ("Unauthorized" in result.stderr or "Username" in result.stdout)

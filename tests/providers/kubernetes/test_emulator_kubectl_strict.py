"""The real kubectl against the Kubernetes emulator's strict parts: diff and explain from the served
OpenAPI, wait and rollout status (watches), a rollout past its progress deadline and a pod waiting for a
missing Secret."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.providers.kubernetes.test_emulator_kubectl import MANIFEST, applied, kubectl  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")]

SECRET_READER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: reader, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: reader}}}}
  template:
    metadata: {{labels: {{app: reader}}}}
    spec:
      containers:
      - name: reader
        image: nginx:1.25
        env:
        - name: TOKEN
          valueFrom: {{secretKeyRef: {{name: api-token, key: token}}}}
"""


def test_diff_reads_the_patch_strategy_from_openapi_v3(kubectl, applied):  # noqa: F811
    ns, path = applied
    path.write_text(MANIFEST.format(ns=ns, replicas=2, image="nginx:1.27", mode="b"))
    result = kubectl("diff", "-f", str(path), "-v=6", check=False)
    assert result.returncode == 1, result.stderr  # 1: differences found
    assert "-        image: nginx:1.25" in result.stdout and "+        image: nginx:1.27" in result.stdout
    assert '-          value: a' in result.stdout and '+          value: b' in result.stdout
    assert "/openapi/v3/apis/apps/v1" in result.stderr
    assert "does not support strategic merge patch" not in result.stderr
    assert "/openapi/v2" not in result.stderr  # no fallback needed
    assert "deployment.apps/web configured" in kubectl("apply", "-f", str(path)).stdout
    assert kubectl("diff", "-f", str(path), check=False).returncode == 0


def test_explain_reads_the_kubernetes_schema(kubectl):  # noqa: F811
    out = kubectl("explain", "deployment.spec.strategy.rollingUpdate").stdout
    assert "FIELD: rollingUpdate <RollingUpdateDeployment>" in out
    assert "maxSurge" in out and "rounding up" in out
    pod = kubectl("explain", "pods.spec.containers.env.valueFrom.secretKeyRef").stdout
    assert "KIND:       Pod" in pod and "optional" in pod


def test_wait_and_rollout_status_follow_a_rollout(kubectl, applied):  # noqa: F811
    ns, path = applied
    path.write_text(MANIFEST.format(ns=ns, replicas=3, image="nginx:1.27", mode="c"))
    kubectl("apply", "-f", str(path))
    rollout = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout", "15s")
    assert 'deployment "web" successfully rolled out' in rollout.stdout
    waited = kubectl("wait", "--for=condition=Available", "deployment/web", "-n", ns, "--timeout", "15s")
    assert "condition met" in waited.stdout


def test_rollout_status_reports_a_rollout_past_its_deadline(kubectl, applied):  # noqa: F811
    ns, _ = applied
    kubectl("patch", "deployment", "web", "-n", ns, "--type", "merge", "-p", json.dumps(
        {"spec": {"progressDeadlineSeconds": 1, "template": {"spec": {"containers": [
            {"name": "web", "image": "example/crashloop:1"}]}}}}))
    result = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout", "15s", check=False)
    assert result.returncode == 1
    assert 'deployment "web" exceeded its progress deadline' in result.stderr
    described = kubectl("describe", "deployment", "web", "-n", ns).stdout
    assert "ProgressDeadlineExceeded" in described


def test_a_pod_waiting_for_a_missing_secret(kubectl, applied, tmp_path, wait):  # noqa: F811
    ns, _ = applied
    path = tmp_path / "reader.yaml"
    path.write_text(SECRET_READER.format(ns=ns))
    kubectl("apply", "-f", str(path))
    listed = wait(lambda: "CreateContainerConfigError" in (out := kubectl("get", "pods", "-n", ns, "-l",
                                                                          "app=reader").stdout) and out)
    assert "0/1" in listed
    described = wait(lambda: 'Error: secret "api-token" not found' in (
        out := kubectl("describe", "pods", "-n", ns, "-l", "app=reader").stdout) and out)
    assert "CreateContainerConfigError" in described
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: api-token, namespace: {ns}}}\n"
                      "stringData: {token: s3cret}\n")
    kubectl("apply", "-f", str(secret))
    waited = kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=reader", "-n", ns, "--timeout", "15s")
    assert "condition met" in waited.stdout

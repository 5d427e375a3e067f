"""The real kubectl's ``exec`` against the Kubernetes emulator. kubectl >= 1.31 streams exec over WebSocket
(``v5.channel.k8s.io``) and falls back to SPDY only when the upgrade fails; the emulator serves the
WebSocket protocol, runs the command in its built-in shell and refuses what the apiserver and kubelet
refuse."""

# ruff: noqa: F811  (the kubectl fixtures are imported)
from __future__ import annotations

import json

import pytest

from tests.providers.kubernetes.test_emulator_kubectl import MANIFEST, applied, kubectl  # noqa: F401 (fixtures)

SECRET = """\
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {ns}}}
stringData: {{password: hunter2}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: two, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: two}}}}
  template:
    metadata: {{labels: {{app: two}}}}
    spec:
      containers:
      - name: main
        image: nginx:1.25
        env:
        - name: PASSWORD
          valueFrom: {{secretKeyRef: {{name: creds, key: password}}}}
      - {{name: side, image: nginx:1.25}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: stuck, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: stuck}}}}
  template:
    metadata: {{labels: {{app: stuck}}}}
    spec:
      containers:
      - {{name: main, image: registry.example/notfound:1}}
"""


@pytest.fixture
def pods(kubectl, applied, tmp_path, wait):  # noqa: F811 (fixture)
    ns, _ = applied
    path = tmp_path / "pods.yaml"
    path.write_text(SECRET.format(ns=ns))
    kubectl("apply", "-f", str(path))

    def pod(app: str) -> dict:
        found = json.loads(kubectl("get", "pods", "-n", ns, "-l", f"app={app}", "-o", "json").stdout)["items"]
        return found[0] if found else {}

    wait(lambda: (pod("two").get("status") or {}).get("phase") == "Running" and pod("stuck"))
    return ns, pod("web")["metadata"]["name"], pod("two")["metadata"]["name"], pod("stuck")["metadata"]["name"]


def test_kubectl_version_streams_exec_over_websocket(kubectl, pods):
    ns, web, two, stuck = pods
    version = json.loads(kubectl("version", "--client", "-o", "json").stdout)["clientVersion"]
    result = kubectl("exec", "-v=6", web, "-n", ns, "--", "hostname")
    assert result.stdout == f"{web}\n"
    if (int(version["major"]), int(version["minor"].rstrip("+"))) >= (1, 31):
        assert "101 Switching Protocols" in result.stderr and "The subprotocol is v5.channel.k8s.io" in result.stderr


def test_kubectl_exec_exit_code_stdout_stderr_env(kubectl, pods):
    ns, web, two, stuck = pods
    result = kubectl("exec", web, "-n", ns, "--", "sh", "-c", 'echo "mode=$MODE"; echo warn >&2; exit 3',
                     check=False)
    assert result.returncode == 3
    assert result.stdout == "mode=a\n"
    assert result.stderr == "warn\ncommand terminated with exit code 3\n"
    secret = kubectl("exec", two, "-c", "main", "-n", ns, "--", "printenv", "PASSWORD")
    assert secret.stdout == "hunter2\n"


def test_kubectl_exec_pipes_stdin(kubectl, pods):
    ns, web, two, stuck = pods
    result = kubectl("exec", "-i", web, "-n", ns, "--", "cat", stdin="first\nsecond\n")
    assert result.stdout == "first\nsecond\n"
    script = kubectl("exec", "-i", web, "-n", ns, "--", "sh", stdin="echo one\nexit 5\necho never\n", check=False)
    assert script.returncode == 5 and script.stdout == "one\n"


def test_kubectl_exec_refusals(kubectl, pods):
    ns, web, two, stuck = pods
    unknown = kubectl("exec", two, "-c", "nope", "-n", ns, "--", "true", check=False)
    assert unknown.returncode == 1
    assert f"container nope is not valid for pod {two}" in unknown.stderr
    stuck = kubectl("exec", stuck, "-n", ns, "--", "true", check=False)
    assert stuck.returncode == 1 and 'container not found ("main")' in stuck.stderr
    missing = kubectl("exec", web, "-n", ns, "--", "bash", check=False)
    assert missing.returncode != 0 and 'exec: "bash": executable file not found in $PATH' in missing.stderr
    gone = kubectl("exec", "nosuchpod", "-n", ns, "--", "true", check=False)
    assert gone.returncode == 1 and 'pods "nosuchpod" not found' in gone.stderr


def test_kubectl_exec_shell_reads_commands_from_stdin(kubectl, pods):
    ns, web, two, stuck = pods
    result = kubectl("exec", "-i", web, "-n", ns, "--", "sh", stdin="echo $HOSTNAME\n")
    assert result.stdout == f"{web}\n"


def test_plain_post_without_upgrade_is_refused(kube, pods):
    import ssl
    import urllib.error
    import urllib.request

    ns, web, two, stuck = pods
    request = urllib.request.Request(f"{kube.url}/api/v1/namespaces/{ns}/pods/{web}/exec?command=true&stdout=true",
                                     method="POST", headers={"Authorization": "Bearer sandbox"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=kube.ca_cert), timeout=10)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["message"] == "Upgrade request required"


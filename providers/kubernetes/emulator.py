"""A kube-apiserver emulator for the sandbox and the tests: the real REST API over HTTPS with bearer
tokens, so the official ``kubernetes`` Python client and ``kubectl`` work against it unchanged.

Served: namespaces, pods (read, delete, ``/log``, ``/exec`` over WebSocket: see
:mod:`cloudorch_providers.kubernetes.emulation.exec`), services, secrets, configmaps, events, nodes (read),
deployments (``/scale``, ``/status``), replicasets, autoscaling/v2 horizontalpodautoscalers and batch/v1
jobs and cronjobs (run by :mod:`cloudorch_providers.kubernetes.emulation.jobs_controller`); with
get, list (label and field selectors), watch, create, update (PUT, resourceVersion preconditions),
patch (JSON, merge, strategic merge) and server-side apply (``application/apply-patch+yaml``,
``fieldManager``, ``force``, managedFields and conflicts), delete (cascading by ownerReferences) and
deletecollection; discovery, ``Table`` output, and OpenAPI v2 (JSON) and v3 built from the Kubernetes
schemas that ``kubernetes-validate`` ships, so kubectl's ``apply``, ``diff`` and ``explain`` work; watches
send their headers at once (``kubectl wait``, ``kubectl rollout status``).

A controller thread plays kube-controller-manager and the kubelet (see
:mod:`cloudorch_providers.kubernetes.emulation.controller` and :mod:`cloudorch_providers.kubernetes.emulation.pods`):
pods are Pending for ``ready_delay`` seconds, then Running and Ready; images containing ``crashloop``
or ``notfound`` fail as their names say; a container reading a missing Secret or ConfigMap (or key) waits
in ``CreateContainerConfigError`` until it appears. Rollouts keep within ``maxSurge`` / ``maxUnavailable``
and report ``ProgressDeadlineExceeded`` as the deployment controller does.

Known gaps, each answered the way an apiserver without the feature would answer: request bodies in
protobuf get a 415 (so ``kubectl create <generator>``, which sends protobuf, fails; ``kubectl apply -f``
works); autoscaling/v1 is not served (``kubectl autoscale`` gets a 404; use an autoscaling/v2 manifest);
``fieldValidation=Strict`` is accepted but unknown fields are not reported; pods are deleted at once
(no graceful termination); there are no metrics, so HPAs only clamp replicas to [min, max]; OpenAPI v2
is served as JSON only (kubectl asks for protobuf, gets a 406 and works from v3, which it prefers);
``minReadySeconds`` is not waited for (ready pods count as available at once); scaling a deployment in
the middle of a rollout is not spread proportionally over its ReplicaSets.

Request-log actions (fault ``match`` strings) are ``"<verb> <resource>[/<subresource>]"`` with the
apiserver's verbs: ``get``, ``list``, ``watch``, ``create``, ``update`` (PUT), ``patch``, ``apply``
(a PATCH with the apply content type), ``delete``, ``deletecollection``; e.g. ``"create deployments"``,
``"patch deployments/scale"``, ``"get pods/log"``; discovery requests are ``"discovery"``.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.controller import Controller
from cloudorch_providers.kubernetes.emulation.errors import REASONS, status_object
from cloudorch_providers.kubernetes.emulation.registry import Registry
from cloudorch_providers.kubernetes.emulation.routing import KubeApi, classify
from cloudorch_providers.kubernetes.emulation.store import Store

TOKEN = "sandbox"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class KubeEmulator(Emulator):
    """The kube-apiserver emulator. Any bearer token is accepted; requests without one get a 401.

    :param period: seconds between controller passes
    :param ready_delay: seconds a pod stays Pending before it runs (and is Ready)
    :param crash_period: seconds between restarts of a ``crashloop`` container (default: ready_delay)
    :param lb_delay: seconds before a LoadBalancer service gets its ingress IP (default: ready_delay)
    :param follow_seconds: how long a ``follow=true`` log request streams before the server closes it
    :param watch_seconds: the longest a watch stays open (clients reconnect, as with a real apiserver)
    """

    name = "kubernetes"
    tls = True

    def __init__(self, period: float = 0.2, ready_delay: float = 1.0, crash_period: float | None = None,
                 lb_delay: float | None = None, follow_seconds: float = 2.0, watch_seconds: float = 30.0):
        self.store = Store()
        self.registry = Registry(self.store)
        self.controller = Controller(self.registry, period, ready_delay, crash_period, lb_delay)
        self._stopping = threading.Event()
        self.api = KubeApi(self.registry, self.controller, self._stopping, follow_seconds, watch_seconds)
        self.reset()

    # -- Emulator --------------------------------------------------------------------------------------
    def wsgi_app(self) -> WSGIApp:
        return self.api

    def classify(self, environ: dict) -> tuple[str, bool]:
        return classify(environ)

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        reason = code if code and not (code == "InternalError" and status != 500) else REASONS.get(status, code)
        return json.dumps(status_object(status, reason, message)).encode(), "application/json"

    def reset(self) -> None:
        with self.store.lock:
            self.store.clear()
            self.controller.reset()
            for name in SYSTEM_NAMESPACES:
                self.registry.create(r.NAMESPACES, "", {"metadata": {"name": name}}, "kube-apiserver")
            self.registry.create(r.NODES, "", {"metadata": {"name": "sandbox-node", "labels": {
                "kubernetes.io/hostname": "sandbox-node", "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/control-plane": ""}}, "status": {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                "message": "kubelet is posting ready status"}],
                "addresses": [{"type": "InternalIP", "address": "10.0.0.10"},
                              {"type": "Hostname", "address": "sandbox-node"}],
                "nodeInfo": {"kubeletVersion": "v1.32.0", "containerRuntimeVersion": "containerd://1.7.24",
                             "osImage": "cloudorch sandbox", "kernelVersion": "6.1.0", "operatingSystem": "linux",
                             "architecture": "amd64", "machineID": "sandbox", "systemUUID": "sandbox",
                             "bootID": "sandbox", "kubeProxyVersion": ""}}}, "kubelet", keep_status=True)

    def start(self, url: str, peers: dict[str, dict[str, Any]]) -> None:
        self._stopping.clear()
        self.controller.start()

    def stop(self) -> None:
        self._stopping.set()
        self.store.wake()
        self.controller.stop()

    def advance_clock(self, seconds: float) -> float:
        """Move the CronJob clock ``seconds`` ahead (the admin endpoint ``POST /_cloudorch/clock``)."""
        self.controller.clock_offset += max(seconds, 0.0)
        return self.controller.clock_offset

    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        return {"url": url, "ca_cert": ca_cert, "token": TOKEN}

    def sandbox_files(self, url: str, ca_cert: str | None) -> dict[str, str]:
        """``kubeconfig``: a context ``cloudorch-sandbox`` for kubectl (``kubectl --kubeconfig PATH``)."""
        import yaml

        return {"kubeconfig": yaml.safe_dump(self.kubeconfig(url, ca_cert), sort_keys=False)}

    # -- helpers ---------------------------------------------------------------------------------------
    def kubeconfig(self, url: str, ca_cert: str | None, context: str = "cloudorch-sandbox") -> dict[str, Any]:
        """A kubeconfig document (as a dict; dump it as YAML) reaching this emulator with the sandbox
        token. ``ca_cert`` is the path of the CA certificate (embedded as certificate-authority-data)."""
        cluster: dict[str, Any] = {"server": url}
        if ca_cert:
            cluster["certificate-authority-data"] = base64.b64encode(Path(ca_cert).read_bytes()).decode()
        return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": context,
                "clusters": [{"name": context, "cluster": cluster}],
                "users": [{"name": context, "user": {"token": TOKEN}}],
                "contexts": [{"name": context, "context": {"cluster": context, "user": context,
                                                           "namespace": "default"}}]}

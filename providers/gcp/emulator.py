"""A GKE (container.googleapis.com v1) emulator: cluster lookups that point at the Kubernetes emulator.

Served (JSON over plain HTTP, as ``ClusterManagerClient(transport="rest")`` speaks it):

- ``GET /v1/projects/{project}/locations/{location}/clusters/{cluster}``    (GetCluster)
- ``GET /v1/projects/{project}/zones/{zone}/clusters/{cluster}``            (GetCluster, zonal form)
- ``GET /v1/projects/{project}/locations/{location}/clusters``              (ListClusters; location ``-``
  lists every location)
- ``GET /v1/projects/{project}/zones/{zone}/clusters``                      (ListClusters, zonal form)

With ``auto_create=True`` (the default) any cluster that is looked up springs into being, status
RUNNING, its ``endpoint`` the Kubernetes emulator's ``host:port`` and ``masterAuth.clusterCaCertificate``
the base64 of that emulator's CA certificate (both from ``peers["kubernetes"]`` given to ``start``).
Errors are Google-shaped: ``{"error": {"code": 404, "message": ..., "status": "NOT_FOUND"}}``.

Admin endpoints, for the adapter's error paths (JSON bodies):

- ``POST /_gke/clusters`` ``{"project": "p", "location": "l", "name": "c", "status": "PROVISIONING",
  ...}``: plant a cluster; any other key overrides that field of the Cluster resource (e.g.
  ``"statusMessage"``, ``"endpoint"``, ``"currentMasterVersion"``).
- ``DELETE /_gke/clusters/{project}/{location}/{name}``: make that cluster missing (404), even when
  ``auto_create`` is on, until it is planted again.
- ``POST /_gke/config`` ``{"auto_create": false}``: switch auto-creation.
- ``GET /_gke/clusters``: the clusters known so far.

Request-log actions are the RPC names: ``GetCluster``, ``ListClusters`` (``admin`` for ``/_gke``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from werkzeug.wrappers import Request, Response

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

ADMIN = "/_gke/"
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
                 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_GET = re.compile(r"^/v1/projects/([^/]+)/(locations|zones)/([^/]+)/clusters/([^/:]+)$")
_LIST = re.compile(r"^/v1/projects/([^/]+)/(locations|zones)/([^/]+)/clusters$")
Key = tuple[str, str, str]  # project, location, cluster
#: enum values as numbers, for clients that ask ``$alt=json;enum-encoding=int`` (the Python client does)
CLUSTER_STATUS = ["STATUS_UNSPECIFIED", "PROVISIONING", "RUNNING", "RECONCILING", "STOPPING", "ERROR", "DEGRADED"]
NODE_POOL_STATUS = ["STATUS_UNSPECIFIED", "PROVISIONING", "RUNNING", "RUNNING_WITH_ERROR", "RECONCILING",
                    "STOPPING", "ERROR"]
CHANNELS = ["UNSPECIFIED", "RAPID", "REGULAR", "STABLE", "EXTENDED"]


def _number(names: list[str], value: Any) -> Any:
    return names.index(value) if value in names else value


def int_enums(cluster: dict[str, Any]) -> dict[str, Any]:
    """The cluster with its enum fields as numbers."""
    cluster = json.loads(json.dumps(cluster))
    cluster["status"] = _number(CLUSTER_STATUS, cluster.get("status"))
    for pool in cluster.get("nodePools") or []:
        pool["status"] = _number(NODE_POOL_STATUS, pool.get("status"))
    if isinstance(cluster.get("releaseChannel"), dict):
        cluster["releaseChannel"]["channel"] = _number(CHANNELS, cluster["releaseChannel"].get("channel"))
    return cluster


def google_error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}


class GKEEmulator(Emulator):
    """The GKE cluster-lookup emulator.

    :param auto_create: clusters spring into being (RUNNING) on first lookup
    :param master_version: the version clusters report (currentMasterVersion / currentNodeVersion)
    """

    name = "gcp"
    tls = False
    requires = ("kubernetes",)

    def __init__(self, auto_create: bool = True, master_version: str = "1.32.0-gke.1000"):
        self.auto_create = auto_create
        self.master_version = master_version
        self.endpoint = ""
        self.ca_data = ""
        self._lock = threading.Lock()
        self.reset()

    # -- Emulator --------------------------------------------------------------------------------------
    def wsgi_app(self) -> WSGIApp:
        return self._app

    def classify(self, environ: dict) -> tuple[str, bool]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path.startswith(ADMIN):
            return "admin", method != "GET"
        if _GET.match(path):
            return "GetCluster", method != "GET"
        if _LIST.match(path):
            return "ListClusters", method != "GET"
        return f"{method} {path}", method != "GET"

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        return json.dumps(google_error(status, message)).encode(), "application/json"

    def reset(self) -> None:
        with self._lock:
            self.clusters: dict[Key, dict[str, Any]] = {}
            self.missing: set[Key] = set()

    def start(self, url: str, peers: dict[str, dict[str, Any]]) -> None:
        kube = peers.get("kubernetes") or {}
        if kube.get("url"):
            self.endpoint = urlparse(kube["url"]).netloc
        if kube.get("ca_cert"):
            self.ca_data = base64.b64encode(Path(kube["ca_cert"]).read_bytes()).decode()

    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        """``url`` is the ``api_endpoint`` for ClientOptions; ``token`` is what to present to the
        cluster endpoint in the sandbox (the Kubernetes emulator accepts any bearer token)."""
        return {"url": url, "ca_cert": ca_cert, "token": "sandbox"}

    # -- clusters --------------------------------------------------------------------------------------
    def cluster(self, project: str, location: str, name: str, **overrides: Any) -> dict[str, Any]:
        """The Cluster resource a RUNNING sandbox cluster would have, with ``overrides`` applied."""
        ident = hashlib.sha256(f"{project}/{location}/{name}".encode()).hexdigest()
        zones = [location] if location.count("-") >= 2 else [f"{location}-a", f"{location}-b", f"{location}-c"]
        self_link = f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}"
        node_config = {"machineType": "e2-standard-4", "diskSizeGb": 100, "diskType": "pd-balanced",
                       "imageType": "COS_CONTAINERD", "oauthScopes": [
                           "https://www.googleapis.com/auth/cloud-platform"], "serviceAccount": "default"}
        cluster: dict[str, Any] = {
            "name": name, "description": "cloudorch sandbox cluster", "nodeConfig": node_config,
            "masterAuth": {"clusterCaCertificate": self.ca_data},
            "loggingService": "logging.googleapis.com/kubernetes",
            "monitoringService": "monitoring.googleapis.com/kubernetes",
            "network": "default", "subnetwork": "default", "clusterIpv4Cidr": "10.244.0.0/14",
            "servicesIpv4Cidr": "10.96.0.0/12",
            "nodePools": [{"name": "default-pool", "config": node_config, "initialNodeCount": 1,
                           "locations": zones, "selfLink": f"{self_link}/nodePools/default-pool",
                           "version": self.master_version, "status": "RUNNING",
                           "autoscaling": {"enabled": False}, "management": {"autoUpgrade": True,
                                                                            "autoRepair": True}}],
            "locations": zones, "labelFingerprint": ident[:16], "selfLink": self_link, "zone": location,
            "endpoint": self.endpoint, "initialClusterVersion": self.master_version,
            "currentMasterVersion": self.master_version, "currentNodeVersion": self.master_version,
            "createTime": rfc3339(), "status": "RUNNING", "nodeIpv4CidrSize": 24, "location": location,
            "id": ident[:32], "etag": ident[32:48], "currentNodeCount": len(zones),
            "releaseChannel": {"channel": "REGULAR"}, "autopilot": {"enabled": False},
            "controlPlaneEndpointsConfig": {"ipEndpointsConfig": {
                "enabled": True, "enablePublicEndpoint": True, "publicEndpoint": self.endpoint}},
        }
        cluster.update(overrides)
        return cluster

    def _find(self, project: str, location: str, name: str) -> dict[str, Any] | None:
        key = (project, location, name)
        with self._lock:
            if key in self.missing:
                return None
            if key not in self.clusters and self.auto_create:
                self.clusters[key] = self.cluster(project, location, name)
            return self.clusters.get(key)

    # -- HTTP ------------------------------------------------------------------------------------------
    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, content_type="application/json; charset=UTF-8")

    def _app(self, environ, start_response):
        request = Request(environ)
        numeric = "enum-encoding=int" in request.args.get("$alt", "")
        shape = int_enums if numeric else (lambda cluster: cluster)
        if request.path.startswith(ADMIN):
            response = self._admin(request)
        elif request.method != "GET":
            response = self._json(google_error(405, f"Method {request.method} is not served by the sandbox"), 405)
        elif match := _GET.match(request.path):
            project, _, location, name = match.groups()
            found = self._find(project, location, name)
            response = (self._json(shape(found)) if found is not None else self._json(google_error(
                404, f"Not found: projects/{project}/locations/{location}/clusters/{name}."), 404))
        elif match := _LIST.match(request.path):
            project, _, location = match.groups()
            with self._lock:
                found = [c for (p, loc, _), c in sorted(self.clusters.items()) if p == project
                         and location in ("-", loc) and (p, loc, c["name"]) not in self.missing]
            response = self._json({"clusters": [shape(c) for c in found]} if found else {})
        else:
            response = self._json(google_error(404, f"The requested URL {request.path} was not found."), 404)
        return response(environ, start_response)

    def _admin(self, request: Request) -> Response:
        what = request.path[len(ADMIN):].strip("/").split("/")
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return self._json(google_error(400, "the admin body must be JSON"), 400)
        if what == ["config"] and request.method == "POST":
            if "auto_create" in body:
                self.auto_create = bool(body["auto_create"])
            return self._json({"auto_create": self.auto_create})
        if what == ["clusters"] and request.method == "GET":
            with self._lock:
                return self._json({"clusters": list(self.clusters.values())})
        if what == ["clusters"] and request.method == "POST":
            try:
                project, location, name = body.pop("project"), body.pop("location"), body.pop("name")
            except KeyError as exc:
                return self._json(google_error(400, f"missing {exc.args[0]!r}"), 400)
            with self._lock:
                self.missing.discard((project, location, name))
                self.clusters[(project, location, name)] = self.cluster(project, location, name, **body)
                return self._json(self.clusters[(project, location, name)])
        if len(what) == 4 and what[0] == "clusters" and request.method == "DELETE":
            key = (what[1], what[2], what[3])
            with self._lock:
                self.clusters.pop(key, None)
                self.missing.add(key)
            return self._json({"ok": True})
        return self._json(google_error(404, f"no admin endpoint {request.method} {request.path}"), 404)

"""Reading the live app from the cluster: its namespace, then the objects cloudorch manages (by the
ownership labels, one list call per kind) and each rendered object by its exact name when the label
list did not return it (absent, or a same-named object that is not ours).

Objects are JSON dicts as the API server returns them. List replies carry no ``kind`` in their items,
so each object is stored under ``(kind, name)``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.clients import Kube


@dataclass(frozen=True)
class Kind:
    """How the typed client names one kind's calls: ``{verb}_{suffix}`` on API ``api``."""

    kind: str
    api: str
    suffix: str
    api_version: str

    def method(self, verb: str) -> str:
        return f"{verb}_{self.suffix}"


NAMESPACE = Kind("Namespace", "core", "namespace", "v1")
DEPLOYMENT = Kind("Deployment", "apps", "namespaced_deployment", "apps/v1")
SERVICE = Kind("Service", "core", "namespaced_service", "v1")
HPA = Kind("HorizontalPodAutoscaler", "autoscaling", "namespaced_horizontal_pod_autoscaler", "autoscaling/v2")
CRONJOB = Kind("CronJob", "batch", "namespaced_cron_job", "batch/v1")
#: the runs of jobs: created by `cloudorch run` and by the CronJobs, never planned
JOB = Kind("Job", "batch", "namespaced_job", "batch/v1")
#: the kinds cloudorch creates in the app's namespace, in apply order
MANAGED = (DEPLOYMENT, SERVICE, HPA, CRONJOB)
KINDS = {k.kind: k for k in (NAMESPACE, *MANAGED)}

Key = tuple[str, str]  # (kind, name)


def labels_of(obj: dict[str, Any] | None) -> dict[str, str]:
    return ((obj or {}).get("metadata") or {}).get("labels") or {}


def owned_by(obj: dict[str, Any] | None, app: str) -> bool:
    """Whether ``obj`` carries both ownership markers for ``app``."""
    return meta.MARKERS.owns(labels_of(obj), app)


def owner_selector(app: str) -> str:
    return meta.MARKERS.selector(app)


def terminating(obj: dict[str, Any] | None) -> bool:
    return bool(((obj or {}).get("metadata") or {}).get("deletionTimestamp"))


def list_owned(kube: Kube, kind: Kind, namespace: str, app: str) -> dict[str, dict[str, Any]]:
    """``name -> object`` of every ``kind`` in ``namespace`` carrying ``app``'s markers."""
    reply = kube.call(f"listing {kind.kind}s of app {app} in namespace {namespace}", kind.api,
                      kind.method("list"), namespace, label_selector=owner_selector(app))
    found = {}
    for item in reply.get("items") or []:
        if owned_by(item, app):  # the selector already says so; a careless proxy might not
            found[item["metadata"]["name"]] = item
    return found


def read_object(kube: Kube, kind: Kind, namespace: str, name: str) -> dict[str, Any] | None:
    return kube.call(f"reading {kind.kind} {name} in namespace {namespace}", kind.api, kind.method("read"),
                     name, namespace, missing_ok=True)


def read_namespace(kube: Kube, namespace: str) -> dict[str, Any] | None:
    return kube.call(f"reading namespace {namespace}", "core", "read_namespace", namespace, missing_ok=True)


@dataclass
class Live:
    namespace_name: str
    namespace: dict[str, Any] | None = None
    #: owned objects (by label) plus the rendered names found by exact name
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)


def read_live(kube: Kube, namespace: str, app: str, wanted: list[Key]) -> Live:
    """The namespace, every object of ``MANAGED`` kinds carrying ``app``'s markers, and each of
    ``wanted`` (the rendered objects) by exact name when the label lists did not return it."""
    live = Live(namespace, read_namespace(kube, namespace))
    if live.namespace is None:
        return live
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="kube-read") as pool:
        lists = pool.map(lambda kind: (kind, list_owned(kube, kind, namespace, app)), MANAGED)
        for kind, objects in lists:
            for name, obj in objects.items():
                live.objects[(kind.kind, name)] = obj
        missing = [key for key in wanted if key not in live.objects and key[0] in KINDS]
        found = pool.map(lambda key: (key, read_object(kube, KINDS[key[0]], namespace, key[1])), missing)
        for key, obj in found:
            if obj is not None:
                live.objects[key] = obj
    return live


#: what ``destroy`` looks for before deleting the app's namespace: (API, list method, kind)
NAMESPACE_CONTENTS = (
    ("apps", "list_namespaced_deployment", "Deployment"),
    ("apps", "list_namespaced_stateful_set", "StatefulSet"),
    ("apps", "list_namespaced_daemon_set", "DaemonSet"),
    ("apps", "list_namespaced_replica_set", "ReplicaSet"),
    ("batch", "list_namespaced_job", "Job"),
    ("batch", "list_namespaced_cron_job", "CronJob"),
    ("core", "list_namespaced_pod", "Pod"),
    ("core", "list_namespaced_service", "Service"),
    ("core", "list_namespaced_config_map", "ConfigMap"),
    ("core", "list_namespaced_secret", "Secret"),
    ("core", "list_namespaced_persistent_volume_claim", "PersistentVolumeClaim"),
    ("autoscaling", "list_namespaced_horizontal_pod_autoscaler", "HorizontalPodAutoscaler"),
    ("networking", "list_namespaced_ingress", "Ingress"),
)


def _system_object(kind: str, obj: dict[str, Any]) -> bool:
    """What Kubernetes itself puts in every namespace."""
    name = (obj.get("metadata") or {}).get("name", "")
    if kind == "ConfigMap" and name == "kube-root-ca.crt":
        return True
    return kind == "Secret" and obj.get("type") == "kubernetes.io/service-account-token"


def foreign_objects(kube: Kube, namespace: str, app: str) -> list[str]:
    """``Kind name`` of the objects in ``namespace`` that are not ``app``'s (nor Kubernetes' own).
    The app's pods and ReplicaSets carry its labels, so they count as the app's. Kinds the cluster
    does not serve (a 404 on the list) are skipped."""

    def scan(item: tuple[str, str, str]) -> list[str]:
        api, method, kind = item
        reply = kube.call(f"listing {kind}s in namespace {namespace}", api, method, namespace, missing_ok=True)
        return [f"{kind} {(obj.get('metadata') or {}).get('name')}" for obj in (reply or {}).get("items") or []
                if not owned_by(obj, app) and not _system_object(kind, obj)]

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="kube-scan") as pool:
        return [name for found in pool.map(scan, NAMESPACE_CONTENTS) for name in found]

"""The resource types the emulator serves: one table read by discovery, routing and the registry."""

from __future__ import annotations

from dataclasses import dataclass

READ_ONLY = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    #: metadata.generation is kept and bumped on spec changes
    has_generation: bool = False
    #: the main endpoint ignores status; writes to status go through /status
    has_status: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @property
    def qualified(self) -> str:
        """``deployments.apps`` / ``pods``: how the apiserver names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        """``Deployment.apps`` / ``Pod``: how validation messages name a kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def __str__(self) -> str:
        return self.qualified


NAMESPACES = ResourceType("", "v1", "namespaces", "namespace", "Namespace", namespaced=False,
                          short_names=("ns",), verbs=("create", "delete", "get", "list", "patch", "update",
                                                      "watch"), subresources=("status",), has_status=True)
PODS = ResourceType("", "v1", "pods", "pod", "Pod", short_names=("po",),
                    verbs=("delete", "deletecollection", "get", "list", "watch"),
                    subresources=("status", "log", "exec"), categories=("all",), has_status=True)
SERVICES = ResourceType("", "v1", "services", "service", "Service", short_names=("svc",),
                        verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update",
                               "watch"), subresources=("status",), categories=("all",), has_status=True)
SECRETS = ResourceType("", "v1", "secrets", "secret", "Secret")
CONFIGMAPS = ResourceType("", "v1", "configmaps", "configmap", "ConfigMap", short_names=("cm",))
EVENTS = ResourceType("", "v1", "events", "event", "Event", short_names=("ev",))
NODES = ResourceType("", "v1", "nodes", "node", "Node", namespaced=False, short_names=("no",),
                     verbs=READ_ONLY, subresources=("status",), has_status=True)
DEPLOYMENTS = ResourceType("apps", "v1", "deployments", "deployment", "Deployment", short_names=("deploy",),
                           subresources=("scale", "status"), categories=("all",), has_generation=True,
                           has_status=True)
REPLICASETS = ResourceType("apps", "v1", "replicasets", "replicaset", "ReplicaSet", short_names=("rs",),
                           subresources=("scale", "status"), categories=("all",), has_generation=True,
                           has_status=True)
HPAS = ResourceType("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
                    "HorizontalPodAutoscaler", short_names=("hpa",), subresources=("status",),
                    categories=("all",), has_generation=True, has_status=True)

JOBS = ResourceType("batch", "v1", "jobs", "job", "Job", subresources=("status",), categories=("all",),
                    has_generation=True, has_status=True)
CRONJOBS = ResourceType("batch", "v1", "cronjobs", "cronjob", "CronJob", short_names=("cj",),
                        subresources=("status",), categories=("all",), has_generation=True, has_status=True)

RESOURCES: tuple[ResourceType, ...] = (NAMESPACES, PODS, SERVICES, SECRETS, CONFIGMAPS, EVENTS, NODES,
                                       DEPLOYMENTS, REPLICASETS, HPAS, JOBS, CRONJOBS)

#: group -> versions served (preferred first)
GROUPS: dict[str, tuple[str, ...]] = {"apps": ("v1",), "autoscaling": ("v2",), "batch": ("v1",)}


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    for rt in RESOURCES:
        if rt.group == group and rt.version == version and rt.plural == plural:
            return rt
    return None


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    for rt in RESOURCES:
        if rt.kind == kind and rt.api_version == api_version:
            return rt
    return None


def group_versions() -> list[tuple[str, str]]:
    """Every served (group, version), the core group first."""
    return [("", "v1")] + [(g, v) for g, versions in GROUPS.items() for v in versions]

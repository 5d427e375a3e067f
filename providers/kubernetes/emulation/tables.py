"""``Table`` replies (meta.k8s.io/v1) for kubectl's human-readable output, with the columns
``kubectl get`` shows for each kind."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.resources import ResourceType
from cloudorch_providers.kubernetes.emulation.selectors import selector_to_string
from cloudorch_providers.kubernetes.emulation.timefmt import parse

Row = list[Any]
Column = tuple[str, str, int]  # name, type, priority


def age(stamp: str | None, now: float | None = None) -> str:
    """Durations as kubectl prints them: 45s, 3m12s, 17m, 5h3m, 2d."""
    if not stamp:
        return "<unknown>"
    seconds = max(int((now or time.time()) - parse(stamp)), 0)
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours = seconds // 60, seconds // 3600
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _pod_status(pod: dict[str, Any]) -> str:
    if _meta(pod).get("deletionTimestamp"):
        return "Terminating"
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return waiting["reason"]
    return (pod.get("status") or {}).get("phase", "Unknown")


def _pod_row(pod: dict[str, Any]) -> Row:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    return [f"{ready}/{total}", _pod_status(pod), restarts, age(_meta(pod).get("creationTimestamp")),
            (pod.get("status") or {}).get("podIP") or "<none>", (pod.get("spec") or {}).get("nodeName") or "<none>"]


def _containers(obj: dict[str, Any]) -> tuple[str, str]:
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _deployment_row(obj: dict[str, Any]) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(obj)
    return [f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}", status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), age(_meta(obj).get("creationTimestamp")), names, images,
            selector_to_string(spec.get("selector"))]


def _replicaset_row(obj: dict[str, Any]) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(obj)
    return [spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0),
            age(_meta(obj).get("creationTimestamp")), names, images, selector_to_string(spec.get("selector"))]


def _service_row(obj: dict[str, Any]) -> Row:
    spec = obj.get("spec") or {}
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress)
    if not external:
        external = "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    ports = ",".join(f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/"
                     f"{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
    selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "<none>"
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"), external, ports or "<none>",
            age(_meta(obj).get("creationTimestamp")), selector]


def _hpa_row(obj: dict[str, Any]) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    targets = ", ".join(
        f"{(m.get('resource') or {}).get('name', m.get('type', ''))}: <unknown>/"
        f"{((m.get('resource') or {}).get('target') or {}).get('averageUtilization', '?')}%"
        for m in spec.get("metrics") or []) or "<none>"
    return [f"{ref.get('kind')}/{ref.get('name')}", targets, spec.get("minReplicas", 1), spec.get("maxReplicas"),
            status.get("currentReplicas", 0), age(_meta(obj).get("creationTimestamp"))]


def _event_row(obj: dict[str, Any]) -> Row:
    involved = obj.get("involvedObject") or {}
    return [age(obj.get("lastTimestamp")), obj.get("type", ""), obj.get("reason", ""),
            f"{(involved.get('kind') or '').lower()}/{involved.get('name')}", obj.get("message", "")]


_S, _I = "string", "integer"
COLUMNS: dict[ResourceType, tuple[list[Column], Callable[[dict[str, Any]], Row]]] = {
    r.PODS: ([("Ready", _S, 0), ("Status", _S, 0), ("Restarts", _I, 0), ("Age", _S, 0), ("IP", _S, 1),
              ("Node", _S, 1)], _pod_row),
    r.DEPLOYMENTS: ([("Ready", _S, 0), ("Up-to-date", _I, 0), ("Available", _I, 0), ("Age", _S, 0),
                     ("Containers", _S, 1), ("Images", _S, 1), ("Selector", _S, 1)], _deployment_row),
    r.REPLICASETS: ([("Desired", _I, 0), ("Current", _I, 0), ("Ready", _I, 0), ("Age", _S, 0),
                     ("Containers", _S, 1), ("Images", _S, 1), ("Selector", _S, 1)], _replicaset_row),
    r.SERVICES: ([("Type", _S, 0), ("Cluster-IP", _S, 0), ("External-IP", _S, 0), ("Port(s)", _S, 0),
                  ("Age", _S, 0), ("Selector", _S, 1)], _service_row),
    r.HPAS: ([("Reference", _S, 0), ("Targets", _S, 0), ("MinPods", _I, 0), ("MaxPods", _I, 0),
              ("Replicas", _I, 0), ("Age", _S, 0)], _hpa_row),
    r.NAMESPACES: ([("Status", _S, 0), ("Age", _S, 0)],
                   lambda o: [(o.get("status") or {}).get("phase", ""), age(_meta(o).get("creationTimestamp"))]),
    r.SECRETS: ([("Type", _S, 0), ("Data", _I, 0), ("Age", _S, 0)],
                lambda o: [o.get("type", ""), len(o.get("data") or {}), age(_meta(o).get("creationTimestamp"))]),
    r.CONFIGMAPS: ([("Data", _I, 0), ("Age", _S, 0)],
                   lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {}),
                              age(_meta(o).get("creationTimestamp"))]),
    r.NODES: ([("Status", _S, 0), ("Roles", _S, 0), ("Age", _S, 0), ("Version", _S, 0)],
              lambda o: ["Ready", "control-plane", age(_meta(o).get("creationTimestamp")), "v1.32.0"]),
}
EVENT_COLUMNS: list[Column] = [("Last Seen", _S, 0), ("Type", _S, 0), ("Reason", _S, 0), ("Object", _S, 0),
                               ("Message", _S, 0)]


def wants_table(accept: str) -> bool:
    first = accept.split(",")[0]
    return "as=Table" in first


def table(rt: ResourceType, items: list[dict[str, Any]], resource_version: str, include: str) -> dict[str, Any]:
    """A Table of ``items``; ``include`` is the includeObject option (None, Metadata, Object)."""
    if rt is r.EVENTS:
        columns, render, named = EVENT_COLUMNS, _event_row, False
    else:
        columns, render = COLUMNS.get(rt, ([("Age", _S, 0)], lambda o: [age(_meta(o).get("creationTimestamp"))]))
        named = True
    definitions = ([{"name": "Name", "type": "string", "format": "name", "priority": 0,
                     "description": "Name must be unique within a namespace."}] if named else [])
    definitions += [{"name": n, "type": t, "format": "", "priority": p, "description": n} for n, t, p in columns]
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": ([_meta(obj).get("name")] if named else []) + render(obj)}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": _meta(obj)}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": definitions, "rows": rows}

"""Kubernetes logs: every container of every pod of the services (found by the app's labels), read with
``timestamps=True`` so each line starts with its RFC 3339 time, which orders the merged output.

A line names its replica by the pod's name without the ``{service}-`` prefix (``7d9c8b6f5-x2x4q``).
``since`` becomes ``sinceSeconds`` (whole seconds, rounded up) and is then applied exactly;
``tail`` is asked per container (the engine keeps the last N overall). A container that has not
started yet has no logs and is skipped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudorch.errors import CloudorchError
from cloudorch.provider import LogLine
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.clients import Kube
from cloudorch_providers.kubernetes.live.state import owner_selector

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


class _NoLogs(CloudorchError):
    """The container has no logs (yet): not an error for ``logs``."""


def parse_time(stamp: str) -> dt.datetime | None:
    """An RFC 3339 time with up to nanoseconds (Python keeps microseconds)."""
    found = _STAMP.match(stamp)
    if not found:
        return None
    whole, fraction, zone = found.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    zone = "+00:00" if zone == "Z" else zone
    return dt.datetime.fromisoformat(f"{whole}.{micro}{zone}")


def parse_lines(text: str, service: str, replica: str, container: str) -> list[LogLine]:
    lines = []
    last = dt.datetime.fromtimestamp(0, dt.UTC)
    for raw in text.splitlines():
        stamp, _, message = raw.partition(" ")
        when = parse_time(stamp)
        if when is None:  # a line without a time: keep it after the previous one
            when, message = last, raw
        last = when
        lines.append(LogLine(when, service, replica, container, message.rstrip("\r")))
    return lines


def read_logs(kube: Kube, app: str, namespace: str, services: Sequence[str], since: dt.datetime | None,
              tail: int | None) -> list[LogLine]:
    pods = kube.call(f"listing the pods of app {app} in namespace {namespace}", "core", "list_namespaced_pod",
                     namespace, label_selector=owner_selector(app)).get("items") or []
    wanted = set(services)
    jobs: list[tuple[str, str, str, str]] = []  # (service, pod, replica, container)
    for pod in pods:
        meta_ = pod.get("metadata") or {}
        service = (meta_.get("labels") or {}).get(meta.SERVICE_KEY)
        if service not in wanted:
            continue
        name = meta_.get("name", "")
        replica = name[len(service) + 1:] if name.startswith(f"{service}-") else name
        for container in (pod.get("spec") or {}).get("containers") or []:
            jobs.append((service, name, replica, container.get("name", "")))
    options: dict[str, Any] = {"timestamps": True}
    if since is not None:
        options["since_seconds"] = max(1, math.ceil((dt.datetime.now(dt.UTC) - since).total_seconds()))
    if tail:
        options["tail_lines"] = tail

    def no_logs(exc: Any) -> CloudorchError | None:
        return _NoLogs() if exc.status in (400, 404) else None

    def read(job: tuple[str, str, str, str]) -> list[LogLine]:
        service, pod, replica, container = job
        try:
            text = kube.call(f"reading the logs of pod {pod} container {container} in namespace {namespace}",
                             "core", "read_namespaced_pod_log", pod, namespace, container=container, text=True,
                             errors=no_logs, **options)
        except _NoLogs:
            return []
        return parse_lines(text, service, replica, container)

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="kube-logs") as pool:
        lines = [line for found in pool.map(read, jobs) for line in found]
    if since is not None:
        lines = [line for line in lines if line.time >= since]
    return sorted(lines)

"""Health checks as Kubernetes probes, on the service's main container.

- ``http: {path, port}`` -> ``httpGet: {path, port, scheme: HTTP}``; ``tcp: {port}`` ->
  ``tcpSocket: {port}``; ``command: [...]`` -> ``exec: {command: [...]}`` (the argv runs in the
  container without a shell, and Kubernetes does not expand ``$(VAR)`` in it).
- The same check becomes the ``readinessProbe`` (a failing replica leaves the Service's
  endpoints) and the ``livenessProbe`` (the container restarts after ``retries`` consecutive
  failures), both with ``periodSeconds = interval``, ``timeoutSeconds = timeout``,
  ``failureThreshold = retries`` and ``successThreshold: 1``.
- ``start_period`` adds a ``startupProbe`` with the same check and period, and
  ``failureThreshold = ceil(start_period / interval) + retries``: readiness and liveness wait for
  its first success, and a container that never succeeds is restarted after the start period plus
  ``retries`` failed checks, which is how Docker/ECS health checks treat their start period.
- Kubernetes counts probe times in whole seconds (at least 1): a duration such as ``1500ms`` is
  rounded up, and ``validate`` reports that as lossy.
"""

from __future__ import annotations

import math
from typing import Any

from cloudorch.spec.models import Health


def seconds(duration: float) -> int:
    """A probe duration in whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(duration))


def whole_seconds(health: Health) -> bool:
    """Whether every duration of ``health`` maps to probe seconds without rounding."""
    durations = [health.interval, health.timeout] + ([health.start_period] if health.start_period else [])
    return all(d >= 1 and d == int(d) for d in durations)


def check(health: Health) -> dict[str, Any]:
    if health.http is not None:
        return {"httpGet": {"path": health.http.path, "port": health.http.port, "scheme": "HTTP"}}
    if health.tcp is not None:
        return {"tcpSocket": {"port": health.tcp.port}}
    assert health.command is not None
    return {"exec": {"command": list(health.command)}}


def startup_threshold(health: Health) -> int:
    return math.ceil(health.start_period / seconds(health.interval)) + health.retries


def probes(health: Health | None) -> dict[str, Any]:
    """The probe fields of a container spec (empty without a health check)."""
    if health is None:
        return {}
    fields: dict[str, Any] = {"readinessProbe": _probe(health, health.retries),
                              "livenessProbe": _probe(health, health.retries)}
    if health.start_period:
        fields["startupProbe"] = _probe(health, startup_threshold(health))
    return fields


def _probe(health: Health, failures: int) -> dict[str, Any]:
    """A fresh probe dict (no sharing between probes, so YAML output has no anchors)."""
    return {**check(health), "periodSeconds": seconds(health.interval),
            "timeoutSeconds": seconds(health.timeout), "successThreshold": 1, "failureThreshold": failures}

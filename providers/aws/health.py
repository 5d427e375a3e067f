"""Spec health checks -> an ECS container ``healthCheck``.

ECS runs the check inside the container (Docker HEALTHCHECK semantics); a container that turns
UNHEALTHY is replaced by the service scheduler. There is no load balancer, so there is no
``healthCheckGracePeriodSeconds``: ``start_period`` becomes the container's own ``startPeriod``.

- ``command`` -> ``["CMD", *command]`` (exec form, exact).
- ``http`` -> ``["CMD-SHELL", "curl -fsS -o /dev/null URL || wget -q -O /dev/null URL || exit 1"]``
  with ``URL = http://127.0.0.1:{port}{path}``: lossy, the image needs curl or wget (and a shell);
  any 2xx/3xx answer counts as healthy (curl ``-f`` / wget fail on 4xx and 5xx).
- ``tcp`` -> ``["CMD-SHELL", "nc -z -w 2 127.0.0.1 PORT || bash -c 'exec 3<>/dev/tcp/127.0.0.1/PORT'
  || exit 1"]``: lossy, the image needs nc or bash.

Timing: ECS takes whole seconds within interval 5-300, timeout 2-60, startPeriod 0-300, retries
1-10 (the spec's own range). A fractional value is rounded up, an out-of-range value clamped, each
with a note; the spec's defaults (10s / 5s / 3) are always written since ECS's differ (30s / 5s / 3).
"""

from __future__ import annotations

import math
import shlex

from cloudorch.spec.models import Health
from cloudorch.spec.units import format_duration

#: ECS healthCheck field -> (spec field, minimum, maximum) in seconds
RANGES = {
    "interval": ("interval", 5, 300),
    "timeout": ("timeout", 2, 60),
    "startPeriod": ("start_period", 0, 300),
}


def probe(health: Health) -> list[str]:
    """The healthCheck ``command`` for the spec's check kind."""
    if health.command is not None:
        return ["CMD", *health.command]
    if health.http is not None:
        url = shlex.quote(f"http://127.0.0.1:{health.http.port}{health.http.path}")
        return ["CMD-SHELL", f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url} || exit 1"]
    assert health.tcp is not None
    port = health.tcp.port
    return ["CMD-SHELL",
            f"nc -z -w 2 127.0.0.1 {port} || bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' || exit 1"]


def timing(health: Health) -> tuple[dict[str, int], dict[str, str]]:
    """ECS's interval/timeout/retries/startPeriod, and a note per spec field that changed."""
    values: dict[str, int] = {"retries": health.retries}
    notes: dict[str, str] = {}
    for ecs_key, (spec_key, low, high) in RANGES.items():
        given = getattr(health, spec_key)
        whole = math.ceil(given)
        value = min(max(whole, low), high)
        if ecs_key == "startPeriod" and value == 0:
            continue
        values[ecs_key] = value
        if value != given:
            why = (f"rounded up to {value}s" if value == whole
                   else f"raised to ECS's minimum {value}s" if value > whole
                   else f"lowered to ECS's maximum {value}s")
            notes[spec_key] = f"{spec_key} {format_duration(given)} {why}"
    return values, notes


def health_check(health: Health) -> dict:
    values, _ = timing(health)
    return {"command": probe(health), **{k: values[k] for k in ("interval", "timeout", "retries",
                                                                 "startPeriod") if k in values}}

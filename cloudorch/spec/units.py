"""Parsers for the spec's unit-bearing values: durations, memory, cpu."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Mi|Gi)$")
_CPU_MILLI = re.compile(r"^(\d+)m$")


def parse_duration(value: object) -> float:
    """``"10s"``, ``"1m30s"``, ``"500ms"``, ``"2h"`` -> seconds. Bare numbers are refused: a unit
    is required so that ``interval: 10`` is never guessed."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("a duration needs a unit, e.g. '10s', '1m30s' or '500ms'")
    match = _DURATION.match(value.strip())
    if not value.strip() or not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration; use e.g. '10s', '1m30s' or '500ms'")
    h, m, s, ms = (int(g) if g else 0 for g in match.groups())
    return h * 3600 + m * 60 + s + ms / 1000


def format_duration(seconds: float) -> str:
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{int(round(seconds * 1000))}ms"


def parse_memory(value: object) -> int:
    """``"512Mi"`` or ``"1.5Gi"`` -> MiB (a whole number)."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("memory needs a unit, e.g. '512Mi' or '2Gi'")
    match = _MEMORY.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a memory size; use Mi or Gi, e.g. '512Mi' or '2Gi'")
    number, unit = float(match.group(1)), match.group(2)
    mib = number * (1024 if unit == "Gi" else 1)
    if mib != int(mib) or mib <= 0:
        raise ValueError(f"{value!r} must be a positive whole number of MiB")
    return int(mib)


def parse_cpu(value: object) -> float:
    """``0.5``, ``1``, ``"500m"`` -> vCPUs, in steps of 0.001."""
    if isinstance(value, bool):
        raise ValueError("cpu is a number of vCPUs (e.g. 0.5) or millicores (e.g. '500m')")
    if isinstance(value, str):
        match = _CPU_MILLI.match(value.strip())
        if not match:
            raise ValueError(f"{value!r} is not a cpu amount; use vCPUs (0.5) or millicores ('500m')")
        cpu = int(match.group(1)) / 1000
    elif isinstance(value, int | float):
        cpu = float(value)
    else:
        raise ValueError("cpu is a number of vCPUs (e.g. 0.5) or millicores (e.g. '500m')")
    if cpu <= 0:
        raise ValueError("cpu must be greater than 0")
    if round(cpu * 1000) != cpu * 1000:
        raise ValueError(f"cpu {value!r} is finer than a millicore (0.001)")
    return cpu


def millicores(cpu: float) -> int:
    return int(round(cpu * 1000))

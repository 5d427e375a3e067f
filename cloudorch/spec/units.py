"""Parsers for the spec's unit-bearing values: durations, memory, cpu."""

from __future__ import annotations

import math
import re

# Upper bounds from the clouds' own limits (the largest any supported cloud allows; a provider's
# validate reports its own narrower ones). CPU and memory: the largest GKE machine type a pod can be
# scheduled on, m2-ultramem-416 (416 vCPUs, 11,776 GB); ECS Fargate allows 16 vCPUs / 120 GiB and
# ACI 4 vCPUs / 16 GB per group in most regions.
MAX_CPU = 416.0
MAX_MEMORY_MIB = 11_776 * 1024

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


def bounded_duration(low: float, high: float):
    """A duration parser that refuses values outside ``low..high`` seconds, in the user's words."""

    def parse(value: object) -> float:
        seconds = parse_duration(value)
        if not low <= seconds <= high:
            raise ValueError(f"{value!r} is out of range: between {_words(low)} and {_words(high)}")
        return seconds

    return parse


def _words(seconds: float) -> str:
    if seconds and seconds % 3600 == 0:
        return f"{int(seconds) // 3600}h"
    return format_duration(seconds)


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
    if mib > MAX_MEMORY_MIB:
        raise ValueError(f"{value!r} is more memory than any cloud gives one replica (at most "
                         f"{MAX_MEMORY_MIB // 1024}Gi)")
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
    if not math.isfinite(cpu) or cpu > MAX_CPU:
        shown = f"cpu {value!r}" if math.isfinite(cpu) else "this cpu amount"
        raise ValueError(f"{shown} is more than any cloud gives one replica (at most {MAX_CPU:g} vCPUs)")
    if cpu <= 0:
        raise ValueError("cpu must be greater than 0")
    if round(cpu * 1000) != cpu * 1000:
        raise ValueError(f"cpu {value!r} is finer than a millicore (0.001)")
    return cpu


def millicores(cpu: float) -> int:
    return int(round(cpu * 1000))

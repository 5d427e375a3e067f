"""Parsers for compose's compact value forms: ports, volumes, durations, memory sizes, cpus."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PORT = re.compile(
    r"^(?:(?P<ip>\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:]*):)??"
    r"(?:(?P<published>\d+(?:-\d+)?)?:)?(?P<target>\d+(?:-\d+)?)(?:/(?P<protocol>[a-z]+))?$"
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$", re.I)
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}


@dataclass(frozen=True)
class PortSpec:
    target: str  # "80" or a range "3000-3005"
    published: str | None
    host_ip: str | None
    protocol: str
    app_protocol: str | None = None


def parse_port(item: Any) -> PortSpec:
    """Short syntax (``"8080:80"``, ``"127.0.0.1:9229:9229"``, ``"53:53/udp"``, ``3000``) or
    long syntax (``{target, published, host_ip, protocol, app_protocol}``)."""
    if isinstance(item, dict):
        if "target" not in item:
            raise ValueError("a port in long syntax needs 'target'")
        published = item.get("published")
        return PortSpec(str(item["target"]), None if published in (None, "") else str(published),
                        item.get("host_ip"), str(item.get("protocol") or "tcp").lower(), item.get("app_protocol"))
    text = str(item).strip()
    match = _PORT.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a port ([HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL])")
    ip = match.group("ip")
    return PortSpec(match.group("target"), match.group("published"), ip.strip("[]") if ip else None,
                    (match.group("protocol") or "tcp").lower())


def port_key(item: Any) -> tuple:
    """The unique key of a ports entry when files merge: host ip, target, published, protocol."""
    try:
        p = parse_port(item)
    except ValueError:
        return (str(item),)
    return (p.host_ip, p.target, p.published, p.protocol)


def port_range(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


@dataclass(frozen=True)
class Mount:
    kind: str  # volume | bind | tmpfs | anonymous
    source: str | None
    target: str
    read_only: bool = False


def parse_volume(item: Any, named: set[str]) -> Mount:
    """``SOURCE:TARGET[:MODE]``, ``TARGET`` (anonymous) or the long syntax."""
    if isinstance(item, dict):
        kind = str(item.get("type") or "volume")
        source = item.get("source")
        if kind == "volume" and not source:
            kind = "anonymous"
        return Mount(kind, source, str(item.get("target", "")), bool(item.get("read_only")))
    text = str(item)
    parts = text.split(":")
    if len(parts) == 1:
        return Mount("anonymous", None, parts[0])
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) > 2 else ""
    read_only = "ro" in mode.split(",")
    if source.startswith((".", "/", "~")) or source not in named and ("/" in source or "\\" in source):
        return Mount("bind", source, target, read_only)
    return Mount("volume", source, target, read_only)


def volume_target(item: Any) -> Any:
    """The unique key of a volumes / secrets / configs entry when files merge: its target."""
    if isinstance(item, dict):
        return item.get("target") or item.get("source")
    text = str(item)
    parts = text.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def duration_seconds(value: Any) -> float:
    """Compose durations (``"1m30s"``, ``"10s"``, ``"500ms"``, ``"1.5s"``) in seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        return float(value) / 1e9  # a bare number is nanoseconds (the engine API unit)
    text = str(value).strip()
    pos, total = 0, 0.0
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * units[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"{text!r} is not a duration (e.g. 10s, 1m30s, 500ms)")
    return total


def cloudorch_duration(seconds: float) -> str:
    """Seconds as a cloudorch duration: whole seconds, else whole milliseconds."""
    ms = max(int(round(seconds * 1000)), 1)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def size_mib(value: Any) -> float:
    """Compose byte sizes (``"512m"``, ``"1gb"``, ``"2G"``, ``1073741824``) in MiB."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int | float):
        return float(value) / (1024 * 1024)
    match = _SIZE.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a size (e.g. 512m, 1g)")
    factor = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}[match.group(2).lower()]
    return float(match.group(1)) * factor

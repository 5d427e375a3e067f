"""Azure logs: ``containers.list_logs`` of every replica's (group's) every container, merged.

ACI keeps the current run's output of each container. Lines are asked for with
``timestamps=true`` (an RFC 3339 time starts each line); a line without one (an API version or
container that gives none) gets the time of reading, a microsecond apart per line so the
container's own order survives the merge. ``tail`` is passed to ACI per container (the last N
overall are among every container's last N) and the engine keeps the last N overall; ``since``
filters by the lines' times.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudorch.provider import LogLine
from cloudorch_providers.azure.live.clients import Clients, azure_errors, is_not_found
from cloudorch_providers.azure.live.state import Live, props, replica_of, service_of

_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?\s?")


def parse_line(text: str, fallback: dt.datetime) -> tuple[dt.datetime, str]:
    """``(time, message)`` of one line: its leading timestamp, else ``fallback``."""
    match = _STAMP.match(text)
    if not match:
        return fallback, text
    whole, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone in (None, "Z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        when = dt.datetime.fromisoformat(f"{whole}.{micro}{zone}")
    except ValueError:
        return fallback, text
    return when, text[match.end():]


def container_lines(az: Clients, resource_group: str, group: dict[str, Any], container: str,
                    tail: int | None) -> list[LogLine]:
    from azure.core.exceptions import HttpResponseError

    name = group["name"]
    with azure_errors(f"reading logs of container {container} in container group {name}"):
        try:
            reply = az.aci.containers.list_logs(resource_group, name, container, tail=tail, timestamps=True)
        except HttpResponseError as exc:
            if is_not_found(exc):  # deleted meanwhile, or not started yet
                return []
            raise
    read_at = dt.datetime.now(dt.UTC)
    texts = (reply.content or "").splitlines()
    service, replica = service_of(group) or name, str(replica_of(group))
    lines = []
    for index, text in enumerate(texts):
        fallback = read_at - dt.timedelta(microseconds=len(texts) - index)
        when, message = parse_line(text, fallback)
        lines.append(LogLine(when, service, replica, container, message.rstrip("\r")))
    return lines


def read_logs(az: Clients, resource_group: str, app: str, live: Live, services: Sequence[str],
              since: dt.datetime | None, tail: int | None) -> list[LogLine]:
    targets = [(group, container.get("name"))
               for group in live.owned_groups(app, services).values()
               for container in props(group).get("containers") or []]
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
        chunks = list(pool.map(lambda t: container_lines(az, resource_group, t[0], t[1], tail), targets))
    lines = [line for chunk in chunks for line in chunk]
    if since is not None:
        lines = [line for line in lines if line.time >= since]
    return sorted(lines)

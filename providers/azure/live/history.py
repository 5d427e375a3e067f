"""Revisions of an ACI service, recorded by cloudorch in the container groups' own tags.

ACI keeps no history: a PUT replaces a group's definition and the previous one is gone. So every
PUT cloudorch makes (deploy, scale, rollback) records the body it sends in the group's tags, where
ARM keeps it with the group:

- ``cloudorch-rev``: the group's current revision number (1 for the first PUT, then +1 per PUT);
- ``cloudorch-rev-<N>-<i>``: chunk ``i`` of revision ``N``'s record, a zlib-compressed, base64 JSON
  ``{"n", "t" (Unix time), "h" (the body's revision hash), "b" (the PUT body without its tags)}``.
  Bodies hold secret placeholders, never values, so no secret is ever written to a tag.

Limits (ARM: 50 tags per resource, values of at most 256 characters): the last :data:`KEEP`
revisions are kept (the current one included), fewer when the app's labels leave less room, and a
record longer than :data:`MAX_CHUNKS` tags is kept without its body (listed by ``history``, refused
by ``rollback``). Each group keeps its own records; a group created later (a scale-up) has only the
revisions since. Deleting a group (destroy, scale down) deletes its history with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib
from typing import Any

from cloudorch.provider import Revision
from cloudorch_providers.azure.limits import MAX_TAGS

REV_TAG = "cloudorch-rev"
RECORD = re.compile(r"^cloudorch-rev-(\d+)-(\d+)$")
KEEP = 3
CHUNK = 256  # ARM's longest tag value
MAX_CHUNKS = 6


def history_tag(key: str) -> bool:
    return key == REV_TAG or bool(RECORD.match(key))


def recorded(tags: dict[str, str] | None) -> dict[str, str]:
    """The history tags among a group's tags (what a PUT or a tag update of it must carry on)."""
    return {k: v for k, v in (tags or {}).items() if history_tag(k)}


def _encode(record: dict[str, Any]) -> list[str]:
    text = base64.b64encode(zlib.compress(json.dumps(record, sort_keys=True, separators=(",", ":")).encode(),
                                          9)).decode()
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)]


def records(tags: dict[str, str] | None) -> dict[int, dict[str, Any]]:
    """The revisions recorded in a group's tags, by number (a damaged record is skipped)."""
    parts: dict[int, dict[int, str]] = {}
    for key, value in (tags or {}).items():
        match = RECORD.match(key)
        if match:
            parts.setdefault(int(match[1]), {})[int(match[2])] = value
    found = {}
    for number, chunks in parts.items():
        try:
            text = "".join(chunks[i] for i in range(len(chunks)))
            found[number] = json.loads(zlib.decompress(base64.b64decode(text)))
        except (KeyError, ValueError, zlib.error):
            continue
    return found


def recorded_tags(live_tags: dict[str, str] | None, body: dict[str, Any], now: float) -> dict[str, str]:
    """``body``'s tags plus the history tags that record it as the group's next revision, keeping as
    many of the earlier records in ``live_tags`` as fit."""
    from cloudorch_providers.azure.live.compare import revision

    tags = {k: v for k, v in (body.get("tags") or {}).items() if not history_tag(k)}
    number = int((live_tags or {}).get(REV_TAG, "0") or 0) + 1
    plain = {k: v for k, v in body.items() if k != "tags"}
    record = {"n": number, "t": round(now, 3), "h": revision(body), "b": plain}
    chunks = _encode(record)
    if len(chunks) > MAX_CHUNKS:
        chunks = _encode({**record, "b": None})
    kept: list[tuple[int, list[str]]] = [(number, chunks)]
    earlier = records(live_tags)
    for n in sorted(earlier, reverse=True)[:KEEP - 1]:
        kept.append((n, _encode(earlier[n])))
    out = dict(tags, **{REV_TAG: str(number)})
    for n, parts in kept:
        if len(out) + len(parts) > MAX_TAGS - 1:  # room for the secret hash tag
            break
        out.update({f"cloudorch-rev-{n}-{i}": part for i, part in enumerate(parts)})
    return out


def revisions(tags: dict[str, str] | None) -> list[Revision]:
    """A group's recorded revisions, oldest first (``document``: what plan shows of the body)."""
    from cloudorch_providers.azure.live.compare import shown

    current = (tags or {}).get(REV_TAG)
    found = []
    for number, record in sorted(records(tags).items()):
        body = record.get("b")
        image = ""
        document: dict[str, Any] = {}
        if body:
            containers = (body.get("properties") or {}).get("containers") or [{}]
            image = (containers[0].get("properties") or {}).get("image", "")
            document = shown(body, {})
            document.pop("tags", None)
        found.append(Revision(str(number), dt.datetime.fromtimestamp(record.get("t") or 0, dt.UTC), image,
                              str(number) == current, document=document, payload=record))
    return found

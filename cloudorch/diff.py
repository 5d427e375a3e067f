"""Comparing what a provider wants with what the cloud has: which fields differ.

Clouds echo back more than they were sent (defaults, ids, timestamps), so ``differences`` treats
the desired document as a subset: every key it names must match, keys it does not name are
ignored, and a desired ``None`` means "must be absent or empty". Empty lists, empty mappings and
``None`` are the same thing; ``1`` equals ``1.0``.
"""

from __future__ import annotations

from typing import Any


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def differences(desired: Any, live: Any, path: str = "") -> list[str]:
    """Dotted paths (``containerDefinitions.0.environment``) where ``live`` does not match."""
    if _empty(desired):
        return [] if _empty(live) else [path or "."]
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return [path or "."]
        found: list[str] = []
        for key, value in desired.items():
            found += differences(value, live.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(desired, list):
        if not isinstance(live, list) or len(live) != len(desired):
            return [path or "."]
        if any(differences(d, v) for d, v in zip(desired, live, strict=True)):
            return [path or "."]
        return []
    if isinstance(desired, bool) or isinstance(live, bool):
        return [] if desired is live else [path or "."]
    if isinstance(desired, int | float) and isinstance(live, int | float):
        return [] if float(desired) == float(live) else [path or "."]
    return [] if desired == live else [path or "."]


def top_fields(paths: list[str]) -> list[str]:
    """``["a.b.c", "a.d", "e"]`` -> ``["a", "e"]``: the first component of each, in order."""
    seen: dict[str, None] = {}
    for p in paths:
        seen.setdefault(p.split(".", 1)[0], None)
    return list(seen)

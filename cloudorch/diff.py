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


# -- values ---------------------------------------------------------------------------------------
def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _keyed(items: Any) -> dict[str, Any] | None:
    """A list of mappings each with a distinct ``name`` (containers, env entries) by that name."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str)
                                              for i in items):
        return None
    by_name = {i["name"]: i for i in items}
    return by_name if len(by_name) == len(items) else None


def project(live: Any, desired: Any) -> Any:
    """``live`` cut down to the keys ``desired`` names (what the cloud adds is left out of a shown value)."""
    if isinstance(live, dict) and isinstance(desired, dict):
        return {k: project(live.get(k), v) for k, v in desired.items() if k in live}
    if isinstance(live, list) and isinstance(desired, list) and len(live) == len(desired):
        return [project(lv, dv) for lv, dv in zip(live, desired, strict=True)]
    return live


def value_diff(desired: Any, live: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """``(path, live, desired)`` for each field where ``live`` does not match, with the same rules as
    :func:`differences`; lists of named mappings are matched by name (``containers[web].image``),
    other lists are shown whole. Values are raw: the caller masks secrets (:mod:`cloudorch.secretmask`)."""
    if not differences(desired, live):
        return []
    if isinstance(desired, dict) and isinstance(live, dict):
        found: list[tuple[str, Any, Any]] = []
        for key, value in desired.items():
            found += value_diff(value, live.get(key), _join(path, key))
        return found
    want, have = _keyed(desired), _keyed(live)
    if want is not None and have is not None and [n for n in want if n in have] == [n for n in have if n in want]:
        found = []
        for name, item in want.items():
            found += value_diff(item, have.get(name), f"{path}[{name}]")
        found += [(f"{path}[{name}]", item, None) for name, item in have.items() if name not in want]
        if found:
            return found
    if _empty(desired):
        return [(path or ".", live, None)]
    return [(path or ".", project(live, desired), desired)]


def field_diffs(desired: Any, live: Any, mask: Any, kind: str = "") -> list[Any]:
    """The :class:`~cloudorch.results.FieldDiff` list a plan shows for one resource: :func:`value_diff`
    with every value passed through ``mask`` (a :class:`~cloudorch.secretmask.Mask`)."""
    from cloudorch.results import FieldDiff

    return [FieldDiff(path, plain(mask.at(path, have, kind)), plain(mask.at(path, want, kind)))
            for path, have, want in value_diff(desired, live)]


def plain(value: Any) -> Any:
    """Tuples as lists, other non-JSON leaves as text: what JSON and YAML print."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)

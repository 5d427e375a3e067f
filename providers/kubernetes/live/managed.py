"""What a server-side apply of a manifest would *remove*: the fields cloudorch's apply owns in the live
object (``metadata.managedFields``, manager ``cloudorch``, operation ``Apply``) that the manifest no
longer sets.

The value diff (:func:`cloudorch.diff.differences`, desired as a subset of live) sees every field the
manifest sets; it cannot see a field the spec stopped setting (a dropped ``command``, env var or
probe), because the API server keeps it until the next apply removes it. The managed fields say
exactly which ones those are, in the ``FieldsV1`` format: ``f:<field>`` for a map key,
``k:<json key>`` for an item of an associative list (containers by name, ports by port and protocol,
...), ``v:<json value>`` for a set item, ``.`` for the item itself.
"""

from __future__ import annotations

import json
from typing import Any

from cloudorch_providers.kubernetes.live.clients import FIELD_MANAGER

MISSING = object()


def applied_fields(obj: dict[str, Any] | None, manager: str = FIELD_MANAGER) -> dict[str, Any] | None:
    """The ``fieldsV1`` tree of ``manager``'s Apply entry on ``obj`` (None: it never applied it)."""
    for entry in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        if (entry.get("manager") == manager and entry.get("operation") == "Apply"
                and not entry.get("subresource")):
            return entry.get("fieldsV1") or {}
    return None


def _matches(item: Any, key: dict[str, Any]) -> bool:
    return isinstance(item, dict) and all(
        item.get(k, "TCP" if k == "protocol" else None) == v for k, v in key.items())


def _child(node: Any, element: str) -> Any:
    """The part of the desired manifest that a FieldsV1 element names (MISSING when absent)."""
    if element.startswith("f:"):
        if isinstance(node, dict) and node.get(element[2:]) is not None:
            return node[element[2:]]
        return MISSING
    if element.startswith("k:") and isinstance(node, list):
        key = json.loads(element[2:])
        return next((item for item in node if _matches(item, key)), MISSING)
    if element.startswith("v:") and isinstance(node, list):
        value = json.loads(element[2:])
        return value if value in node else MISSING
    if element.startswith("i:") and isinstance(node, list):
        index = int(element[2:])
        return node[index] if index < len(node) else MISSING
    return MISSING


def describe(path: list[str]) -> str:
    """``spec.template.spec.containers{name=api}.command`` (braces, not brackets: tables render
    ``[...]`` as markup)."""
    text = ""
    for element in path:
        if element.startswith("f:"):
            text += ("." if text else "") + element[2:]
        elif element.startswith("k:"):
            key = json.loads(element[2:])
            text += "{" + ",".join(f"{k}={v}" for k, v in key.items()) + "}"
        else:
            text += "{" + element[2:] + "}"
    return text


def removed_fields(obj: dict[str, Any] | None, desired: dict[str, Any]) -> list[str]:
    """Fields cloudorch applied to ``obj`` before that ``desired`` no longer sets: what the next
    server-side apply of ``desired`` would remove (shallowest first, one per removed subtree)."""
    tree = applied_fields(obj)
    found: list[str] = []

    def walk(fields: dict[str, Any], node: Any, path: list[str]) -> None:
        for element, child in fields.items():
            if element == ".":
                continue
            value = _child(node, element)
            if value is MISSING:
                found.append(describe(path + [element]))
            elif child:
                walk(child, value, path + [element])

    if tree:
        walk(tree, desired, [])
    return found

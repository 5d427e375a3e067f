"""Patches: JSON merge patch (RFC 7386), strategic merge patch (the subset kubectl and clients send)
and JSON patch (RFC 6902). Also the table of associative lists that server-side apply shares."""

from __future__ import annotations

import copy
from typing import Any

from cloudorch_providers.kubernetes.emulation.errors import ApiError, bad_request

#: list fields merged item by item, by field name (context-free, good enough for the served kinds)
_LIST_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",), "initContainers": ("name",), "ephemeralContainers": ("name",),
    "volumes": ("name",), "env": ("name",), "imagePullSecrets": ("name",),
    "volumeMounts": ("mountPath",), "volumeDevices": ("devicePath",), "conditions": ("type",),
    "ownerReferences": ("uid",), "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
}


def list_keys(field: str | None, items: list[Any]) -> tuple[str, ...] | None:
    """Key fields of an associative list (``None`` when the list is atomic)."""
    if field == "ports":
        keys: tuple[str, ...] | None = (
            ("containerPort", "protocol") if any(isinstance(i, dict) and "containerPort" in i for i in items)
            else ("port", "protocol"))
    else:
        keys = _LIST_KEYS.get(field or "")
    if keys is None or not all(isinstance(i, dict) and keys[0] in i for i in items):
        return None
    return keys


def item_key(keys: tuple[str, ...], item: dict[str, Any]) -> dict[str, Any]:
    """The identity of a list item: its key fields (a missing protocol means TCP, as defaulting does)."""
    key = {}
    for k in keys:
        if k in item:
            key[k] = item[k]
        elif k == "protocol":
            key[k] = "TCP"
    return key


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, ``null`` deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _strip(value: Any) -> Any:
    """Drop strategic-merge directives (``$patch``, ``$setElementOrder/...``) from a value."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


_DELETE = object()


def strategic_merge(original: Any, patch: Any, field: str | None = None) -> Any:
    """Apply a strategic merge patch: like a merge patch, but lists of containers, env, ports, volumes,
    ... merge by their key, and the directives ``$patch`` (replace/delete/merge), ``$retainKeys``,
    ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>`` are honoured."""
    if not isinstance(patch, dict) or not isinstance(original, dict):
        if isinstance(patch, dict) and patch.get("$patch") == "delete":
            return _DELETE
        return _strip(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip(patch)
    if directive == "delete":
        return _DELETE
    result = copy.deepcopy(original)
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
        elif key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            result[name] = [x for x in result.get(name) or [] if x not in value]
        elif key.startswith("$"):
            continue
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, key)
        else:
            merged = strategic_merge(result.get(key), value, key)
            if merged is _DELETE:
                result.pop(key, None)
            else:
                result[key] = merged
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    for name, order in orders.items():
        if isinstance(result.get(name), list):
            result[name] = _reorder(result[name], order, name)
    return result


def _merge_list(original: Any, patch: list[Any], field: str) -> list[Any]:
    original = original if isinstance(original, list) else []
    items = [i for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    if len(items) != len(patch):  # {"$patch": "replace"} inside a list: the rest replaces the list
        return _strip(items)
    keys = list_keys(field, original + [i for i in items if isinstance(i, dict) and "$patch" not in i])
    if keys is None:
        return _strip(items)
    merge_key = keys[0]
    result = copy.deepcopy(original)
    for item in items:
        position = next((n for n, old in enumerate(result) if old.get(merge_key) == item.get(merge_key)), None)
        if item.get("$patch") == "delete":
            if position is not None:
                del result[position]
        elif position is None:
            result.append(_strip(item))
        else:
            result[position] = strategic_merge(result[position], item, None)
    return result


def _reorder(items: list[Any], order: list[Any], field: str) -> list[Any]:
    keys = list_keys(field, items)

    def identity(item: Any) -> Any:
        return item.get(keys[0]) if keys and isinstance(item, dict) else item

    wanted = [identity(o) for o in order]
    ranked = sorted(range(len(items)),
                    key=lambda n: (wanted.index(identity(items[n])) if identity(items[n]) in wanted
                                   else len(wanted) + n))
    return [items[n] for n in ranked]


# -- JSON patch ----------------------------------------------------------------------------------------
def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts[:-1]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ApiError(422, f"the server rejected our request due to an error in our request: "
                                f"path /{'/'.join(parts)} not found") from exc
    return node


def json_patch(doc: Any, operations: list[dict[str, Any]]) -> Any:
    """RFC 6902 operations: add, remove, replace, move, copy, test."""
    doc = copy.deepcopy(doc)
    for op in operations:
        kind, parts = op.get("op"), _pointer(op.get("path", ""))
        if kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            value = copy.deepcopy(_get(doc, source))
            if kind == "move":
                _remove(doc, source)
            doc = _add(doc, parts, value)
        elif kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, parts)
        elif kind == "replace":
            _remove(doc, parts)
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "test":
            if _get(doc, parts) != op.get("value"):
                raise ApiError(422, f"testing value /{'/'.join(parts)} failed")
        else:
            raise bad_request(f"unexpected JSON patch operation {kind!r}")
    return doc


def _get(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return doc
    node = _parent(doc, parts)
    try:
        return node[int(parts[-1])] if isinstance(node, list) else node[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ApiError(422, f"path /{'/'.join(parts)} not found") from exc


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    node = _parent(doc, parts)
    if isinstance(node, list):
        index = len(node) if parts[-1] == "-" else int(parts[-1])
        node.insert(index, value)
    elif isinstance(node, dict):
        node[parts[-1]] = value
    else:
        raise ApiError(422, f"path /{'/'.join(parts)} has no parent object")
    return doc


def _remove(doc: Any, parts: list[str]) -> None:
    node = _parent(doc, parts)
    try:
        if isinstance(node, list):
            del node[int(parts[-1])]
        else:
            del node[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ApiError(422, f"path /{'/'.join(parts)} not found: unable to remove") from exc

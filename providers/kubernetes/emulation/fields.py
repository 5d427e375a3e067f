"""Field ownership for server-side apply: field paths, ``FieldsV1`` and ``metadata.managedFields``.

A field path is a tuple of FieldsV1 keys, e.g. ``("f:spec", "f:template", "f:spec", "f:containers",
'k:{"name":"web"}', "f:image")``. Each manager (an entry of managedFields: manager, operation,
subresource) owns a set of paths: leaves (scalars, atomic lists and maps such as ``selector``) and the
items of associative lists (containers by name, ports by port and protocol, env by name, ...).

- An *Update* (create, PUT, merge/strategic patch, scale, status) gives its manager the paths whose
  values it changed and takes them from everyone else, without conflicts.
- An *Apply* gives its manager exactly the paths of the applied configuration. Applying a different
  value to a leaf another manager owns is a conflict (409) unless ``force``, which takes ownership;
  paths this manager applied before but no longer applies are removed from the object when nobody else
  owns them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from cloudorch_providers.kubernetes.emulation.errors import ApiError
from cloudorch_providers.kubernetes.emulation.merge import item_key, list_keys
from cloudorch_providers.kubernetes.emulation.resources import ResourceType
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

Path = tuple[str, ...]
ITEM = "<list item>"  # the value recorded for an associative-list item itself
MISSING = object()

#: maps owned as one value (their keys are not tracked one by one)
ATOMIC_FIELDS = {"selector", "labelSelector", "namespaceSelector", "nodeSelector"}
#: metadata the server sets; nobody owns it
SYSTEM_METADATA = {"name", "namespace", "generateName", "uid", "resourceVersion", "generation",
                   "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
                   "selfLink"}



# -- paths ---------------------------------------------------------------------------------------------
def _key_element(keys: tuple[str, ...], item: dict[str, Any]) -> str:
    return "k:" + json.dumps(item_key(keys, item), sort_keys=True, separators=(",", ":"))


def _walk(value: Any, path: Path, name: str | None, out: dict[Path, Any]) -> None:
    if isinstance(value, dict) and value and name not in ATOMIC_FIELDS:
        for key, child in value.items():
            _walk(child, path + (f"f:{key}",), key, out)
        return
    if isinstance(value, list) and value:
        keys = list_keys(name, value)
        if keys:
            for item in value:
                item_path = path + (_key_element(keys, item),)
                out[item_path] = ITEM
                for key, child in item.items():
                    _walk(child, item_path + (f"f:{key}",), key, out)
            return
    out[path] = value


def flatten(obj: dict[str, Any] | None, section: str = "main") -> dict[Path, Any]:
    """Every owned path of ``obj`` and its value. ``section`` "main" covers all but status (and the
    server-set metadata); "status" covers only status."""
    out: dict[Path, Any] = {}
    for key, value in (obj or {}).items():
        if key in ("apiVersion", "kind") or (key == "status") != (section == "status"):
            continue
        if key == "metadata" and isinstance(value, dict):
            for meta_key, meta_value in value.items():
                if meta_key not in SYSTEM_METADATA:
                    _walk(meta_value, ("f:metadata", f"f:{meta_key}"), meta_key, out)
        else:
            _walk(value, (f"f:{key}",), key, out)
    return out


def describe(path: Path) -> str:
    """``.spec.template.spec.containers[name="web"].image``: how conflict messages name a path."""
    text = ""
    for element in path:
        if element.startswith("f:"):
            text += "." + element[2:]
        else:
            key = json.loads(element[2:])
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in key.items()) + "]"
    return text


def _matches(item: Any, key: dict[str, Any]) -> bool:
    return isinstance(item, dict) and all(
        item.get(k, "TCP" if k == "protocol" else None) == v for k, v in key.items())


def remove_at(obj: dict[str, Any], path: Path) -> None:
    """Delete the field or list item at ``path``, then drop maps left empty by it."""
    chain: list[Any] = [obj]
    node: Any = obj
    for element in path[:-1]:
        if element.startswith("f:"):
            node = node.get(element[2:]) if isinstance(node, dict) else None
        else:
            key = json.loads(element[2:])
            node = next((i for i in node if _matches(i, key)), None) if isinstance(node, list) else None
        if node is None:
            return
        chain.append(node)
    last = path[-1]
    if last.startswith("f:") and isinstance(node, dict):
        node.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(node, list):
        key = json.loads(last[2:])
        node[:] = [i for i in node if not _matches(i, key)]
    for depth in range(len(chain) - 1, 1, -1):  # prune empty maps, never a top-level section itself
        child, parent, element = chain[depth], chain[depth - 1], path[depth - 1]
        if isinstance(child, dict) and not child and element.startswith("f:") and isinstance(parent, dict):
            parent.pop(element[2:], None)


# -- FieldsV1 ------------------------------------------------------------------------------------------
def encode(paths: set[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for element in path:
            node = node.setdefault(element, {})
        if path and path[-1].startswith("k:"):
            node["."] = {}
    return root


def decode(fields: dict[str, Any], prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for key, child in (fields or {}).items():
        if key == ".":
            paths.add(prefix)
        elif not child:
            paths.add(prefix + (key,))
        else:
            paths |= decode(child, prefix + (key,))
    return paths


@dataclass
class Entry:
    manager: str
    operation: str  # "Apply" or "Update"
    api_version: str
    subresource: str = ""
    time: str = field(default_factory=rfc3339)
    paths: set[Path] = field(default_factory=set)

    def same(self, manager: str, operation: str, subresource: str) -> bool:
        return (self.manager, self.operation, self.subresource) == (manager, operation, subresource)

    def label(self) -> str:
        sub = f' with subresource "{self.subresource}"' if self.subresource else ""
        return f'"{self.manager}"{sub}'

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"manager": self.manager, "operation": self.operation,
                                 "apiVersion": self.api_version, "time": self.time,
                                 "fieldsType": "FieldsV1", "fieldsV1": encode(self.paths)}
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def read_entries(obj: dict[str, Any] | None) -> list[Entry]:
    entries = []
    for raw in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        entries.append(Entry(raw.get("manager", ""), raw.get("operation", "Update"), raw.get("apiVersion", ""),
                             raw.get("subresource", ""), raw.get("time") or rfc3339(),
                             decode(raw.get("fieldsV1") or {})))
    return entries


def write_entries(obj: dict[str, Any], entries: list[Entry]) -> None:
    kept = [e.to_json() for e in entries if e.paths]
    if kept:
        obj["metadata"]["managedFields"] = kept
    else:
        obj["metadata"].pop("managedFields", None)


def _entry(entries: list[Entry], manager: str, operation: str, subresource: str, api_version: str) -> Entry:
    for entry in entries:
        if entry.same(manager, operation, subresource):
            return entry
    entry = Entry(manager, operation, api_version, subresource)
    entries.append(entry)
    return entry


# -- Update --------------------------------------------------------------------------------------------
def record_update(old: dict[str, Any] | None, new: dict[str, Any], manager: str, subresource: str,
                  api_version: str) -> None:
    """Give ``manager`` the paths it changed from ``old`` to ``new`` (in place on new's metadata)."""
    section = "status" if subresource == "status" else "main"
    old_flat, new_flat = flatten(old, section), flatten(new, section)
    changed = {p for p, v in new_flat.items() if old_flat.get(p, MISSING) != v}
    gone = set(old_flat) - set(new_flat)
    entries = read_entries(old)
    for entry in entries:
        entry.paths -= gone | changed
    if changed:
        mine = _entry(entries, manager, "Update", subresource, api_version)
        mine.paths |= changed
        mine.time = rfc3339()
    write_entries(new, entries)


# -- Apply ---------------------------------------------------------------------------------------------
def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def merge_applied(live: Any, applied: Any, name: str | None = None) -> Any:
    """Merge an applied configuration into the live object: maps recursively, associative lists item by
    item, everything else replaced."""
    if isinstance(applied, dict) and isinstance(live, dict) and name not in ATOMIC_FIELDS:
        result = copy.deepcopy(live)
        for key, value in applied.items():
            result[key] = merge_applied(live.get(key), value, key)
        return result
    if isinstance(applied, list) and isinstance(live, list):
        keys = list_keys(name, applied + live)
        if keys:
            result, used = [], set()
            for item in applied:
                key = item_key(keys, item)
                index = next((n for n, old in enumerate(live) if n not in used and _matches(old, key)), None)
                if index is None:
                    result.append(copy.deepcopy(item))
                else:
                    used.add(index)
                    result.append(merge_applied(live[index], item))
            return result + [copy.deepcopy(old) for n, old in enumerate(live) if n not in used]
    return copy.deepcopy(applied)


def conflict_error(rt: ResourceType, name: str, conflicts: list[tuple[Entry, Path]]) -> ApiError:
    groups: dict[tuple[str, str], list[str]] = {}
    for entry, path in conflicts:
        groups.setdefault((entry.label(), entry.api_version), []).append(describe(path))
    parts = []
    for (label, api_version), paths in groups.items():
        if len(paths) == 1:
            parts.append(f"conflict with {label} using {api_version}: {paths[0]}")
        else:
            parts.append(f"conflicts with {label} using {api_version}:\n" + "\n".join(f"- {p}" for p in paths))
    count = len(conflicts)
    message = f"Apply failed with {count} conflict{'s' if count > 1 else ''}: " + "\n".join(parts)
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {e.label()} using {e.api_version}",
               "field": describe(p)} for e, p in conflicts]
    details: dict[str, Any] = {"name": name, "kind": rt.plural, "causes": causes}
    if rt.group:
        details["group"] = rt.group
    return ApiError(409, message, "Conflict", details)


def apply(rt: ResourceType, live: dict[str, Any] | None, applied: dict[str, Any], manager: str,
          force: bool) -> dict[str, Any]:
    """Server-side apply of ``applied`` onto ``live`` (None: the object is new) by ``manager``.
    Returns the merged object with updated managedFields; raises the 409 conflict."""
    applied = drop_nulls({k: v for k, v in applied.items() if k != "status"})
    applied_flat = flatten(applied)
    entries = read_entries(live)
    live_flat = flatten(live)
    conflicts = [(entry, path) for entry in entries if not entry.same(manager, "Apply", "")
                 for path in sorted(entry.paths & set(applied_flat))
                 if applied_flat[path] is not ITEM and live_flat.get(path, MISSING) not in (MISSING,
                                                                                              applied_flat[path])]
    if conflicts and not force:
        raise conflict_error(rt, applied["metadata"]["name"], conflicts)
    for entry, path in conflicts:
        entry.paths.discard(path)

    merged = merge_applied(copy.deepcopy(live) if live else {}, applied)
    mine = _entry(entries, manager, "Apply", "", rt.api_version)
    others = set().union(*(e.paths for e in entries if e is not mine))
    # shallowest first: an associative-list item goes as a whole (emptying it field by field first would
    # leave an ``{}`` that no longer matches its key)
    for path in sorted(mine.paths - set(applied_flat), key=len):
        if not any(other[:len(path)] == path for other in others):
            remove_at(merged, path)
    if mine.paths != set(applied_flat) or any(live_flat.get(p, MISSING) != v for p, v in applied_flat.items()):
        mine.time = rfc3339()
    mine.paths = set(applied_flat)
    merged.setdefault("metadata", {})
    write_entries(merged, entries)
    return merged

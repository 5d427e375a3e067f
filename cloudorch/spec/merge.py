"""Several spec files as one document: ``-f base.yaml -f prod.yaml``, and named environments.

The rule, applied file after file (later files win):

- a mapping merges into a mapping key by key, recursively;
- a list replaces a list (whole: lists are never concatenated or merged by index);
- a scalar replaces whatever was there, and anything replaces a scalar;
- ``null`` removes the key (a later file can take out what an earlier one set).

Every value keeps the position *and the file* it came from, so an error in the merged spec names
the file and line where the offending value was written. ``environments: {NAME: {...}}`` in the
merged document holds overlays merged by the same rule when NAME is chosen (``--env`` or
``CLOUDORCH_ENV``); the ``environments`` key itself never reaches the app.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.yamlsafe import Located, Path

REMOVED = object()


def _under(path: Path, prefix: Path) -> bool:
    return path[:len(prefix)] == prefix


def _drop(located: Located, prefix: Path, keep_self: bool = False) -> None:
    """Forget every position at or under ``prefix``."""
    for table in (located.values, located.keys, located.files):
        for path in [p for p in table if _under(p, prefix) and not (keep_self and p == prefix)]:
            del table[path]


def _graft(target: Located, overlay: Located, src: Path, dst: Path) -> None:
    """Copy the positions of ``overlay``'s subtree at ``src`` to ``target`` at ``dst``, with files."""
    n = len(src)
    for path, pos in list(overlay.values.items()):
        if _under(path, src):
            target.values[dst + path[n:]] = pos
    for path, pos in list(overlay.keys.items()):
        if _under(path, src) and len(path) > n:
            target.keys[dst + path[n:]] = pos
    target.files[dst] = overlay.source(src)
    for path, name in list(overlay.files.items()):
        if _under(path, src) and len(path) > n:
            target.files[dst + path[n:]] = name


def merge_into(base: Located, overlay: Located, src: Path = (), dst: Path = ()) -> None:
    """Merge ``overlay``'s value at ``src`` into ``base`` at ``dst`` (in place), by the rule above."""
    value = _get(overlay.data, src)
    base.data = _merge(base, overlay, _get(base.data, dst), value, src, dst, root=True)


def _merge(base: Located, overlay: Located, old: Any, new: Any, src: Path, dst: Path, root: bool = False) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        result = dict(old)
        for key, value in new.items():
            here = dst + (key,)
            if value is None:
                result.pop(key, None)
                _drop(base, here)
                continue
            if key in result:
                merged = _merge(base, overlay, result[key], value, src + (key,), here)
            else:
                merged = value
                _graft(base, overlay, src + (key,), here)
                if src + (key,) in overlay.keys:
                    base.keys[here] = overlay.keys[src + (key,)]
            result[key] = merged
        if root and dst:
            return _set(base.data, dst, result)
        return result
    # replace: the overlay's value and every position under it win
    _drop(base, dst, keep_self=False)
    key_pos = overlay.keys.get(src)
    _graft(base, overlay, src, dst)
    if key_pos is not None and dst:
        base.keys[dst] = key_pos
    if root and dst:
        return _set(base.data, dst, new)
    return new


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: Path, value: Any) -> Any:
    """``data`` with the value at ``path`` replaced (returns the new root)."""
    if not path:
        return value
    copy = dict(data)
    copy[path[0]] = _set(data[path[0]], path[1:], value)
    return copy


def merge_files(documents: list[Located]) -> Located:
    """One document from several, in order (each must be a mapping: the caller checks)."""
    first = documents[0]
    result = Located(first.data, dict(first.values), dict(first.keys), first.file, dict(first.files))
    for doc in documents[1:]:
        merge_into(result, doc)
    return result


def select_environment(located: Located, name: str | None) -> tuple[Located, list[str]]:
    """Apply ``environments.NAME`` onto the rest of the document and drop ``environments``.
    Returns the document and the names it offers. An unknown NAME raises KeyError(names)."""
    data = located.data
    envs = data.get("environments") if isinstance(data, dict) else None
    names = sorted(envs) if isinstance(envs, dict) else []
    if name is not None and name not in names:
        raise KeyError(name)
    if name is not None and isinstance(envs[name], dict):
        merge_into(located, located, ("environments", name), ())
    if isinstance(located.data, dict) and "environments" in located.data:
        located.data = {k: v for k, v in located.data.items() if k != "environments"}
    return located, names


def explain(located: Located) -> list[tuple[str, str, int, int]]:
    """Every leaf value of the document as (dotted path, file, line, column), in document order."""
    rows: list[tuple[str, str, int, int]] = []

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
            for index, item in enumerate(value):
                walk(item, path + (index,))
        elif path:
            file, line, col = located.where(path)
            rows.append((".".join(map(str, path)), file, line, col))

    walk(located.data, ())
    return rows

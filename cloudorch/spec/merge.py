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


class _Merger:
    """Merges documents' data by the rule above while recording, for every subtree an overlay
    added or replaced, which document (and which path in it) it came from; positions are looked
    up once at the end, so merging costs time in the size of the overlays, not of the result."""

    def __init__(self, base: Located):
        self.sources: list[Located] = [base]
        self.data: Any = base.data
        self.owner: dict[Path, tuple[int, Path]] = {(): (0, ())}  # subtree root -> (source, its path there)
        self.under: dict[Path, set[Path]] = {}  # path -> the subtree roots strictly under it

    def add(self, overlay: Located, src: Path = ()) -> None:
        self.sources.append(overlay)
        self.data = self._merge(self.data, _get(overlay.data, src), (), src, len(self.sources) - 1)

    def _forget_under(self, dst: Path) -> None:
        for path in self.under.pop(dst, set()):
            self.owner.pop(path, None)
            for i in range(len(path)):
                if i != len(dst):
                    self.under.get(path[:i], set()).discard(path)

    def _own(self, dst: Path, index: int, src: Path) -> None:
        self._forget_under(dst)
        self.owner[dst] = (index, src)
        for i in range(len(dst)):
            self.under.setdefault(dst[:i], set()).add(dst)

    def _merge(self, old: Any, new: Any, dst: Path, src: Path, index: int) -> Any:
        if isinstance(old, dict) and isinstance(new, dict):
            result = dict(old)
            for key, value in new.items():
                here = dst + (key,)
                if value is None:
                    if result.pop(key, None) is not None:
                        self._own(here, index, src + (key,))  # forget what was under it, then it
                        self._drop(here)
                elif key in result:
                    result[key] = self._merge(result[key], value, here, src + (key,), index)
                else:
                    result[key] = _without_nulls(value)
                    self._own(here, index, src + (key,))
            return result
        self._own(dst, index, src)
        return _without_nulls(new)

    def _drop(self, path: Path) -> None:
        self.owner.pop(path, None)
        for i in range(len(path)):
            self.under.get(path[:i], set()).discard(path)

    def located(self) -> Located:
        """The merged document with the position and file of every value and key."""
        out = Located(self.data, file=self.sources[0].file)

        def visit(value: Any, path: Path, owner: tuple[int, Path, int]) -> None:
            if path in self.owner:
                index, src = self.owner[path]
                owner = (index, src, len(path))
                out.files[path] = self.sources[index].source(src)
            index, src, depth = owner
            source = self.sources[index]
            there = src + path[depth:]
            if there in source.files and path not in out.files:
                out.files[path] = source.files[there]
            if there in source.values:
                out.values[path] = source.values[there]
            if there in source.keys and path:
                out.keys[path] = source.keys[there]
            if isinstance(value, dict):
                for key, item in value.items():
                    visit(item, path + (key,), owner)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    visit(item, path + (i,), owner)

        visit(self.data, (), (0, (), 0))
        return out


def _without_nulls(value: Any) -> Any:
    """A value an overlay adds, with its ``null`` keys taken out (there is nothing to remove)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def merge_files(documents: list[Located], environment: str | None = None) -> Located:
    """One document from several, in order (each must be a mapping: the caller checks), with the
    overlay ``environments.<environment>`` of the merged result applied last when given."""
    merger = _Merger(documents[0])
    for doc in documents[1:]:
        merger.add(doc)
    if environment is not None:
        merged = merger.located()
        overlay = merged.data["environments"][environment]
        if isinstance(overlay, dict):
            merger = _Merger(merged)
            merger.add(merged, ("environments", environment))
    result = merger.located()
    if isinstance(result.data, dict) and "environments" in result.data:
        result.data = {k: v for k, v in result.data.items() if k != "environments"}
    return result


def environment_names(documents: list[Located]) -> list[str]:
    names: set[str] = set()
    for doc in documents:
        envs = doc.data.get("environments") if isinstance(doc.data, dict) else None
        if isinstance(envs, dict):
            names.update(envs)
    return sorted(names)


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

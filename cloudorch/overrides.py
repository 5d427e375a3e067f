"""Native override blocks: the escape hatch for what the spec does not say.

A provider's settings may hold ``overrides: {SERVICE: {BLOCK: {...}}}``, each BLOCK a partial native
document (an ECS task definition, a Kubernetes Deployment, an ARM container group...) merged onto
what cloudorch renders, after translation and before render/plan. This module holds the one merge
rule every provider uses and the bookkeeping that turns a problem in the merged document back into
the file:line of the override value that caused it; the provider supplies the native schema check,
which of its lists merge by key, and what it protects.

The merge (a strategic merge, as ``kubectl patch`` does by default):

- a mapping merges into a mapping, key by key; ``null`` removes the key;
- a list of mappings whose path the provider declares keyed (containers by ``name``, ports by
  ``containerPort``...) merges item by item on that key: an override item with the key of a rendered
  item merges into it, others are appended; ``{KEY: ..., $patch: delete}`` removes the item;
- any other list, and any scalar, replaces the rendered value.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudorch.errors import SpecIssue

NativePath = tuple[str | int, ...]
#: given the path of a list in the native document (indices dropped), the key its items merge on
ListKeys = Callable[[tuple[str, ...]], str | None]

SECRET_LIKE = re.compile(r"PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)


@dataclass
class Merged:
    """A merged native document and, for every native path the override wrote, the path inside
    the override block it came from."""

    body: dict[str, Any]
    origin: dict[NativePath, NativePath] = field(default_factory=dict)

    def source(self, native: Iterable[str | int]) -> NativePath | None:
        """The override path behind ``native`` (or its nearest ancestor the override wrote)."""
        path = tuple(native)
        while path:
            if path in self.origin:
                return self.origin[path]
            path = path[:-1]
        return None


def strategic_merge(base: dict[str, Any], patch: dict[str, Any], keys: ListKeys) -> Merged:
    merged = Merged({})
    merged.body = _merge(copy.deepcopy(base), patch, (), (), keys, merged.origin)
    return merged


def _shape(path: NativePath) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str))


def _merge(base: Any, patch: Any, native: NativePath, source: NativePath, keys: ListKeys,
           origin: dict[NativePath, NativePath]) -> Any:
    origin[native] = source
    if isinstance(base, dict) and isinstance(patch, dict):
        for key, value in patch.items():
            if value is None:
                base.pop(key, None)
                continue
            base[key] = _merge(base.get(key), value, native + (key,), source + (key,), keys, origin)
        return base
    key = keys(_shape(native)) if isinstance(patch, list) else None
    if key and isinstance(base, list) and all(isinstance(i, dict) for i in base + patch):
        for index, item in enumerate(patch):
            found = next((i for i, b in enumerate(base) if key in item and b.get(key) == item[key]), None)
            if item.get("$patch") == "delete":
                if found is not None:
                    del base[found]
                continue
            if found is None:
                base.append(copy.deepcopy(item))
                found = len(base) - 1
                _record(item, native + (found,), source + (index,), origin)
            else:
                base[found] = _merge(base[found], item, native + (found,), source + (index,), keys, origin)
        return base
    _record(patch, native, source, origin)
    return copy.deepcopy(patch)


def _record(value: Any, native: NativePath, source: NativePath, origin: dict[NativePath, NativePath]) -> None:
    origin[native] = source
    if isinstance(value, dict):
        for key, item in value.items():
            _record(item, native + (key,), source + (key,), origin)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _record(item, native + (index,), source + (index,), origin)


def walk(value: Any, path: NativePath = ()) -> Iterator[tuple[NativePath, Any]]:
    """Every (path, value) in a nested document, parents first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, path + (index,))


def leaves(value: Any, path: NativePath = ()) -> Iterator[NativePath]:
    """The paths of a patch's fields: scalars and whole lists (a list is one field)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif path:
        yield path


@dataclass
class Block:
    """One override block of a spec: ``providers.<provider>.overrides.<service>.<name>``."""

    provider: str
    service: str
    name: str
    patch: dict[str, Any]

    @property
    def path(self) -> tuple[str, ...]:
        return ("providers", self.provider, "overrides", self.service, self.name)


def unchecked(where: str, why: str) -> None:
    """Say once, in one line on stderr, that override blocks went unchecked (the native schema
    needs a library that is not installed); they are still applied."""
    if (where, why) not in _said:
        _said.add((where, why))
        logging.getLogger("cloudorch").warning("warning: the override blocks of %s are not checked against "
                                               "the native schema: %s", where, why)


_said: set[tuple[str, str]] = set()


def issue_at(spec: Any, block: Block, inner: NativePath | None, message: str, key: bool = False) -> SpecIssue:
    """A SpecIssue at the override value ``inner`` (a path inside the block), or at the block."""
    return spec.issue(block.path + tuple(inner or ()), f"{message}", key=key)


def env_in_clear(merged: Merged, entries: Iterable[tuple[NativePath, str]], secret_vars: set[str],
                 block: Block, spec: Any) -> list[SpecIssue]:
    """Refuse env entries the override writes with a literal value under a name that the spec
    keeps in a secret, or that looks like one (PASSWORD, TOKEN, ...). ``entries`` are the native
    paths and names of the merged document's literal env values."""
    found = []
    for native, name in entries:
        source = merged.origin.get(native)
        if source is None:
            continue
        if name in secret_vars:
            why = f"the spec reads {name} from a secret"
        elif SECRET_LIKE.search(name):
            why = f"{name} looks like a secret"
        else:
            continue
        message = (f"refused: a value for {name} written in clear in an override ({why}); put it in secrets: "
                   f"and set it with cloudorch secrets set")
        found.append(issue_at(spec, block, source, message))
    return found


def markers_kept(merged: Merged, wanted: dict[str, str], have: dict[str, str], block: Block, spec: Any,
                 where: NativePath) -> list[SpecIssue]:
    """Refuse a merged document whose ownership markers differ from ``wanted``."""
    for key, value in wanted.items():
        if have.get(key) != value:
            source = merged.source(where) or ()
            return [issue_at(spec, block, source, f"refused: the override changes or removes the ownership marker "
                                                  f"{key}={value}; cloudorch needs it to find what it owns")]
    return []

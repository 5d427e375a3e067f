"""Strict YAML reading that remembers where every value came from.

PyYAML parses; we compose nodes with no implicit type resolution and type plain scalars ourselves,
following the YAML 1.2 core schema, so that YAML 1.1 surprises never change a value's meaning:
``on``/``NO``/``y`` stay strings, ``010`` stays the string "010", ``1:20`` is not sexagesimal.
Rejected: explicit tags (``!!python/object``...), duplicate keys, non-string keys, more than one
document, files over 1 MiB, nesting deeper than 32 and more than 64 aliases (alias bombs).
``${VAR}`` interpolation is applied to scalar values (never keys) before typing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

from cloudorch.spec.interpolation import (  # noqa: F401  (re-exported)
    MAX_EXPANDED,
    MAX_NESTING,
    MAX_VALUE,
    make_interpolator,
)

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 64
MAX_NODES = 200_000

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}
# YAML's printable set excludes C0 controls but tab, LF and CR, and DEL, C1 controls but NEL, and surrogates
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_DEFAULT_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, message: str, line: int, col: int, path: Path = ()):
        super().__init__(message)
        self.message, self.line, self.col, self.path = message, line, col, path


@dataclass
class Located:
    """A parsed document plus the 1-based (line, column) of every value and mapping key, and the
    file each came from: ``file`` for all of them, except the paths in ``files`` (a document
    merged from several files, see :mod:`cloudorch.spec.merge`)."""

    data: object
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    file: str = "<spec>"
    files: dict[Path, str] = field(default_factory=dict)
    #: local tags read with ``read_yaml(..., tags=...)`` (e.g. compose's ``!reset``), by path
    tags: dict[Path, str] = field(default_factory=dict)

    def _found(self, path: Path, key: bool) -> tuple[Path, tuple[int, int], bool]:
        path = tuple(path)
        if key and path in self.keys:
            return path, self.keys[path], True
        while path:
            if path in self.values:
                return path, self.values[path], False
            path = path[:-1]
        return (), self.values.get((), (1, 1)), False
    #: the text as written of plain scalars typed as numbers or booleans (``1.10``, ``1e3``)
    sources: dict[Path, str] = field(default_factory=dict)

    def locate(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Position of ``path`` (its key when ``key``), else of its nearest ancestor."""
        return self._found(path, key)[1]

    def where(self, path: Path, key: bool = False) -> tuple[str, int, int]:
        """(file, line, column) of ``path`` (its key when ``key``), else of its nearest ancestor."""
        found, (line, col), _ = self._found(path, key)
        return self.source(found), line, col

    def source(self, path: Path) -> str:
        """The file the value at ``path`` (or its nearest recorded ancestor) came from."""
        path = tuple(path)
        while path and path not in self.files:
            path = path[:-1]
        return self.files.get(path, self.file)


def _parser(text: str):
    """An event parser: libyaml's (about 10x faster) when PyYAML was built with it."""
    if getattr(yaml, "__with_libyaml__", False):
        from yaml.cyaml import CParser

        return CParser(text)
    return yaml.Loader(text)  # only its reader/scanner/parser are used: events, never objects


def type_plain(text: str) -> object:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) and not re.match(r"^[-+]?0[0-9]", text):
        return float(text)
    return text


def read_yaml(text: str, interpolate: Callable[[str], str] | None = None, *,
              tags: frozenset[str] = frozenset(), merge_keys: bool = False) -> Located:
    """Parse one YAML document strictly, in one pass over the parser's events (no node tree, no
    constructor: nothing in the document can make us build anything but plain values).
    ``tags`` are local tags to accept and record in ``Located.tags`` (their values are read as
    if untagged); ``merge_keys`` accepts ``<<: *anchor`` (explicit keys win over merged ones).
    Raises :class:`YamlProblem` at the first problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(f"file is larger than {MAX_BYTES // 1024} KiB", 1, 1)
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        col = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        raise YamlProblem(f"the control character U+{ord(control.group()):04X} is not allowed in YAML; "
                          "remove it", line, col)
    parser = _parser(text)
    try:
        return _Builder(parser, interpolate, tags, merge_keys).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"{exc.context + ': ' if exc.context else ''}{exc.problem}"
        raise YamlProblem(f"invalid YAML: {message}", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", 1, 1) from None
    finally:
        parser.dispose()


def _pos(event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


class _Builder:
    """Builds plain dicts, lists and typed scalars from parser events, recording positions."""

    def __init__(self, parser, interpolate: Callable[[str], str] | None,
                 tags: frozenset[str] = frozenset(), merge_keys: bool = False):
        self.parser, self.interpolate = parser, interpolate
        self.tags, self.merge_keys = tags, merge_keys
        self.located = Located(None)
        self.anchors: dict[str, tuple[object, int]] = {}  # anchor -> (value, size in values)
        self.aliases = 0
        self.size = 0

    def document(self) -> Located:
        get = self.parser.get_event
        get()  # StreamStart
        if self.parser.check_event(yaml.StreamEndEvent):
            raise YamlProblem("the file is empty", 1, 1)
        get()  # DocumentStart
        self.located.data, _ = self.value(get(), (), 0)
        get()  # DocumentEnd
        if self.parser.check_event(yaml.DocumentStartEvent):
            raise YamlProblem("only one YAML document per file", *_pos(self.parser.peek_event()))
        return self.located

    def _count(self, n: int, event) -> None:
        self.size += n
        if self.size > MAX_NODES:
            raise YamlProblem(f"document expands to more than {MAX_NODES} values", *_pos(event))

    def value(self, event, path: Path, depth: int) -> tuple[object, int]:
        """The value starting at ``event`` and how many values it holds (for alias accounting)."""
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlProblem(f"more than {MAX_ALIASES} aliases; expand them", *_pos(event))
            if event.anchor not in self.anchors:
                raise YamlProblem(f"alias *{event.anchor} refers to no anchor (or to itself)", *_pos(event), path)
            value, size = self.anchors[event.anchor]
            self._count(size, event)
            self.located.values.setdefault(path, _pos(event))
            return value, size
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", *_pos(event))
        if event.tag in self.tags:
            self.located.tags[path] = event.tag
        elif event.tag not in (None, "!") and event.tag not in _DEFAULT_TAGS:
            raise YamlProblem(f"YAML tag {event.tag!r} is not allowed", *_pos(event), path)
        self.located.values.setdefault(path, _pos(event))
        self._count(1, event)
        if isinstance(event, yaml.ScalarEvent):
            value, size = self.scalar(event, path), 1
        elif isinstance(event, yaml.SequenceStartEvent):
            value, size = self.sequence(path, depth)
        else:
            value, size = self.mapping(path, depth)
        if event.anchor:
            self.anchors[event.anchor] = (value, size)
        return value, size

    def scalar(self, event, path: Path) -> object:
        text = event.value
        if self.interpolate is not None:
            try:
                text = self.interpolate(text)
            except ValueError as exc:
                raise YamlProblem(str(exc), *_pos(event), path) from None
        if not event.style and (event.tag is None or event.tag in self.tags):  # plain
            value = type_plain(text)
            if isinstance(value, int | float):
                self.located.sources[path] = text
            return value
        return text

    def sequence(self, path: Path, depth: int) -> tuple[list, int]:
        items, size = [], 1
        get = self.parser.get_event
        while not self.parser.check_event(yaml.SequenceEndEvent):
            item, n = self.value(get(), path + (len(items),), depth + 1)
            items.append(item)
            size += n
        get()
        return items, size

    def mapping(self, path: Path, depth: int) -> tuple[dict, int]:
        result: dict[str, object] = {}
        merged: dict[str, object] = {}
        size = 1
        get = self.parser.get_event
        while not self.parser.check_event(yaml.MappingEndEvent):
            key_event = get()
            if not isinstance(key_event, yaml.ScalarEvent) or key_event.tag not in (None, "!"):
                raise YamlProblem("mapping keys must be plain strings", *_pos(key_event), path)
            key = key_event.value
            if key == "<<" and not key_event.style:
                if not self.merge_keys:
                    raise YamlProblem("merge keys (<<) are not supported; write the keys out",
                                      *_pos(key_event), path)
                value, n = self.value(get(), path, depth + 1)
                sources = value if isinstance(value, list) else [value]
                if not all(isinstance(v, dict) for v in sources):
                    raise YamlProblem("<< merges mappings only", *_pos(key_event), path)
                for source in reversed(sources):  # the first listed mapping wins
                    merged.update(source)
                size += n
                continue
            if key in result:
                first = self.located.keys[path + (key,)]
                raise YamlProblem(f"duplicate key {key!r} (first defined at line {first[0]})",
                                  *_pos(key_event), path + (key,))
            self.located.keys[path + (key,)] = _pos(key_event)
            result[key], n = self.value(get(), path + (key,), depth + 1)
            size += n
        get()
        if merged:
            result = {**{k: v for k, v in merged.items() if k not in result}, **result}
        return result, size

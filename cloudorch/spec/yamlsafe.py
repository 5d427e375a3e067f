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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import yaml

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
_DEFAULT_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, message: str, line: int, col: int, path: Path = ()):
        super().__init__(message)
        self.message, self.line, self.col, self.path = message, line, col, path


@dataclass
class Located:
    """A parsed document plus the 1-based (line, column) of every value and mapping key."""

    data: object
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Position of ``path`` (its key when ``key``), else of its nearest ancestor."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


class _NoResolver(yaml.resolver.BaseResolver):
    """Resolve nothing implicitly: every plain scalar is tagged str and typed by us later."""


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
              _NoResolver):
    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _NoResolver.__init__(self)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"more than {MAX_ALIASES} aliases; expand them", mark.line + 1, mark.column + 1)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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


def read_yaml(text: str, interpolate: Callable[[str], str] | None = None) -> Located:
    """Parse one YAML document strictly. Raises :class:`YamlProblem` at the first problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(f"file is larger than {MAX_BYTES // 1024} KiB", 1, 1)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except YamlProblem:
        raise
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "expected a single document" in (exc.context or ""):
            problem = "only one YAML document per file"
        raise YamlProblem(problem, mark.line + 1, mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"{exc.context + ': ' if exc.context else ''}{exc.problem}"
        raise YamlProblem(f"invalid YAML: {message}", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem("the file is empty", 1, 1)
    located = Located(None)
    counter = [0]
    located.data = _convert(node, (), located, interpolate, counter)
    return located


def _convert(node, path: Path, located: Located, interpolate, counter: list[int]):
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise YamlProblem(f"document expands to more than {MAX_NODES} values", *_pos(node))
    if node.tag not in _DEFAULT_TAGS:
        raise YamlProblem(f"YAML tag {node.tag!r} is not allowed", *_pos(node), path)
    if len(path) > MAX_DEPTH:
        raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)", *_pos(node))
    located.values.setdefault(path, _pos(node))
    if isinstance(node, yaml.ScalarNode):
        value = node.value
        if interpolate is not None:
            try:
                value = interpolate(value)
            except ValueError as exc:
                raise YamlProblem(str(exc), *_pos(node), path) from None
        if node.style is None:
            return type_plain(value)
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), located, interpolate, counter) for i, item in enumerate(node.value)]
    result: dict[str, object] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or (
            isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and key_node.style is None
        ):
            raise YamlProblem("merge keys (<<) are not supported; write the keys out", *_pos(key_node), path)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _DEFAULT_TAGS:
            raise YamlProblem("mapping keys must be plain strings", *_pos(key_node), path)
        key = key_node.value
        if key in result:
            first = located.keys[path + (key,)]
            raise YamlProblem(
                f"duplicate key {key!r} (first defined at line {first[0]})", *_pos(key_node), path + (key,)
            )
        located.keys[path + (key,)] = _pos(key_node)
        result[key] = _convert(value_node, path + (key,), located, interpolate, counter)
    return result


def _pos(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_VAR = re.compile(r"\$(\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


def make_interpolator(env: Mapping[str, str]) -> Callable[[str], str]:
    """``${VAR}``, ``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset),
    ``${VAR:?message}`` / ``${VAR?message}`` (error), ``$$`` for a literal ``$``. A ``$`` followed
    by anything else is kept as written, so shell text like ``$HOME`` passes through."""

    def substitute(match: re.Match) -> str:
        if match.group(1) == "$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if (value is None or empty) else value
        if op in (":?", "?"):
            if value is None or empty:
                raise ValueError(f"${{{name}}}: {arg or 'is not set'}")
            return value
        if value is None:
            raise ValueError(f"environment variable {name} is not set; set it or write ${{{name}:-default}}")
        return value

    def interpolate(text: str) -> str:
        if "$" not in text:
            return text
        if re.search(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\})", text):
            bad = re.search(r"\$\{[^}]*\}?", text)
            raise ValueError(f"bad interpolation {bad.group(0)!r}; write ${{NAME}}, ${{NAME:-default}} or $$")
        return _VAR.sub(substitute, text)

    return interpolate

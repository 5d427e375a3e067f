"""``${VAR}`` interpolation of spec values, bounded: ``${NAME}``, ``${NAME:-default}``,
``${NAME-default}``, ``${NAME:?message}``, ``${NAME?message}``, nested defaults, and ``$$`` for a
literal ``$``. Used by :func:`cloudorch.spec.yamlsafe.read_yaml` on scalar values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: limits on interpolation, so that a small spec cannot expand into a huge one: one value after
#: substitution, the whole document's substituted text, and how deeply defaults may nest
MAX_VALUE = 64 * 1024
MAX_EXPANDED = 4 * 1024 * 1024
MAX_NESTING = 8

_REFERENCE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>.*))?", re.DOTALL)
_BAD = "bad interpolation {!r}; write ${{NAME}}, ${{NAME:-default}} or $$"


def make_interpolator(env: Mapping[str, str]) -> Callable[[str], str]:
    """``${VAR}``, ``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset),
    ``${VAR:?message}`` / ``${VAR?message}`` (error), ``$$`` for a literal ``$`` (always: ``$${X}``
    is the text ``${X}``). Defaults may hold references (``${A:-${B}}``), evaluated only when used.
    A ``$`` followed by anything else is kept as written, so shell text like ``$HOME`` passes
    through. A value may expand to at most MAX_VALUE characters and all values of one document
    together to MAX_EXPANDED (checked while expanding, so nothing huge is ever built)."""
    budget = [MAX_EXPANDED]

    def interpolate(text: str) -> str:
        if "$" not in text:
            return text
        result = _expand(text, env, 0)
        budget[0] -= len(result)
        if budget[0] < 0:
            raise ValueError(f"the document expands to more than {MAX_EXPANDED // (1024 * 1024)} MiB "
                             "after interpolation")
        return result

    return interpolate


def _expand(text: str, env: Mapping[str, str], depth: int) -> str:
    parts: list[str] = []
    size = 0
    i, n = 0, len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0:
            piece, i = text[i:], n
        elif text.startswith("$$", j):
            piece, i = text[i:j] + "$", j + 2
        elif text.startswith("${", j):
            end = _closing(text, j + 2)
            if end < 0:
                raise ValueError(_BAD.format(text[j:]))
            piece, i = text[i:j] + _reference(text[j + 2:end], env, depth), end + 1
        else:
            piece, i = text[i:j + 1], j + 1
        size += len(piece)
        if size > MAX_VALUE:
            raise ValueError(f"value expands to more than {MAX_VALUE // 1024} KiB after interpolation")
        parts.append(piece)
    return "".join(parts)


def _closing(text: str, i: int) -> int:
    """Index of the ``}`` closing a reference whose body starts at ``i`` (nested ones counted)."""
    depth = 0
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _reference(body: str, env: Mapping[str, str], depth: int) -> str:
    match = _REFERENCE.fullmatch(body)
    if not match:
        raise ValueError(_BAD.format("${" + body + "}"))
    name, op, arg = match.group("name"), match.group("op"), match.group("arg")
    value = env.get(name)
    empty = value is None or (value == "" and op is not None and op.startswith(":"))
    if op in (":-", "-"):
        if value is not None and not empty:
            return value
        if depth >= MAX_NESTING:
            raise ValueError(f"defaults nested deeper than {MAX_NESTING} levels")
        return _expand(arg, env, depth + 1)
    if op in (":?", "?"):
        if value is None or empty:
            raise ValueError(f"${{{name}}}: {arg or 'is not set'}")
        return value
    if value is None:
        raise ValueError(f"environment variable {name} is not set; set it or write ${{{name}:-default}}")
    return value

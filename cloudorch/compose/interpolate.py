"""Compose's variable substitution and ``.env`` files, as ``docker compose`` reads them.

Substitution (applied to every scalar value, never to keys): ``$VAR`` and ``${VAR}``;
``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset); ``${VAR:?message}`` /
``${VAR?message}`` (error); ``${VAR:+replacement}`` / ``${VAR+replacement}`` (when set); defaults
and replacements may hold further substitutions; ``$$`` is a literal ``$``. A variable that is
unset and has no default becomes the empty string, with a warning (as compose does).

``.env`` (and ``env_file``) lines: ``KEY=VALUE``, an optional ``export`` prefix, ``#`` comments,
single quotes (literal), double quotes (``\\n`` escapes, substitution), unquoted values (trailing
`` #comment`` dropped, substitution).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    pass


class Interpolator:
    """``interpolate(text)`` against ``env``; names used while unset land in ``missing``."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.missing: list[str] = []

    def __call__(self, text: str) -> str:
        if "$" not in text:
            return text
        out, _ = self._scan(text, 0, stop=None)
        return out

    def _scan(self, text: str, i: int, stop: str | None) -> tuple[str, int]:
        """Substitute from ``i`` until ``stop`` (an unmatched ``}``) or the end."""
        out: list[str] = []
        depth = 0
        while i < len(text):
            c = text[i]
            if stop and c == "}" and depth == 0:
                return "".join(out), i
            if c != "$":
                if stop and c == "{":
                    depth += 1
                elif stop and c == "}":
                    depth -= 1
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt == "{":
                value, i = self._braced(text, i + 2)
                out.append(value)
            elif match := _NAME.match(text, i + 1):
                out.append(self._lookup(match.group(0)))
                i = match.end()
            else:
                out.append("$")
                i += 1
        if stop:
            raise InterpolationError(f"unterminated ${{...}} in {text!r}")
        return "".join(out), i

    def _braced(self, text: str, i: int) -> tuple[str, int]:
        match = _NAME.match(text, i)
        if not match:
            raise InterpolationError(f"invalid interpolation format in {text!r}; write ${{NAME}} or $$ for '$'")
        name, i = match.group(0), match.end()
        if text.startswith("}", i):
            return self._lookup(name), i + 1
        for op in (":-", ":?", ":+", "-", "?", "+"):
            if text.startswith(op, i):
                break
        else:
            raise InterpolationError(f"invalid interpolation format in {text!r} after ${{{name}")
        arg, end = self._scan(text, i + len(op), stop="}")
        value = self.env.get(name)
        unset = value is None
        empty_or_unset = unset or value == ""
        gone = empty_or_unset if op.startswith(":") else unset
        if op.endswith("-"):
            result = arg if gone else value
        elif op.endswith("?"):
            if gone:
                raise InterpolationError(f"required variable {name} is missing a value: {arg or 'not set'}")
            result = value
        else:  # "+": the replacement when set
            result = "" if gone else arg
        return result, end + 1

    def _lookup(self, name: str) -> str:
        value = self.env.get(name)
        if value is None:
            if name not in self.missing:
                self.missing.append(name)
            return ""
        return value


def parse_dotenv(text: str, interpolate: Callable[[str], str] | None = None) -> dict[str, str]:
    """``KEY=VALUE`` lines into a dict, in order; ``KEY`` alone (no ``=``) is left out."""
    result: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if not _NAME.fullmatch(key):
            raise InterpolationError(f"line {number}: {key!r} is not a variable name")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\n", "\n").replace('\\"', '"')
            value = interpolate(value) if interpolate else value
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
            value = interpolate(value) if interpolate else value
        result[key] = value
    return result

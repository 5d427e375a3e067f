"""5-field cron expressions (minute hour day-of-month month day-of-week): checked field by field so
a spec's ``schedule`` typo is reported with what is wrong; the fields are handed to the providers,
which convert them to their cloud's syntax."""

from __future__ import annotations

import re

#: (name, low, high, names) of the five cron fields, in order
CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def _value(text: str, low: int, names: tuple[str, ...], field: str) -> int:
    if text.isdigit():
        return int(text)
    if text in names:
        return names.index(text) + (low if field == "month" else 0)
    raise ValueError(f"{field}: {text!r} is not a number" + (f" or a name ({', '.join(names)})" if names else ""))


def check_cron(expression: str) -> str:
    """``expression`` when it is a valid 5-field cron expression (numbers, names, ``*``, ``a-b``,
    ``/step``, lists), else ValueError saying which field is wrong and why."""
    parts = expression.lower().split()
    if len(parts) != 5:
        raise ValueError(f"{expression!r} has {len(parts)} fields; a schedule is 5 cron fields: "
                         "minute hour day-of-month month day-of-week (e.g. '0 3 * * *', daily at 03:00 UTC)")
    for part, (field, low, high, names) in zip(parts, CRON_FIELDS, strict=True):
        for item in part.split(","):
            match = _ITEM.match(item)
            if not match:
                raise ValueError(f"{field}: {item!r} is not a cron item (N, a-b, *, */N, a-b/N)")
            span, step = match.groups()
            if step is not None and int(step) == 0:
                raise ValueError(f"{field}: a step of 0 never advances")
            if span == "*":
                continue
            bounds = [_value(v, low, names, field) for v in span.split("-")]
            for v in bounds:
                if not low <= v <= high:
                    raise ValueError(f"{field}: {v} is outside {low}..{high}")
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                raise ValueError(f"{field}: range {span} runs backwards")
    return " ".join(expression.split())


def cron_fields(expression: str) -> list[str]:
    """The five fields of a checked expression, lower case."""
    return expression.lower().split()

"""Rich tables shared by the commands (rich is imported only when a table is printed).

Every value placed in a table goes through :func:`cell`, which makes it literal text: rich markup
(``[aws]``) and emoji codes (``:secret:``) in values are printed as written. Tables fit the
terminal: long values end in an ellipsis, never break mid-token; ``-o wide`` prints every
value whole, however wide the table gets.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudorch.provider import FieldReport, Fit

_FIT_STYLE = {Fit.EXACT: "green", Fit.LOSSY: "yellow", Fit.UNSUPPORTED: "red", Fit.OVERRIDE: "cyan"}
WIDE = 100_000


def console(stderr: bool = False, wide: bool = False):
    """A rich console; when output is not a terminal (pipes, CI logs) tables get 160 columns
    instead of rich's 80, unless $COLUMNS says otherwise; ``wide`` lets lines be as long as
    their values."""
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    if wide:
        width = WIDE
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width, emoji=False)


def cell(value: object, style: str = ""):
    """A table cell showing ``value`` literally (no markup, no emoji)."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style)


def table(title, columns: Sequence[str | tuple[str, dict]], wide: bool = False):
    """A table whose columns truncate with an ellipsis (or, ``wide``, never). A column given
    ``{"no_wrap": False}`` wraps between words (prose), and still never splits a word."""
    from rich.table import Table

    t = Table(title=cell(title) if isinstance(title, str) else title, title_justify="left")
    for column in columns:
        name, extra = (column, {}) if isinstance(column, str) else column
        settings = {"no_wrap": True, "overflow": "ellipsis" if not wide else "ignore"} | extra
        t.add_column(name, **settings)
    return t


def fit_table(report: Sequence[FieldReport], provider: str, wide: bool = False) -> None:
    t = table(f"spec fields on {provider}", ["field", "fit", ("what happens", {"no_wrap": wide})], wide)
    for r in report:
        t.add_row(cell(r.field), cell(r.fit, _FIT_STYLE[r.fit]), cell(r.note))
    console(wide=wide).print(t)


def sources_table(sources: Sequence[dict], title: str, wide: bool = False) -> None:
    """``validate --explain``: every field and the file:line its value came from."""
    t = table(f"where the fields of {title} come from", ["field", "from"], wide)
    for row in sources:
        t.add_row(cell(row["field"]), cell(f"{row['file']}:{row['line']}"))
    console(wide=wide).print(t)


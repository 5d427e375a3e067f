"""Rich tables shared by the commands (rich is imported only when a table is printed)."""

from __future__ import annotations

from collections.abc import Sequence

from cloudorch.provider import FieldReport, Fit

_FIT_STYLE = {Fit.EXACT: "green", Fit.LOSSY: "yellow", Fit.UNSUPPORTED: "red", Fit.OVERRIDE: "cyan"}


def console(stderr: bool = False):
    """A rich console; when output is not a terminal (pipes, CI logs) tables get 160 columns
    instead of rich's 80, unless $COLUMNS says otherwise."""
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def fit_table(report: Sequence[FieldReport], provider: str) -> None:
    from rich.table import Table

    table = Table(title=f"spec fields on {provider}", title_justify="left")
    table.add_column("field")
    table.add_column("fit")
    table.add_column("what happens", overflow="fold")
    for r in report:
        style = _FIT_STYLE[r.fit]
        table.add_row(r.field, f"[{style}]{r.fit}[/{style}]", r.note)
    console().print(table)


def sources_table(sources: Sequence[dict], title: str) -> None:
    """``validate --explain``: every field's value and the file:line it came from."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"where the fields of {escape(title)} come from", title_justify="left")
    table.add_column("field", overflow="fold")
    table.add_column("from", no_wrap=True)
    for row in sources:
        table.add_row(escape(row["field"]), escape(f"{row['file']}:{row['line']}"))
    console().print(table)

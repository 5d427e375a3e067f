"""cloudorch plan: the changes deploy would make. Exit 0: nothing to do; 3: changes pending."""

from __future__ import annotations

import json

import click

from cloudorch.cli import options

CHANGES_PENDING = 3


@click.command(help="Show what deploy would change. Exit code 0: nothing to do, 3: changes pending, "
                    "1/2: errors.")
@options.spec_file
@options.provider
@options.sandbox
@options.output("table", "json")
def command(spec_path: str, provider_name: str | None, sandbox: bool, output: str) -> int:
    from cloudorch.cli.live import command_deadline, open_live

    provider = open_live(spec_path, provider_name, sandbox)
    plan = provider.plan(deadline=command_deadline())
    if output == "json":
        click.echo(json.dumps({"changes": [c.to_dict() for c in plan.pending]}, indent=2))
    elif plan.empty:
        click.echo(f"{plan.app} on {plan.provider}: no changes ({len(plan.changes)} resources up to date)")
    else:
        print_plan(plan)
    return 0 if plan.empty else CHANGES_PENDING


def print_plan(plan) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cloudorch.cli.render_table import console

    style = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
    table = Table(title=f"{plan.app} on {plan.provider}: {len(plan.pending)} changes", title_justify="left")
    for column in ("action", "kind", "name", "service", "fields"):
        table.add_column(column, overflow="fold")
    for c in plan.pending:
        s = style.get(str(c.action), "white")
        detail = "; ".join(filter(None, [", ".join(c.fields), c.reason]))
        table.add_row(f"[{s}]{c.action}[/{s}]", escape(c.kind), escape(c.name), escape(c.service or ""),
                      escape(detail))
    console().print(table)

"""cloudorch plan: the changes deploy would make. Exit 0: nothing to do; 3: changes pending."""

from __future__ import annotations

import json

import click

from cloudorch.cli import options

CHANGES_PENDING = 3


@click.command(help="""Show what deploy would change. Exit code 0: nothing to do, 3: changes pending,
1/2: errors.

\b
Example:
  cloudorch plan -f webshop.yaml -p aws --sandbox -o json""")
@options.spec_file
@options.provider
@options.sandbox
@options.output("table", "wide", "json")
def command(spec_path: str, provider_name: str | None, sandbox: bool, output: str) -> int:
    from cloudorch.cli.live import command_deadline, open_live

    provider = open_live(spec_path, provider_name, sandbox)
    plan = provider.plan(deadline=command_deadline())
    if output == "json":
        from cloudorch.cli.plan_view import plan_document

        click.echo(json.dumps(plan_document(plan), indent=2, default=str))
    elif plan.empty:
        click.echo(f"{plan.app} on {plan.provider}: no changes ({len(plan.changes)} resources up to date)")
    else:
        print_plan(plan, wide=output == "wide")
    for missing in plan.missing_secrets:
        click.echo(f"warning: deploy will stop before any change: {missing}", err=True)
    return 0 if plan.empty else CHANGES_PENDING


def print_plan(plan, wide: bool = False) -> None:
    from cloudorch.cli.plan_view import print_changes

    print_changes(plan, wide=wide)

"""cloudorch destroy: delete every resource the app owns, and nothing else."""

from __future__ import annotations

import sys

import click

from cloudorch.cli import options


@click.command(help="Delete every resource carrying this app's ownership markers (asks first).")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--dry-run", is_flag=True, help="List what would be deleted and stop.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (needed without a terminal).")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(min=1))
def command(spec_path, provider_name, sandbox, dry_run, yes, timeout) -> int:
    from cloudorch.cli.live import open_live
    from cloudorch.cli.progress import Progress
    from cloudorch.deadline import Deadline
    from cloudorch.engine import destroy
    from cloudorch.errors import UsageError

    provider = open_live(spec_path, provider_name, sandbox)
    deadline = Deadline(timeout)
    plan = provider.destroy_plan(deadline=deadline)
    if plan.empty:
        click.echo(f"{plan.app} on {plan.provider}: nothing to delete")
        return 0
    click.echo(f"{plan.app} on {plan.provider}: {len(plan.pending)} resources to delete:")
    for change in plan.pending:
        click.echo(f"  delete {change.kind} {change.name}" + (f" ({change.reason})" if change.reason else ""))
    if dry_run:
        return 0
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("destroy needs confirmation: run it in a terminal or pass --yes")
        click.confirm(f"Delete these {len(plan.pending)} resources?", abort=True)
    with Progress("destroy") as progress:
        result = destroy(provider, plan, deadline=deadline, on_change=progress.on_change)
    click.echo(f"deleted {len(result.applied)} resources")
    return 0

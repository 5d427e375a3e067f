"""cloudorch deploy: apply the plan in dependency order, then wait until healthy."""

from __future__ import annotations

import time

import click

from cloudorch.cli import options


@click.command(help="Create or update the app, then wait until every service is healthy.")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--parallel", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Services deployed at once (within a dependency wave).")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Overall deadline in seconds for the API calls and the wait.")
@click.option("--no-wait", is_flag=True, help="Return after the API calls, without waiting for health.")
@click.option("--force-conflicts", is_flag=True,
              help="Take over fields another tool manages instead of refusing (Kubernetes server-side apply).")
@options.output("table", "json", "yaml")
def command(spec_path, provider_name, sandbox, parallel, timeout, no_wait, force_conflicts, output) -> int:
    from cloudorch.cli.live import open_live, print_status
    from cloudorch.cli.progress import Progress
    from cloudorch.deadline import Deadline
    from cloudorch.engine import deploy
    from cloudorch.provider import Fit

    provider = open_live(spec_path, provider_name, sandbox)
    for line in provider.validate():
        if line.fit is Fit.UNSUPPORTED:
            click.echo(f"warning: {line.field} is not supported on {provider.name}: {line.note}", err=True)
    deadline = Deadline(timeout)
    provider.force_conflicts = force_conflicts
    plan = provider.plan(deadline=deadline)
    if plan.empty:
        click.echo(f"{plan.app} on {plan.provider}: no changes", err=True)
    started = time.monotonic()
    with Progress() as progress:
        result = deploy(provider, plan, parallel=parallel, wait=not no_wait, deadline=deadline,
                        on_change=progress.on_change, on_status=progress.on_status)
    took = time.monotonic() - started
    if result.status is None:
        click.echo(f"{plan.app} on {plan.provider}: applied {len(result.applied)} changes in {took:.1f}s; "
                   "not waiting (run `cloudorch status`)")
    elif output == "table":
        click.echo(f"{plan.app} on {plan.provider}: {result.status.state} ({len(result.status.services)} services, "
                   f"{len(result.applied)} changes applied in {took:.1f}s)")
    else:
        print_status(result.status, output)
    return 0

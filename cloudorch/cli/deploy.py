"""cloudorch deploy: apply the plan in dependency order, then wait until healthy."""

from __future__ import annotations

import time

import click

from cloudorch.cli import options


@click.command(help="""Create or update the app, then wait until every service is healthy.

\b
Example:
  cloudorch deploy -f webshop.yaml -p kubernetes --sandbox""")
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
@click.option("--diff", "show_diff", is_flag=True,
              help="Print each change with its fields' live and desired values (as `plan`) before applying.")
@click.option("--confirm", is_flag=True,
              help="Print the changes and ask before applying them (needs a terminal, or --yes).")
@click.option("--yes", "-y", is_flag=True, help="With --confirm: apply without asking.")
@options.output("table", "wide", "json", "yaml")
def command(spec_path, provider_name, sandbox, parallel, timeout, no_wait, force_conflicts, show_diff, confirm,
            yes, output) -> int:
    from cloudorch import registry
    from cloudorch.cli.live import open_live, print_status
    from cloudorch.cli.progress import LiveView
    from cloudorch.deadline import Deadline
    from cloudorch.engine import DeployFailed, deploy
    from cloudorch.provider import Fit
    from cloudorch.session import open_spec

    if confirm and not yes and not interactive():  # refused before anything is read or changed
        from cloudorch.errors import UsageError

        raise UsageError("deploy --confirm needs a terminal to ask; pass --yes to apply without asking")
    started = time.monotonic()
    with LiveView("deploy") as view:
        spec = open_spec(spec_path)
        view.set_app(spec.app, registry.canonical(provider_name or ""))
        provider = open_live(spec_path, provider_name, sandbox, view=view, spec=spec)
        for line in provider.validate():
            if line.fit is Fit.UNSUPPORTED:
                view.note(f"warning: {line.field} is not supported on {provider.name}: {line.note}")
        deadline = Deadline(timeout)
        provider.force_conflicts = force_conflicts
        view.set_phase("planning...")
        plan = provider.plan(deadline=deadline)
        if (show_diff or confirm) and plan.pending:
            with view.paused():
                confirm_changes(plan, ask=confirm and not yes, stderr=output in ("json", "yaml"))
        view.begin(plan.pending)
        view.set_phase(f"applying {len(plan.pending)} changes..." if plan.pending else "no changes; checking health...")
        try:
            result = deploy(provider, plan, parallel=parallel, wait=not no_wait, deadline=deadline,
                            on_change=view.on_change, on_status=view.on_status)
        except DeployFailed as failed:
            failed.result.status = _whole_status(provider)  # the app's, not the last wave's
            raise
    took = time.monotonic() - started
    summary = (f"{plan.app} on {plan.provider}: applied {len(result.applied)} of {len(plan.pending)} changes "
               f"in {took:.1f}s")
    if result.status is None:
        if output in ("json", "yaml"):
            print_status(_unwaited(provider), output)
        click.echo(f"{summary}; not waiting (run `cloudorch status`)", err=True)
        return 0
    print_status(result.status, output)
    if output in ("table", "wide"):
        click.echo(f"{summary}; {result.status.state}", err=True)
    return 0


def interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def confirm_changes(plan, *, ask: bool, stderr: bool) -> None:
    """Print the plan with its values; when ``ask``, ask before applying (refused without a terminal;
    a "no" ends the command with exit 2 and nothing changed)."""
    from cloudorch.cli.confirm import confirm_or_abort
    from cloudorch.cli.plan_view import print_changes

    print_changes(plan, stderr=stderr)
    if ask:
        confirm_or_abort(f"Apply these {len(plan.pending)} changes?")


def _unwaited(provider):
    from cloudorch.cli.live import command_deadline

    return provider.status(deadline=command_deadline())


def _whole_status(provider):
    """Every service's status after a failure, printed as the summary table; None when even
    that cannot be read (the error says why the deploy failed)."""
    try:
        from cloudorch.cli.live import command_deadline

        status = provider.status(deadline=command_deadline(60))
    except Exception:  # noqa: BLE001 - the deploy's own error is the one to report
        return None
    from cloudorch.cli.live import status_table
    from cloudorch.cli.render_table import console

    console(stderr=True).print(status_table(status))
    return status

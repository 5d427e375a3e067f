"""cloudorch destroy: delete every resource the app owns, and nothing else."""

from __future__ import annotations

import sys

import click

from cloudorch.cli import options


@click.command(help="""Delete every resource carrying this app's ownership markers (asks first;
answering no exits 2 and deletes nothing).

\b
Example:
  cloudorch destroy -f webshop.yaml -p azure --yes""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--dry-run", is_flag=True, help="List what would be deleted and stop.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (needed without a terminal).")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Overall deadline in seconds for the API calls.")
@options.output("table", "json")
def command(spec_path, provider_name, sandbox, dry_run, yes, timeout, output) -> int:
    import json

    from cloudorch import registry
    from cloudorch.cli.live import SandboxNotRunning, open_live
    from cloudorch.cli.progress import LiveView
    from cloudorch.deadline import Deadline
    from cloudorch.session import open_spec

    deadline = Deadline(timeout)
    # one live view for the whole command: reading, the question (with the view lifted), deleting
    with LiveView("destroy") as view:
        try:
            spec = open_spec(spec_path)
            view.set_app(spec.app, registry.canonical(provider_name or ""))
            provider = open_live(spec_path, provider_name, sandbox, view=view, spec=spec, start_sandbox=False)
        except SandboxNotRunning as exc:
            early = ({"app": exc.spec.app.name, "provider": exc.provider, "deleted": [], "not_deleted": []},
                     "the sandbox is not running: nothing to delete")
        else:
            early = _delete(provider, view, deadline, output, dry_run, yes)
    if isinstance(early[0], dict):  # nothing deleted: the document and the line saying why
        return _done(output, *early)
    plan, result = early
    document = {"app": plan.app, "provider": plan.provider, "deleted": [c.to_dict() for c in result.applied],
                "not_deleted": [c.to_dict() for c in result.not_applied()]}
    if output == "json":
        click.echo(json.dumps(document, indent=2))
    click.echo(f"{plan.app} on {plan.provider}: deleted {len(result.applied)} resources", err=output == "json")
    return 0


def _delete(provider, view, deadline, output, dry_run, yes):
    """Read what the app owns, show it, ask, delete. Returns (document, message) when nothing was
    deleted, else (plan, result)."""
    from cloudorch.cli.confirm import confirm_or_abort
    from cloudorch.engine import destroy
    from cloudorch.errors import UsageError

    to_stderr = output == "json"  # stdout holds the JSON document alone
    view.set_phase("reading what the app owns...")
    plan = provider.destroy_plan(deadline=deadline)
    document = {"app": plan.app, "provider": plan.provider, "deleted": [],
                "not_deleted": [c.to_dict() for c in plan.pending]}
    if plan.empty:
        return document, f"{plan.app} on {plan.provider}: nothing to delete"
    with view.paused():
        click.echo(f"{plan.app} on {plan.provider}: {len(plan.pending)} resources to delete:", err=to_stderr)
        for change in plan.pending:
            click.echo(f"  delete {change.kind} {change.name}" + (f" ({change.reason})" if change.reason else ""),
                       err=to_stderr)
        if dry_run:
            return document, None
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("destroy needs confirmation: run it in a terminal or pass --yes")
            confirm_or_abort(f"Delete these {len(plan.pending)} resources?")
    view.begin(plan.pending)
    view.set_phase(f"deleting {len(plan.pending)} resources...")
    return plan, destroy(provider, plan, deadline=deadline, on_change=view.on_change)


def _done(output: str, document: dict, message: str | None) -> int:
    import json

    if output == "json":
        click.echo(json.dumps(document, indent=2))
    if message:
        click.echo(message, err=output == "json")
    return 0

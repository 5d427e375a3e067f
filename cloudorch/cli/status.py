"""cloudorch status: the common status model; exit 0 only when the app is healthy."""

from __future__ import annotations

import click

from cloudorch.cli import options

NOT_HEALTHY = 4


@click.command(help="""Show the live state of every service (or of SERVICES). Exit code 0 only when
the app is healthy (4 when it is not). A stopped sandbox is not started: every service shows MISSING.

\b
Example:
  cloudorch status -f webshop.yaml -p gcp -o json""")
@options.spec_file
@options.provider
@options.sandbox
@options.output("table", "wide", "json", "yaml")
@click.option("--watch", "-w", is_flag=True, help="Refresh the table in place until Ctrl-C (without a "
              "terminal: print it again only when something changed).")
@click.option("--interval", type=click.FloatRange(min=0.5), default=2.0, show_default=True,
              help="Seconds between refreshes with --watch.")
@click.argument("services", nargs=-1)
def command(spec_path, provider_name, sandbox, output, watch, interval, services) -> int:
    from cloudorch.cli.live import SandboxNotRunning, command_deadline, open_live, print_status
    from cloudorch.errors import UsageError

    try:
        provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    except SandboxNotRunning as exc:
        status = exc.missing_status()
        status.services = [s for s in status.services if not services or s.name in services]
        print_status(status, output)
        click.echo(str(exc), err=True)
        return NOT_HEALTHY
    unknown = [s for s in services if s not in provider.app.services]
    if unknown:
        raise UsageError(f"no service {unknown[0]!r} in {spec_path} (services: {', '.join(provider.app.services)})")
    if watch:
        from cloudorch.cli.watch import watch_status

        watch_status(provider, list(services) or None, output, interval)  # ends with Ctrl-C (exit 130)
    deadline = command_deadline()
    status = provider.status(list(services) or None, deadline=deadline)
    if provider.app.jobs and not services:
        status.jobs = provider.job_statuses(deadline=deadline)
    print_status(status, output)
    return 0 if status.healthy else NOT_HEALTHY

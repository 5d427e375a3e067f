"""cloudorch status: the common status model; exit 0 only when the app is healthy."""

from __future__ import annotations

import click

from cloudorch.cli import options

NOT_HEALTHY = 4


@click.command(help="Show the live state of every service. Exit code 0 only when the app is healthy "
                    "(4 when it is not).")
@options.spec_file
@options.provider
@options.sandbox
@options.output("table", "json", "yaml")
@click.argument("services", nargs=-1)
def command(spec_path, provider_name, sandbox, output, services) -> int:
    from cloudorch.cli.live import command_deadline, open_live, print_status
    from cloudorch.errors import UsageError

    provider = open_live(spec_path, provider_name, sandbox)
    unknown = [s for s in services if s not in provider.app.services]
    if unknown:
        raise UsageError(f"no service {unknown[0]!r} in {spec_path}")
    status = provider.status(list(services) or None, deadline=command_deadline())
    print_status(status, output)
    return 0 if status.healthy else NOT_HEALTHY

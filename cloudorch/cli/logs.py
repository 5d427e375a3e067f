"""cloudorch logs: every replica's and container's lines, merged in time order."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Print log lines of SERVICES (all when none given), prefixed service/replica/container,
merged in time order.

\b
Example:
  cloudorch logs -f webshop.yaml -p aws --since 10m --follow api""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--since", help="Only lines newer than this: a duration (10m, 1h) or an ISO time.")
@click.option("--tail", type=click.IntRange(min=1), help="Only the last N lines (overall).")
@click.option("--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@options.output("text", "json", default="text")
@click.argument("services", nargs=-1)
def command(spec_path, provider_name, sandbox, since, tail, follow, output, services) -> int:
    from cloudorch.cli.live import command_deadline, open_live, parse_since
    from cloudorch.engine import follow_logs, read_logs

    when = parse_since(since)
    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    if follow:  # until Ctrl-C; each read still gets its SDK timeouts
        lines = follow_logs(provider, services, when, tail, deadline=command_deadline(None))
    else:
        lines = read_logs(provider, services, when, tail, deadline=command_deadline())
    for line in lines:
        if output == "json":  # one JSON object per line (JSON Lines), flushed as it comes
            import json

            click.echo(json.dumps({"time": line.time.isoformat(), "service": line.service, "replica": line.replica,
                                   "container": line.container, "message": line.message}))
        else:
            click.echo(line.format())
    return 0

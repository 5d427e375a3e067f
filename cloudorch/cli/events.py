"""cloudorch events: the cloud's recent events about the app's resources, merged in time order."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""List the cloud's recent events about the app's resources (ECS service events,
Kubernetes Events, Azure container events, Swarm task state changes), oldest first.

\b
Example:
  cloudorch events -f webshop.yaml -p kubernetes --since 10m""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--since", default="1h", show_default=True,
              help="Only events newer than this: a duration (10m, 1h) or an ISO time.")
@options.output("table", "json", default="table")
@click.argument("services", nargs=-1)
def command(spec_path, provider_name, sandbox, since, output, services) -> int:
    import json

    from cloudorch.cli.live import command_deadline, open_live, parse_since
    from cloudorch.engine.events import read_events

    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    events = read_events(provider, services, parse_since(since), deadline=command_deadline())
    if output == "json":
        click.echo(json.dumps({"events": [e.to_dict() for e in events]}, indent=2))
        return 0
    from cloudorch.cli.render_table import cell, console, table

    t = table(f"{provider.app.name} on {provider.name}: {len(events)} events", ["time", "service", "type", "reason",
              "resource", ("message", {"no_wrap": False})], False)
    for e in events:
        t.add_row(cell(e.time.astimezone().strftime("%H:%M:%S")), cell(e.service), cell(e.type,
                  "yellow" if e.type != "Normal" else ""), cell(e.reason), cell(e.resource), cell(e.message))
    console().print(t)
    return 0

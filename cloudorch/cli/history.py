"""cloudorch history: a service's revisions, with time, image and what changed between them."""

from __future__ import annotations

import json

import click

from cloudorch.cli import options


@click.command(help="""List a service's revisions (oldest first): time, image, and what changed from
the revision before (secrets masked). Without SERVICE, every service of the spec.

\b
Example:
  cloudorch history -f webshop.yaml -p kubernetes web""")
@options.spec_file
@options.provider
@options.sandbox
@options.output("table", "wide", "json")
@click.argument("services", nargs=-1, metavar="[SERVICE]...")
def command(spec_path, provider_name, sandbox, output, services) -> int:
    from cloudorch.cli.live import command_deadline, open_live
    from cloudorch.engine import service_history

    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    deadline = command_deadline()
    names = list(services) or list(provider.app.services)
    found = {name: service_history(provider, name, deadline=deadline) for name in names}
    if output == "json":
        click.echo(json.dumps({"app": provider.app.name, "provider": provider.name,
                               "services": {n: [r.to_dict() for r in revs] for n, revs in found.items()}},
                              indent=2, default=str))
        return 0
    for name, revisions in found.items():
        print_history(provider.app.name, provider.name, name, revisions, wide=output == "wide")
    return 0


def print_history(app: str, provider: str, service: str, revisions, wide: bool = False) -> None:
    from cloudorch.cli.plan_view import value_lines
    from cloudorch.cli.render_table import cell, console, table

    t = table(f"{app} on {provider}: service {service}, {len(revisions)} revisions",
              ["revision", "time", "image", ("changes", {"no_wrap": wide})], wide)
    for r in revisions:
        stamp = r.time.strftime("%Y-%m-%d %H:%M:%S") if r.time else ""
        mark = " (running)" if r.current else ""
        changed = ", ".join(d.path for d in r.changes) or ("" if r is revisions[0] else "(no change in the spec)")
        t.add_row(cell(f"{r.revision}{mark}", "green" if r.current else ""), cell(stamp), cell(r.image),
                  cell(changed))
    console(wide=wide).print(t)
    for r in revisions:
        if r.changes:
            click.echo(f"  revision {r.revision}:")
            for d in r.changes:
                for line in value_lines(d.path, d.live, d.desired):
                    click.echo(f"    {line}")

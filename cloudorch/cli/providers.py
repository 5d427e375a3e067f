"""cloudorch providers: the installed providers and what they can do."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="List installed providers, their capabilities and whether their SDK is installed.")
@options.output("table", "json")
def command(output: str) -> int:
    from cloudorch import registry
    from cloudorch.provider import Capability

    rows = []
    for name in registry.names():
        cls = registry.load(name)
        missing = registry.missing_sdk(cls)
        rows.append({
            "name": name,
            "capabilities": sorted(str(c) for c in cls.capabilities),
            "sdk": "installed" if not missing else f"pip install 'cloudorch[{cls.extra or name}]'",
            "module": cls.__module__,
        })
    if output == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return 0
    from rich.table import Table

    from cloudorch.cli.render_table import console

    table = Table(title="installed providers", title_justify="left")
    table.add_column("provider")
    for cap in Capability:
        table.add_column(str(cap).replace("_", " "), justify="center")
    table.add_column("SDK")
    for row in rows:
        marks = ["yes" if str(cap) in row["capabilities"] else "-" for cap in Capability]
        table.add_row(row["name"], *marks, row["sdk"])
    console().print(table)
    return 0

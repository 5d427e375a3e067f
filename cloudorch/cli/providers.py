"""cloudorch providers: the installed providers and what they can do. A plugin that cannot be
loaded is reported in one line, and every other provider is still listed."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="List installed providers, their capabilities and whether their SDK is installed.")
@options.output("table", "json")
def command(output: str) -> int:
    from cloudorch import registry
    from cloudorch.errors import CloudorchError
    from cloudorch.provider import Capability

    rows, broken = [], []
    for name in registry.names():
        try:
            cls = registry.load(name)
        except CloudorchError as exc:
            broken.append({"name": name, "error": str(exc)})
            continue
        missing = registry.missing_sdk(cls)
        rows.append({
            "name": name,
            "capabilities": sorted(str(c) for c in cls.capabilities),
            "sdk": "installed" if not missing else f"pip install 'cloudorch[{cls.extra or name}]'",
            "module": cls.__module__,
        })
    for row in broken:
        click.echo(f"error: {row['error']}", err=True)
    if output == "json":
        import json

        click.echo(json.dumps(rows + broken, indent=2))
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

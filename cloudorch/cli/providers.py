"""cloudorch providers: the installed providers and what they can do. A plugin that cannot be
loaded is reported in one line, and every other provider is still listed."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""List installed providers, their capabilities and whether their SDK is installed.

\b
Example:
  cloudorch providers -o json""")
@options.output("table", "wide", "json")
def command(output: str) -> int:
    from cloudorch import registry
    from cloudorch.errors import CloudorchError

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
            "aliases": list(getattr(cls, "aliases", ())),
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
    from cloudorch.cli.render_table import cell, console, table
    from cloudorch.provider import Capability

    wide = output == "wide"
    t = table("installed providers", ["provider", ("capabilities", {"no_wrap": wide, "ratio": 2}),
                                      ("lacks", {"no_wrap": wide, "ratio": 1}), ("SDK", {"no_wrap": wide})], wide)
    for row in rows:
        lacks = [str(cap) for cap in Capability if str(cap) not in row["capabilities"]]
        label = row["name"] + (f" ({', '.join(row['aliases'])})" if row["aliases"] else "")
        t.add_row(cell(label), cell(", ".join(row["capabilities"])), cell(", ".join(lacks) or "-"),
                  cell(row["sdk"]))
    console(wide=wide).print(t)
    return 0

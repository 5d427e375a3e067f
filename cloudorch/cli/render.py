"""cloudorch render: the native documents, in the form the cloud's own tools take."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cloudorch.cli import options


@click.command(help="""Print the native documents a spec becomes on a provider: a YAML stream (-o yaml,
ready for kubectl apply -f -) or a JSON list (-o json); with -d DIR, one file per resource,
numbered in apply order.

\b
Examples:
  cloudorch render -f webshop.yaml -p kubernetes | kubectl apply -f -
  cloudorch render -f webshop.yaml -p kubernetes -d manifests/""")
@options.spec_file
@options.provider
@click.option("-d", "--out-dir", "out_dir", type=click.Path(file_okay=False),
              help="Write one file per resource into this directory (in the -o format).")
@options.output("yaml", "json", default="yaml", hint="-o is the format; write files into a directory with -d DIR")
@click.option("--format", "legacy_format", type=click.Choice(["yaml", "json"]), hidden=True,
              help="Former name of -o (kept so existing scripts work).")
def command(spec_path: str, provider_name: str | None, out_dir: str | None, output: str,
            legacy_format: str | None) -> int:
    from cloudorch.session import open_provider, open_spec

    output = legacy_format or output
    spec = open_spec(spec_path)
    documents = open_provider(spec, provider_name).render()
    if out_dir:
        directory = Path(out_dir)
        directory.mkdir(parents=True, exist_ok=True)
        width = len(str(len(documents)))
        for index, doc in enumerate(documents, 1):
            # numbered so that a directory listing is the apply order (kubectl apply -f DIR)
            path = directory / f"{index:0{width}d}-{doc.filename}.{output}"
            path.write_text(_dump(doc.body, output))
            click.echo(str(path))
        return 0
    if output == "json":
        click.echo(json.dumps([{"kind": d.kind, "name": d.name, "service": d.service, "body": d.body}
                               for d in documents], indent=2))
        return 0
    parts = []
    for doc in documents:
        origin = f" (service {doc.service})" if doc.service else ""
        parts.append(f"# {doc.kind} {doc.name}{origin}\n{_dump(doc.body, 'yaml')}")
    click.echo("---\n".join(parts), nl=False)
    return 0


def _dump(body: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(body, indent=2) + "\n"
    import yaml

    return yaml.safe_dump(body, sort_keys=False, default_flow_style=False, width=120)

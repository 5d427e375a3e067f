"""cloudorch validate: check a spec; with -p, how each field maps onto that provider."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Check a spec (every problem at once, as FILE:LINE:COL: field: message); with -p,
report how each field maps onto that provider.

\b
Examples:
  cloudorch validate -f webshop.yaml
  cloudorch validate -f webshop.yaml -p azure --strict""")
@options.spec_file
@options.provider
@click.option("--strict", is_flag=True, help="Treat lossy and unsupported mappings as errors (exit 2).")
@click.option("--explain", is_flag=True, help="Show the file and line every field's value came from.")
@options.output("table", "wide", "json")
def command(spec_path, provider_name: str | None, strict: bool, explain: bool, output: str) -> int:
    import json

    from cloudorch.provider import Fit
    from cloudorch.session import open_provider, open_spec

    spec = open_spec(spec_path)
    sources = None
    if explain:
        from cloudorch.spec.merge import explain as explain_rows

        sources = [{"field": f, "file": file, "line": line, "column": col}
                   for f, file, line, col in explain_rows(spec.located)]
        if output != "json":
            from cloudorch.cli.render_table import sources_table

            sources_table(sources, str(spec_path), wide=output == "wide")
    if not provider_name:
        if output == "json":
            doc = {"valid": True, "provider": None, "fields": []} | ({"sources": sources} if explain else {})
            click.echo(json.dumps(doc, indent=2))
        else:
            click.echo(f"{spec_path}: valid ({len(spec.app.services)} services)")
        return 0
    provider = open_provider(spec, provider_name)
    report = provider.validate()
    inexact = [r for r in report if r.fit in (Fit.LOSSY, Fit.UNSUPPORTED)]
    refused = strict and bool(inexact)
    counts = {fit: sum(r.fit is fit for r in report) for fit in Fit}
    tally = (f"{counts[Fit.EXACT]} exact, {counts[Fit.LOSSY]} lossy, {counts[Fit.UNSUPPORTED]} unsupported"
             + (f", {counts[Fit.OVERRIDE]} set by overrides" if counts[Fit.OVERRIDE] else ""))
    if output == "json":
        fields = [{"field": r.field, "fit": str(r.fit), "note": r.note} for r in report]
        doc = {"valid": not refused, "provider": provider.name, "fields": fields}
        click.echo(json.dumps(doc | ({"sources": sources} if explain else {}), indent=2))
    else:
        from cloudorch.cli.render_table import fit_table

        fit_table(report, provider.name, wide=output == "wide")
        if not refused:
            click.echo(f"{spec_path}: valid for {provider.name}: {tally}")
    if refused:
        for r in inexact:
            click.echo(f"{spec.issue(r.field.split('.'), f'{r.fit} on {provider.name}: {r.note}')}", err=True)
        click.echo(f"{spec_path}: not valid for {provider.name} with --strict: {tally}", err=True)
        return 2
    return 0

"""cloudorch validate: check a spec; with -p, how each field maps onto that provider."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="Check a spec; with -p, report how each field maps onto that provider.")
@options.spec_file
@options.provider
@click.option("--strict", is_flag=True, help="Treat lossy and unsupported mappings as errors.")
@click.option("--explain", is_flag=True, help="Show the file and line every field's value came from.")
@options.output("table", "json")
def command(spec_path, provider_name: str | None, strict: bool, explain: bool, output: str) -> int:
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

            sources_table(sources, str(spec_path))
    if not provider_name:
        if output == "json":
            import json

            doc = {"valid": True, "fields": []} | ({"sources": sources} if explain else {})
            click.echo(json.dumps(doc, indent=2))
        else:
            click.echo(f"{spec_path}: valid ({len(spec.app.services)} services)")
        return 0
    report = open_provider(spec, provider_name).validate()
    inexact = [r for r in report if r.fit in (Fit.LOSSY, Fit.UNSUPPORTED)]
    if output == "json":
        import json

        fields = [{"field": r.field, "fit": str(r.fit), "note": r.note} for r in report]
        doc = {"valid": not (strict and inexact), "provider": provider_name, "fields": fields}
        click.echo(json.dumps(doc | ({"sources": sources} if explain else {}), indent=2))
    else:
        from cloudorch.cli.render_table import fit_table

        fit_table(report, provider_name)
        counts = {fit: sum(r.fit is fit for r in report) for fit in Fit}
        click.echo(f"{spec_path}: valid for {provider_name}: {counts[Fit.EXACT]} exact, "
                   f"{counts[Fit.LOSSY]} lossy, {counts[Fit.UNSUPPORTED]} unsupported"
                   + (f", {counts[Fit.OVERRIDE]} set by overrides" if counts[Fit.OVERRIDE] else ""))
    if strict and inexact:
        for r in inexact:
            click.echo(f"{spec.issue(r.field.split('.'), f'{r.fit} on {provider_name}: {r.note}')}", err=True)
        return 2
    return 0

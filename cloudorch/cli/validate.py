"""cloudorch validate: check a spec; with -p, how each field maps onto that provider."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="Check a spec; with -p, report how each field maps onto that provider.")
@options.spec_file
@options.provider
@click.option("--strict", is_flag=True, help="Treat lossy and unsupported mappings as errors.")
@options.output("table", "json")
def command(spec_path: str, provider_name: str | None, strict: bool, output: str) -> int:
    from cloudorch.provider import Fit
    from cloudorch.session import open_provider, open_spec

    spec = open_spec(spec_path)
    if not provider_name:
        if output == "json":
            click.echo('{"valid": true, "fields": []}')
        else:
            click.echo(f"{spec_path}: valid ({len(spec.app.services)} services)")
        return 0
    report = open_provider(spec, provider_name).validate()
    inexact = [r for r in report if r.fit is not Fit.EXACT]
    if output == "json":
        import json

        fields = [{"field": r.field, "fit": str(r.fit), "note": r.note} for r in report]
        click.echo(json.dumps({"valid": not (strict and inexact), "provider": provider_name,
                               "fields": fields}, indent=2))
    else:
        from cloudorch.cli.render_table import fit_table

        fit_table(report, provider_name)
        counts = {fit: sum(r.fit is fit for r in report) for fit in Fit}
        click.echo(f"{spec_path}: valid for {provider_name}: {counts[Fit.EXACT]} exact, "
                   f"{counts[Fit.LOSSY]} lossy, {counts[Fit.UNSUPPORTED]} unsupported")
    if strict and inexact:
        for r in inexact:
            click.echo(f"{spec.issue(r.field.split('.'), f'{r.fit} on {provider_name}: {r.note}')}", err=True)
        return 2
    return 0

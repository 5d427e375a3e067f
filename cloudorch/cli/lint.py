"""cloudorch lint: security and reliability findings on a spec, FILE:LINE:COL: ID severity: message."""

from __future__ import annotations

import json

import click

from cloudorch.cli import options


@click.command(help="Check the spec against container-security and reliability rules (cloudorch lint "
                    "--rules lists them). Each finding: FILE:LINE:COL: ID severity: message, then its "
                    "fix. Exit 1 when an error-level finding is not accepted. Accept one in the file "
                    "with a comment on its line or the line above: "
                    "`# cloudorch-lint: accept CO504 -- reason`.\n\n"
                    "Example: cloudorch lint -f app.yaml -o sarif > cloudorch.sarif")
@options.spec_file
@click.option("--ignore", multiple=True, metavar="ID", help="Skip a rule (repeatable, or comma-separated).")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@options.output("text", "json", "sarif", default="text")
def command(spec_path, ignore, list_rules, output) -> int:
    from cloudorch.lint import RULES, lint
    from cloudorch.session import open_spec

    if list_rules:
        for r in RULES.values():
            click.echo(f"{r.id} {r.severity:<7} {r.title}: {r.fix}")
        return 0
    ignored = {part.strip().upper() for item in ignore for part in item.split(",") if part.strip()}
    unknown = sorted(i for i in ignored if i not in RULES and i != "CO001")
    if unknown:
        raise click.BadParameter(f"no rule {unknown[0]} (see cloudorch lint --rules)", param_hint="--ignore")
    report = lint(open_spec(spec_path), ignore=ignored)
    if output == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    elif output == "sarif":
        from cloudorch.lint.sarif import to_sarif

        click.echo(json.dumps(to_sarif(report), indent=2))
    else:
        for finding in report.findings:
            click.echo(str(finding))
            click.echo(f"  fix: {finding.rule.fix}")
        counts = {s: sum(f.rule.severity == s for f in report.findings) for s in ("error", "warning", "info")}
        accepted = f", {len(report.accepted)} accepted" if report.accepted else ""
        click.echo(f"{spec_path}: {counts['error']} errors, {counts['warning']} warnings, "
                   f"{counts['info']} info{accepted}", err=True)
    return 1 if report.has_errors else 0

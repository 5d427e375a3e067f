"""cloudorch import compose: a cloudorch spec from docker compose files, with a report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cloudorch.cli import options

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


@click.group(name="import", help="""Write a cloudorch spec from another tool's files.

\b
Example:
  cloudorch import compose docker-compose.yml --out cloudorch.yaml""")
def command() -> None:
    pass


@command.command(name="compose", help="""Write a cloudorch spec from docker compose files (merged like
docker compose -f A -f B), then report key by key what carried over, what changed meaning and what
did not carry over and why. Without FILE: compose.yaml (or docker-compose.yaml) and its .override file.

\b
Examples:
  cloudorch import compose
  cloudorch import compose docker-compose.yml docker-compose.prod.yml --out prod.yaml -o json""")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--out", "out", default="cloudorch.yaml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the spec.")
@click.option("--name", "app_name", metavar="APP", help="The app name (default: compose's project name).")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="Also import the services of this compose profile (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@options.output("table", "wide", "json")
def compose(files: tuple[str, ...], out: str, app_name: str | None, profiles: tuple[str, ...], force: bool,
            output: str) -> int:
    from cloudorch.compose import run_import
    from cloudorch.errors import UsageError

    paths = list(files) or _default_files()
    target = Path(out)
    if target.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it, or --out PATH")
    text, report = run_import(paths, app_name, profiles)
    target.write_text(text)
    if output == "json":
        click.echo(json.dumps({"spec": str(target), "files": paths} | report.to_dict(), indent=2))
        return 0
    _table(report, paths, wide=output == "wide")
    counts = report.counts()
    click.echo(f"wrote {out} (app {report.app}, {text.count(chr(10))} lines): {counts['carried']} carried, "
               f"{counts['changed']} changed meaning, {counts['dropped']} not carried")
    return 0


def _default_files() -> list[str]:
    from cloudorch.errors import UsageError

    for name in DEFAULT_FILES:
        if Path(name).is_file():
            stem, ext = name.rsplit(".", 1)
            override = Path(f"{stem}.override.{ext}")
            return [name] + ([str(override)] if override.is_file() else [])
    raise UsageError(f"no compose file here ({', '.join(DEFAULT_FILES)}); pass FILE")


def _table(report, paths: list[str], wide: bool = False) -> None:
    from cloudorch.cli.render_table import cell, console, table

    style = {"carried": "green", "changed": "yellow", "dropped": "red"}
    t = table(f"{' + '.join(paths)} -> cloudorch", ["", "compose key", ("what happened", {"no_wrap": wide}), "from"],
              wide)
    for e in report.entries:
        subject = f"services.{e.service}.{e.key}" if e.service else e.key
        t.add_row(cell(e.outcome, style[str(e.outcome)]), cell(subject), cell(e.note), cell(e.where))
    console(wide=wide).print(t)

"""cloudorch secrets set | list: store a secret's value where the spec points, list where they live."""

from __future__ import annotations

import json
import sys

import click

from cloudorch.cli import options


@click.group(help="Store the values of the spec's secrets with the cloud (set), or list where they live "
                  "(list).\n\nExample: cloudorch secrets list -f app.yaml -p aws")
def command() -> None:
    pass


def _read_value(name: str, from_file: str | None) -> str:
    if from_file:
        try:
            with open(from_file, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {from_file}: {exc.strerror}", param_hint="--from-file") from None
        except UnicodeDecodeError:
            raise click.BadParameter(f"{from_file} is not UTF-8 text", param_hint="--from-file") from None
    if sys.stdin is None or sys.stdin.isatty():
        return click.prompt(f"value for {name}", hide_input=True, confirmation_prompt=True, err=True)
    value = sys.stdin.read()
    # `echo value | cloudorch secrets set` adds a newline the user did not mean as part of the value
    return value[:-1] if value.endswith("\n") else value


@command.command("set", help="Store the value of secret NAME (read from stdin, a hidden prompt on a "
                             "terminal, or --from-file) where providers.<p>.secrets.NAME points, creating "
                             "it when missing. With --roll, restart the services that read it and wait "
                             "until they are healthy (exit 4 when they are not).\n\n"
                             "Example: printf %s \"$DB_URL\" | cloudorch secrets set -f app.yaml -p aws db-url")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--from-file", type=click.Path(dir_okay=False), help="Read the value from this file, byte for byte.")
@click.option("--roll", is_flag=True, help="Restart the services that read the secret, then wait for them.")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Deadline in seconds for storing and, with --roll, for the restart.")
@options.output("table", "json")
@click.argument("name")
def set_command(spec_path, provider_name, sandbox, from_file, roll, timeout, output, name) -> int:
    from cloudorch.cli.live import open_live
    from cloudorch.cli.progress import LiveView
    from cloudorch.deadline import Deadline
    from cloudorch.engine.secrets import check_secret_name, store_secret

    provider = open_live(spec_path, provider_name, sandbox)
    check_secret_name(provider, name)  # before asking for a value
    value = _read_value(name, from_file)
    deadline = Deadline(timeout)
    with LiveView("roll") as progress:
        result = store_secret(provider, name, value, roll=roll, deadline=deadline, on_status=progress.on_status)
    if output == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
        return 0
    click.echo(f"secret {name}: stored in {result.where}")
    users = ", ".join(result.services)
    if result.rolled:
        click.echo(f"restarted {users}: {result.status.state if result.status else 'done'}")
    elif result.services:
        click.echo(f"read at start by {users}: running replicas keep the old value until they restart "
                   f"(`cloudorch secrets set ... --roll`, or the next deploy that changes them)")
    return 0


@command.command("list", help="List the spec's secrets: where each lives, whether it exists there, and "
                              "which services read it. Values are never read.\n\n"
                              "Example: cloudorch secrets list -f app.yaml -p kubernetes")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--timeout", default=120.0, show_default=True, type=click.FloatRange(min=1),
              help="Deadline in seconds for reading the secret stores.")
@options.output("table", "json")
def list_command(spec_path, provider_name, sandbox, timeout, output) -> int:
    from cloudorch.cli.live import open_live
    from cloudorch.cli.render_table import console
    from cloudorch.deadline import Deadline

    provider = open_live(spec_path, provider_name, sandbox)
    locations = provider.secret_locations(deadline=Deadline(timeout))
    if output == "json":
        click.echo(json.dumps([loc.to_dict() for loc in locations], indent=2))
    else:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"secrets of {provider.app.name} on {provider.name}", title_justify="left")
        for column in ("secret", "exists", "where", "read by"):
            table.add_column(column, overflow="fold")
        for loc in locations:
            exists = {True: "yes", False: "[red]missing[/red]", None: "-"}[loc.exists]
            table.add_row(escape(loc.name), exists, escape(loc.where), escape(", ".join(loc.services)))
        console().print(table)
    missing = [loc.name for loc in locations if loc.exists is False]
    if missing:
        click.echo(f"missing: {', '.join(missing)}; store each with `cloudorch secrets set {spec_path.file_options} "
                   f"-p {provider.name} NAME`", err=True)
        return 4
    return 0

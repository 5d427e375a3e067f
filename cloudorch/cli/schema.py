"""cloudorch schema: the JSON Schema of the app spec (specs/schema.json is this output)."""

from __future__ import annotations

import json

import click


@click.command(help="""Print the JSON Schema of the app spec, with every installed provider's settings
(for editor completion; specs/schema.json is this output).

\b
Example:
  cloudorch schema > cloudorch.schema.json""")
def command() -> int:
    from cloudorch.spec.schema import app_schema

    click.echo(json.dumps(app_schema(), indent=2, sort_keys=True))
    return 0

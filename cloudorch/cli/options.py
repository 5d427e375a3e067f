"""Options shared by the commands; each is accepted after the command name."""

from __future__ import annotations

import click

spec_file = click.option(
    "-f", "--file", "spec_path", default="cloudorch.yaml", show_default=True,
    type=click.Path(dir_okay=False), help="The app spec.",
)
provider = click.option(
    "-p", "--provider", "provider_name", envvar="CLOUDORCH_PROVIDER", metavar="NAME",
    help="aws | azure | gcp | kubernetes, or an installed plugin (default: $CLOUDORCH_PROVIDER).",
)
sandbox = click.option(
    "--sandbox", is_flag=True, envvar="CLOUDORCH_SANDBOX",
    help="Use the local emulators instead of a cloud (starts them if needed; env CLOUDORCH_SANDBOX=1).",
)


def output(*formats: str, default: str = "table"):
    return click.option("-o", "--output", "output", type=click.Choice(formats), default=default,
                        show_default=True, help="Output format.")

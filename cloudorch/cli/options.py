"""Options shared by the commands; each is accepted after the command name."""

from __future__ import annotations

import functools

import click

from cloudorch.session import SpecRef


def spec_file(command):
    """``-f FILE`` (repeatable: later files merge over earlier ones) and ``--env NAME``, given to
    the command as one ``spec_path`` (a :class:`~cloudorch.session.SpecRef`)."""

    @functools.wraps(command)
    def wrapper(*args, spec_files: tuple[str, ...], spec_env: str | None, **kwargs):
        return command(*args, spec_path=SpecRef(spec_files or ("cloudorch.yaml",), spec_env), **kwargs)

    wrapper = click.option(
        "--env", "spec_env", envvar="CLOUDORCH_ENV", metavar="NAME",
        help="Apply the spec's environments.NAME overlay (env CLOUDORCH_ENV).",
    )(wrapper)
    return click.option(
        "-f", "--file", "spec_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
        help="The app spec (default cloudorch.yaml); repeat to merge files, later ones win.",
    )(wrapper)


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

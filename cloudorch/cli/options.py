"""Options shared by the commands. ``-f``, ``--env``, ``-p``, ``--sandbox`` and ``-o`` are accepted
before the command (``cloudorch -p aws deploy``, as kubectl, aws and az take them) or after it; a
value given after the command wins."""

from __future__ import annotations

import functools

import click

#: the options the group takes before the command, by parameter name
GLOBAL = ("spec_files", "spec_env", "provider_name", "sandbox", "output")


def from_group(name: str, fallback):
    """A default that is the value given before the command, else ``fallback``."""

    def default():
        ctx = click.get_current_context(silent=True)
        value = ctx.find_root().params.get(name) if ctx else None
        return fallback if value in (None, False, ()) else value

    return default


_FILE_HELP = "The app spec (default: ./cloudorch.yaml); repeat to merge files, later ones win."
_ENV_HELP = "Apply the spec's environments.NAME overlay (env CLOUDORCH_ENV)."


def global_options(func):
    """The group's copies of the shared options (no defaults: the command supplies those)."""
    func = click.option("-o", "--output", "output", metavar="FORMAT",
                        help="Output format: table, json, yaml, wide (what the command supports).")(func)
    func = click.option("--sandbox", is_flag=True, default=None, envvar="CLOUDORCH_SANDBOX",
                        help="Use the local emulators instead of a cloud (env CLOUDORCH_SANDBOX=1).")(func)
    func = click.option("-p", "--provider", "provider_name", envvar="CLOUDORCH_PROVIDER", metavar="NAME",
                        help="The provider (default: $CLOUDORCH_PROVIDER).")(func)
    func = click.option("--env", "spec_env", envvar="CLOUDORCH_ENV", metavar="NAME", help=_ENV_HELP)(func)
    func = click.option("-f", "--file", "spec_files", multiple=True, metavar="FILE", help=_FILE_HELP)(func)
    return func


def spec_file(command):
    """``-f FILE`` (repeatable: later files merge over earlier ones) and ``--env NAME``, before or
    after the command (after wins), given to the command as one ``spec_path`` (a
    :class:`~cloudorch.session.SpecRef`)."""

    @functools.wraps(command)
    def wrapper(*args, spec_files: tuple[str, ...], spec_env: str | None, **kwargs):
        from cloudorch.session import SpecRef  # imported when a command runs (fast --help)

        return command(*args, spec_path=SpecRef(tuple(spec_files) or ("cloudorch.yaml",), spec_env), **kwargs)

    wrapper = click.option(
        "--env", "spec_env", default=from_group("spec_env", None), metavar="NAME", help=_ENV_HELP,
    )(wrapper)
    return click.option(
        "-f", "--file", "spec_files", multiple=True, default=from_group("spec_files", ()),
        type=click.Path(dir_okay=False), metavar="FILE", help=_FILE_HELP,
    )(wrapper)


provider = click.option(
    "-p", "--provider", "provider_name", default=from_group("provider_name", None), metavar="NAME",
    help="aws | azure | gcp (alias gke) | kubernetes (alias k8s) | swarm, or an installed plugin "
         "(default: $CLOUDORCH_PROVIDER).",
)
sandbox = click.option(
    "--sandbox", is_flag=True, default=from_group("sandbox", False),
    help="Use the local emulators instead of a cloud (starts them when the command needs them; "
         "env CLOUDORCH_SANDBOX=1).",
)


class _Formats(click.Choice):
    """A choice of formats whose refusal can say what the user probably meant."""

    def __init__(self, formats, hint: str = ""):
        super().__init__(formats)
        self.hint = hint

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            if self.hint:
                exc.message = f"{exc.message} ({self.hint})"
            raise


def output(*formats: str, default: str = "table", hint: str = ""):
    return click.option("-o", "--output", "output", type=_Formats(formats, hint),
                        default=from_group("output", default), show_default=default,
                        help=f"Output format: {' | '.join(formats)}.")

"""Options shared by the commands. ``-f``, ``-p``, ``--sandbox`` and ``-o`` are accepted before the
command (``cloudorch -p aws deploy``, as kubectl, aws and az take them) or after it; a value given
after the command wins."""

from __future__ import annotations

import click

#: the options the group takes before the command, by parameter name
GLOBAL = ("spec_path", "provider_name", "sandbox", "output")


def from_group(name: str, fallback):
    """A default that is the value given before the command, else ``fallback``."""

    def default():
        ctx = click.get_current_context(silent=True)
        value = ctx.find_root().params.get(name) if ctx else None
        return fallback if value in (None, False) else value

    return default


def global_options(func):
    """The group's copies of the shared options (no defaults: the command supplies those)."""
    func = click.option("-o", "--output", "output", metavar="FORMAT",
                        help="Output format: table, json, yaml, wide (what the command supports).")(func)
    func = click.option("--sandbox", is_flag=True, default=None, envvar="CLOUDORCH_SANDBOX",
                        help="Use the local emulators instead of a cloud (env CLOUDORCH_SANDBOX=1).")(func)
    func = click.option("-p", "--provider", "provider_name", envvar="CLOUDORCH_PROVIDER", metavar="NAME",
                        help="The provider (default: $CLOUDORCH_PROVIDER).")(func)
    func = click.option("-f", "--file", "spec_path", metavar="FILE",
                        help="The app spec (default: ./cloudorch.yaml).")(func)
    return func


spec_file = click.option(
    "-f", "--file", "spec_path", default=from_group("spec_path", "cloudorch.yaml"),
    show_default="cloudorch.yaml", type=click.Path(dir_okay=False), help="The app spec.",
)
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

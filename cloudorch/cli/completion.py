"""cloudorch completion: the shell completion script (click's own, for bash, zsh and fish)."""

from __future__ import annotations

import click

EXAMPLE = """\b
Examples:
  cloudorch completion bash > ~/.local/share/bash-completion/completions/cloudorch
  cloudorch completion zsh > "${fpath[1]}/_cloudorch"
  cloudorch completion fish > ~/.config/fish/completions/cloudorch.fish
"""


@click.command(help="Print the completion script for SHELL (bash, zsh or fish); load it in your shell's "
                    "startup file.\n\n" + EXAMPLE)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def command(shell: str) -> int:
    from click.shell_completion import get_completion_class

    from cloudorch.cli.main import cli

    completer = get_completion_class(shell)(cli, {}, "cloudorch", "_CLOUDORCH_COMPLETE")
    click.echo(completer.source())
    return 0

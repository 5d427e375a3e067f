"""Asking the user before a change: one y/N question on the terminal.

The answer is read with short ``select`` waits rather than one blocking ``input()``: a Ctrl-C
pressed at any moment of the question (even between the prompt's write and the read) is seen
within a tenth of a second, so the command ends with its interrupted line and exit 130 instead of
waiting for a second Ctrl-C. Without a terminal nothing is asked: the caller refuses with a line
naming ``--yes``.
"""

from __future__ import annotations

import os
import select
import sys

import click

YES = {"y", "yes"}


def ask(question: str) -> bool:
    """Show ``question [y/N]`` on stderr; True only for an explicit yes. End of input is a no."""
    click.echo(f"{question} [y/N]: ", nl=False, err=True)
    fd = sys.stdin.fileno()
    answer = b""
    while not answer.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], 0.1)  # between waits, a pending Ctrl-C is raised
        if not ready:
            continue
        chunk = os.read(fd, 1024)
        if not chunk:  # end of input
            click.echo("", err=True)
            return False
        answer += chunk
    return answer.decode(errors="replace").strip().lower() in YES


def confirm_or_abort(question: str) -> None:
    """Ask; a no ends the command with exit 2 and "not confirmed; nothing was changed"."""
    if not ask(question):
        raise click.exceptions.Abort()

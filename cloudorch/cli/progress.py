"""Live deploy progress: a rich table redrawn in place on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading

import click

from cloudorch.provider import AppStatus, Change


class Progress:
    def __init__(self, verb: str = "deploy"):
        from cloudorch.cli.render_table import console

        self.console = console(stderr=True)
        self.verb = verb
        self.lock = threading.Lock()
        self.live = None
        self.last: dict[str, str] = {}
        if self.console.is_terminal:
            from rich.live import Live

            self.live = Live(console=self.console, refresh_per_second=4, transient=False)

    def __enter__(self) -> Progress:
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live:
            self.live.__exit__(*exc)

    def on_change(self, change: Change, phase: str) -> None:
        if phase == "start":
            return
        mark = {"done": "ok", "failed": "FAILED"}[phase]
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        with self.lock:
            self.console.print(f"{change.action} {change.kind} {change.name}{fields}: {mark}", highlight=False)

    def on_status(self, status: AppStatus) -> None:
        if self.live:
            from cloudorch.cli.live import status_table

            self.live.update(status_table(status))
            return
        for s in status.services:
            line = f"{s.state} {s.running}/{s.desired} running{' - ' + s.message if s.message else ''}"
            if self.last.get(s.name) != line:
                self.last[s.name] = line
                click.echo(f"  {s.name}: {line}", err=True)

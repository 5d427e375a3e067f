"""The live view of a changing command (deploy, scale, destroy).

On a terminal: one rich Live table for the whole command, redrawn in place from the first second:
a title with a spinner, what the command is doing ("planning...", "starting the sandbox...") and
the elapsed time, then every service of the app in dependency-wave order with its state,
running/desired, the step it is in and how long it took. Finished services stay. The title
never states the app's health: only the final summary (printed by the command from a full
status) does. Without a terminal (CI logs, pipes): one plain line per event instead.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import click

from cloudorch.cli.failure import JOURNAL
from cloudorch.provider import AppStatus, Change, State

VERBS = {"create": "creating", "update": "updating", "replace": "replacing", "delete": "deleting"}
DONE = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}


@dataclass
class Row:
    name: str
    wave: str
    step: str
    state: str = "-"
    running: int | None = None
    desired: int | None = None
    started: float | None = None
    finished: float | None = None


class LiveView:
    def __init__(self, verb: str, *, console=None, clock=time.monotonic):
        from cloudorch.cli.render_table import console as make_console

        self.console = console or make_console(stderr=True)
        self.verb, self.clock = verb, clock
        self.begun = clock()
        self.phase = "reading the spec..."
        self.target = ""
        self.rows: dict[str, Row] = {}
        self.app_steps: list[str] = []
        self.lock = threading.RLock()
        self.live = None
        self.spinner = None
        if self.console.is_terminal:
            from rich.spinner import Spinner

            self.spinner = Spinner("dots")
            from rich.live import Live

            self.live = Live(console=self.console, get_renderable=self.render, refresh_per_second=8,
                             transient=True, redirect_stdout=False, redirect_stderr=False)

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> LiveView:
        if self.live:
            self.live.__enter__()
        else:
            self._line(self.phase)
        return self

    def __exit__(self, kind, value, tb) -> None:
        if self.live and not self.live.is_started:  # ended while paused
            return
        if kind is not None:
            with self.lock:
                self.phase = "interrupted" if issubclass(kind, KeyboardInterrupt) else "failed"
        if self.live:
            # a finished command replaces the view by its summary; a failed one leaves it on screen
            self.live.transient = kind is None
            self.live.__exit__(kind, value, tb)

    @contextmanager
    def paused(self):
        """Lift the view off the screen while the command prints and asks something (destroy's
        list and question); it comes back afterwards with the same clock and rows."""
        if not self.live:
            yield
            return
        self.live.stop()
        yield  # an error or Ctrl-C while paused ends the command: the view stays off the screen
        self.live.start(refresh=True)

    def note(self, text: str) -> None:
        """A line printed above the live view (warnings)."""
        if self.live:
            from cloudorch.cli.render_table import cell

            self.live.console.print(cell(text))
        else:
            click.echo(text, err=True)

    # -- what the command tells us --------------------------------------------------------------
    def set_app(self, app, provider: str, services=None) -> None:
        """The services to show, in wave order (``services`` limits them, e.g. for scale)."""
        with self.lock:
            self.target = f"{app.name} on {provider}"
            for index, wave in enumerate(app.order(), 1):
                for name in wave:
                    if services is not None and name not in services:
                        continue
                    deps = app.services[name].depends_on
                    self.rows[name] = Row(name, str(index), f"after {', '.join(deps)}" if deps else "queued")

    def set_phase(self, text: str) -> None:
        with self.lock:
            self.phase = text
        if self.live:
            self.live.refresh()  # each phase is on screen at once, however short
        else:
            self._line(text)

    def begin(self, changes: list[Change]) -> None:
        """The plan about to be applied: services without changes are already up to date."""
        JOURNAL.begin(self.verb, changes)
        touched = {c.service for c in changes}
        with self.lock:
            for row in self.rows.values():
                if row.name not in touched:
                    row.step = "no changes"
            for change in changes:
                if change.service and change.service not in self.rows:  # no longer in the spec
                    self.rows[change.service] = Row(change.service, "-", "to delete")

    def on_change(self, change: Change, phase: str) -> None:
        JOURNAL.on_change(change, phase)
        action = str(change.action)
        if phase == "start" and self.live:
            with self.lock:
                self.phase = f"applying changes ({len(JOURNAL.applied) + 1} of {len(JOURNAL.planned)})..."
        if phase == "start":
            text = f"{VERBS.get(action, action)} {change.kind}"
        elif phase == "done":
            text = f"{DONE.get(action, action)} {change.kind}"
        else:
            text = f"FAILED {VERBS.get(action, action)} {change.kind}"
        with self.lock:
            row = self.rows.get(change.service or "")
            if row is None:
                self.app_steps.append(f"{text} {change.name}")
            else:
                row.step = text
                if row.started is None:
                    row.started = self.clock()
                if phase == "failed" or (action == "delete" and phase == "done"):
                    row.finished = self.clock()
                    row.state = "FAILED" if phase == "failed" else "DELETED"
        if not self.live and phase != "start":  # CI logs: one line per finished change
            fields = f" ({', '.join(change.fields)})" if change.fields else ""
            who = f"{change.service}: " if change.service else ""
            self._line(f"{who}{text} {change.name}{fields}")

    def on_status(self, status: AppStatus) -> None:
        lines = []
        waiting = [s.name for s in status.services if s.state not in (State.HEALTHY, State.STOPPED)]
        with self.lock:
            if waiting:
                self.phase = f"waiting for {_names(waiting)} to become healthy..."
            for s in status.services:
                row = self.rows.setdefault(s.name, Row(s.name, "-", ""))
                before = (row.state, row.running, row.desired)
                row.state, row.running, row.desired = str(s.state), s.running, s.desired
                if s.state in (State.HEALTHY, State.STOPPED):
                    row.step = "ready" if s.state is State.HEALTHY else "stopped"
                    if row.finished is None:
                        row.finished = self.clock()
                else:
                    row.step = s.message or "waiting for health"
                    if row.started is None:
                        row.started = self.clock()
                if before != (row.state, row.running, row.desired):
                    lines.append(f"{s.name}: {s.state} {s.running}/{s.desired} running"
                                 + (f" - {s.message}" if s.message else ""))
        if not self.live:
            for line in lines:
                self._line(line)

    # -- drawing -------------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        click.echo(f"[{self.clock() - self.begun:6.1f}s] {text}", err=True)

    def render(self):
        """The view as a renderable that lays itself out for the width it is given."""
        return _Frame(self)

    def frame(self, width: int):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from cloudorch.cli.live import STATE_STYLE

        with self.lock:
            now = self.clock()
            title = Text(overflow="ellipsis", no_wrap=True)
            title.append(f"{self.verb} {self.target}" if self.target else self.verb, style="bold")
            title.append(f": {self.phase} ")
            title.append(_clock(now - self.begun), style="dim")
            if self.spinner is None:
                from rich.spinner import Spinner

                self.spinner = Spinner("dots")
            self.spinner.update(text=title)
            parts = [self.spinner]
            if self.app_steps:
                parts.append(Text(f"  app-wide: {self.app_steps[-1]}", style="dim", overflow="ellipsis",
                                  no_wrap=True))
            rows = list(self.rows.values())
            if not rows:
                return Group(*parts)
            cells = [[row.wave, row.name, row.state,
                      f"{row.running}/{row.desired}" if row.desired is not None else "-",
                      "" if row.started is None else _clock((row.finished or now) - row.started)]
                     for row in rows]
            heads = ["wave", "service", "state", "ready", "time"]
            widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
            widths[1] = min(widths[1], 30)
            # every column but the step keeps its width; the step gets the rest and ends in an ellipsis
            step_width = max(8, width - sum(widths) - 2 * len(heads))
            table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
            for head, w in zip(heads, widths, strict=True):
                table.add_column(head, justify="right" if head in ("wave", "ready", "time") else "left",
                                 no_wrap=True, overflow="ellipsis", width=w)
            table.add_column("step", no_wrap=True, overflow="ellipsis", width=step_width)
            for row, values in zip(rows, cells, strict=True):
                table.add_row(values[0], Text(values[1]), Text(values[2], style=STATE_STYLE.get(row.state, "")),
                              values[3], values[4], Text(row.step))
            parts.append(table)
            return Group(*parts)


class _Frame:
    def __init__(self, view: LiveView):
        self.view = view

    def __rich_console__(self, console, options):
        yield self.view.frame(options.max_width)


def _names(names: list[str], limit: int = 3) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds}s"

"""What the live commands share: opening the provider, printing status, parsing durations."""

from __future__ import annotations

import datetime as dt
import json

import click

from cloudorch.provider import AppStatus, Provider, State

STATE_STYLE = {
    State.HEALTHY: "green", State.STOPPED: "dim", State.PROGRESSING: "cyan", State.PENDING: "cyan",
    State.DEGRADED: "yellow", State.FAILED: "red", State.MISSING: "red",
}


#: the deadline of live commands without a --timeout option (plan, status, logs, autoscale)
COMMAND_TIMEOUT = 300.0


def command_deadline(seconds: float | None = COMMAND_TIMEOUT):
    """The command's deadline, handed to every live operation."""
    from cloudorch.deadline import Deadline

    return Deadline(seconds)


def open_live(spec_path: str, provider_name: str | None, sandbox: bool) -> Provider:
    from cloudorch.session import open_provider, open_spec

    spec = open_spec(spec_path)
    return open_provider(spec, provider_name, live=True, sandbox=sandbox)


def status_table(status: AppStatus):
    from rich.table import Table

    style = STATE_STYLE[status.state]
    table = Table(title=f"{status.app} on {status.provider}: [{style}]{status.state}[/{style}]",
                  title_justify="left")
    table.add_column("service", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("running", no_wrap=True, justify="right")
    table.add_column("pending", no_wrap=True, justify="right")
    table.add_column("failed", no_wrap=True, justify="right")
    for column in ("image", "revision", "endpoints", "message"):
        table.add_column(column, overflow="fold")
    for s in status.services:
        style = STATE_STYLE[s.state]
        table.add_row(s.name, f"[{style}]{s.state}[/{style}]", f"{s.running}/{s.desired}", str(s.pending),
                      str(s.failed), s.image, s.revision, "\n".join(s.endpoints), s.message)
    return table


def print_status(status: AppStatus, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(status.to_dict(), indent=2))
    elif output == "yaml":
        import yaml

        click.echo(yaml.safe_dump(status.to_dict(), sort_keys=False), nl=False)
    else:
        from cloudorch.cli.render_table import console

        console().print(status_table(status))


def parse_since(text: str | None) -> dt.datetime | None:
    """``10m``, ``1h30m``, ``45s`` ago, or an ISO 8601 time."""
    if not text:
        return None
    from cloudorch.spec.units import parse_duration

    try:
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither a duration (10m) nor an ISO time",
                                 param_hint="--since") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

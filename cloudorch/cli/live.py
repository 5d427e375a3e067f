"""What the live commands share: opening the provider (announcing the sandbox when it starts),
printing status, parsing durations."""

from __future__ import annotations

import datetime as dt
import json

import click

from cloudorch.errors import CloudorchError
from cloudorch.provider import AppStatus, Provider, ServiceStatus, State

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


class SandboxNotRunning(CloudorchError):
    """A read-only command found no sandbox: nothing is deployed in it."""

    exit_code = 1

    def __init__(self, spec, provider: str):
        super().__init__("the sandbox is not running, so nothing is deployed in it "
                         "(deploy starts it; `cloudorch sandbox start` starts it alone)")
        self.spec, self.provider = spec, provider

    def missing_status(self) -> AppStatus:
        return AppStatus(self.spec.app.name, self.provider,
                         [ServiceStatus(name, State.MISSING, desired=s.desired_replicas,
                                        message="the sandbox is not running")
                          for name, s in self.spec.app.services.items()])


def open_live(spec_path: str, provider_name: str | None, sandbox: bool, *, view=None, spec=None,
              start_sandbox: bool = True) -> Provider:
    """The provider for a command that calls the cloud. With ``--sandbox``, the sandbox is
    started (and said so) only when ``start_sandbox``; otherwise a stopped sandbox raises
    SandboxNotRunning. A sandbox this call started and that cannot serve the provider is
    stopped again."""
    from cloudorch import registry
    from cloudorch.session import open_provider, open_spec

    spec = spec or open_spec(spec_path)
    if not sandbox:
        return open_provider(spec, provider_name, live=True)
    from cloudorch.sandbox import service

    cls = registry.load(provider_name)
    registry.require_sdk(cls)
    if service.read_state() is not None:
        return open_provider(spec, cls.name, live=True, sandbox=True)
    if not start_sandbox:
        raise SandboxNotRunning(spec, cls.name)
    say = view.set_phase if view else (lambda text: click.echo(text, err=True))
    say("starting the sandbox (local emulators)...")
    try:
        provider = open_provider(spec, cls.name, live=True, sandbox=True)
    except BaseException:
        service.stop()
        raise
    if view is None:
        click.echo("sandbox started; `cloudorch sandbox stop` stops it", err=True)
    return provider


def status_table(status: AppStatus, wide: bool = False, title: str | None = None):
    from rich.text import Text

    from cloudorch.cli.render_table import cell, table

    style = STATE_STYLE[status.state]
    heading = Text(title if title is not None else f"{status.app} on {status.provider}: ")
    if title is None:
        heading.append(str(status.state), style=style)
    columns = ["service", "state", ("ready", {"justify": "right"})]
    if wide:
        columns += [("pending", {"justify": "right"}), ("failed", {"justify": "right"})]
    columns += ["image"] + (["revision"] if wide else []) + ["endpoints", ("message", {"no_wrap": wide})]
    t = table(heading, columns, wide)
    for s in status.services:
        row = [cell(s.name), cell(s.state, STATE_STYLE[s.state]), cell(f"{s.running}/{s.desired}")]
        if wide:
            row += [cell(s.pending), cell(s.failed)]
        row += [cell(s.image)] + ([cell(s.revision)] if wide else [])
        row += [cell("\n".join(s.endpoints)), cell(s.message)]
        t.add_row(*row)
    return t


def print_status(status: AppStatus, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(status.to_dict(), indent=2))
    elif output == "yaml":
        import yaml

        click.echo(yaml.safe_dump(status.to_dict(), sort_keys=False), nl=False)
    else:
        from cloudorch.cli.render_table import console

        console(wide=output == "wide").print(status_table(status, wide=output == "wide"))
        if status.jobs:
            from cloudorch.cli.jobs_table import jobs_table

            console(wide=output == "wide").print(jobs_table(status.jobs, wide=output == "wide"))


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

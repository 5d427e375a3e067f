"""cloudorch sandbox: the local emulators of every installed provider, as one background service."""

from __future__ import annotations

import json

import click


@click.group(help="Run the local cloud emulators: start | stop | status | reset.")
def command() -> None:
    pass


@command.command(help="Start the sandbox (no-op when it runs already) and print its endpoints.")
@click.option("--foreground", is_flag=True, help="Run in this terminal until Ctrl-C.")
def start(foreground: bool) -> int:
    from cloudorch.sandbox import service

    if foreground:
        from cloudorch.sandbox.daemon import main

        main(["--dir", str(service.sandbox_dir())])
        return 0
    state = service.start()
    _print(state)
    return 0


@command.command(help="Stop the sandbox; everything deployed to it is forgotten.")
def stop() -> int:
    from cloudorch.sandbox import service

    click.echo("sandbox stopped" if service.stop() else "sandbox was not running")
    return 0


@command.command(help="Show whether the sandbox runs and its endpoints (exit 1 when stopped).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status(output: str) -> int:
    from cloudorch.sandbox import service

    state = service.read_state()
    if output == "json":
        click.echo(json.dumps(state or {"running": False}, indent=2))
    elif state:
        _print(state)
    else:
        click.echo("sandbox is not running (start it with `cloudorch sandbox start`)")
    return 0 if state else 1


@command.command(help="Forget every resource in every emulator (the sandbox keeps running).")
def reset() -> int:
    from cloudorch.sandbox import service

    state = service.read_state()
    if not state:
        click.echo("sandbox is not running")
        return 1
    for name in state["emulators"]:
        service.admin(name, "reset", "POST")
    click.echo(f"reset {', '.join(state['emulators'])}")
    return 0


def _print(state: dict) -> None:
    click.echo(f"sandbox running (pid {state['pid']})")
    for name, config in state["emulators"].items():
        click.echo(f"  {name:<12} {config['url']}")
        for variable, value in config.get("env", {}).items():
            click.echo(f"  {'':<12} {variable}={value}")
        for filename, path in config.get("files", {}).items():
            click.echo(f"  {'':<12} {filename}: {path}")
    for name, reason in state.get("unavailable", {}).items():
        click.echo(f"  {name:<12} unavailable: {reason}")

"""cloudorch sandbox: the local emulators of every installed provider, as one background service."""

from __future__ import annotations

import json

import click

from cloudorch.cli import options


@click.group(help="""Run the local cloud emulators: start | stop | status | reset. Commands given
--sandbox start it when they need it (deploy, plan), and say so.

\b
Example:
  cloudorch sandbox status -o json""")
def command() -> None:
    pass


@command.command(help="Start the sandbox (no-op when it runs already) and print its endpoints.\n\n"
                      "\b\nExample:\n  cloudorch sandbox start")
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


@command.command(help="Stop the sandbox; everything deployed to it is forgotten.\n\n"
                      "\b\nExample:\n  cloudorch sandbox stop")
def stop() -> int:
    from cloudorch.sandbox import service

    click.echo("sandbox stopped" if service.stop() else "sandbox was not running")
    return 0


@command.command(help="Show whether the sandbox runs and its endpoints (exit 1 when stopped).\n\n"
                      "\b\nExample:\n  cloudorch sandbox status -o json")
@options.output("table", "json")
def status(output: str) -> int:
    from cloudorch.sandbox import service

    state = service.read_state()
    if output == "json":
        click.echo(json.dumps(status_document(state), indent=2))
    elif state:
        _print(state)
    else:
        click.echo("sandbox is not running (start it with `cloudorch sandbox start`)")
    return 0 if state else 1


@command.command(help="Forget every resource in every emulator (the sandbox keeps running).\n\n"
                      "\b\nExample:\n  cloudorch sandbox reset")
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


def status_document(state: dict | None) -> dict:
    """The same shape whether the sandbox runs or not."""
    state = state or {}
    return {"running": bool(state), "pid": state.get("pid"), "dir": str(_dir()),
            "emulators": state.get("emulators", {}), "unavailable": state.get("unavailable", {})}


def _dir():
    from cloudorch.sandbox import service

    return service.sandbox_dir()


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

"""The ``cloudorch`` command: a click group whose commands live one per module in this package.

Errors meant for the user (:class:`cloudorch.errors.CloudorchError`) are printed as one line each,
with no traceback, and set the exit code; with ``-o json`` the same error is also printed on
stdout as ``{"error": {...}}``. ``CLOUDORCH_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import sys

import click

from cloudorch.cli import options
from cloudorch.cli.failure import error_document, interrupted_line, wants_json
from cloudorch.errors import CloudorchError

# command name -> module in cloudorch.cli; imported only when that command runs (fast --help)
COMMANDS = {
    "validate": "validate",
    "render": "render",
    "lint": "lint",
    "plan": "plan",
    "deploy": "deploy",
    "status": "status",
    "scale": "scale",
    "autoscale": "autoscale",
    "logs": "logs",
    "run": "run",
    "history": "history",
    "rollback": "rollback",
    "exec": "exec",
    "events": "events",
    "destroy": "destroy",
    "secrets": "secrets",
    "providers": "providers",
    "schema": "schema",
    "sandbox": "sandbox",
    "import": "importer",
    "completion": "completion",
}
HELP = {
    "validate": "Check a spec; with -p, report how each field maps onto that provider.",
    "lint": "Check the spec against security and reliability rules (exit 1 on an error finding).",
    "render": "Print the native documents a spec becomes on a provider.",
    "plan": "Show what deploy would change (exit 0: nothing to do, 3: changes pending).",
    "deploy": "Create or update the app and wait until it is healthy.",
    "status": "Show the live state of every service (exit 0 only when healthy).",
    "scale": "Set replica counts: SERVICE=N ...",
    "autoscale": "Turn a service's autoscaler on (--min/--max/--cpu) or off (--off).",
    "logs": "Print the services' log lines, merged in time order.",
    "run": "Run a job (or a service's one-off command) now; exit with its exit code.",
    "history": "List a service's revisions: time, image and what changed between them.",
    "rollback": "Return a service to an earlier revision and wait until it is healthy.",
    "exec": "Run a command in a running replica (-i stdin, -t terminal); exits with its exit code.",
    "events": "List the cloud's recent events about the app's resources, in time order.",
    "destroy": "Delete every resource the app owns (and nothing else).",
    "secrets": "Store a secret's value where the spec points (set), or list where they live (list).",
    "providers": "List installed providers and their capabilities.",
    "schema": "Print the JSON Schema of the app spec.",
    "sandbox": "Run the local cloud emulators: start | stop | status | reset.",
    "import": "Write a cloudorch spec from docker compose files, with a report of what carried over.",
    "completion": "Print the shell completion script: bash | zsh | fish.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        if module is None:
            return None
        try:
            return importlib.import_module(f"cloudorch.cli.{module}").command
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("cloudorch.cli."):
                return None
            raise

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (commands: {', '.join(COMMANDS)})"
            raise click.UsageError(f"no such command {name!r}{hint}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        rows = [(name, HELP.get(name, "")) for name in COMMANDS
                if importlib.util.find_spec(f"cloudorch.cli.{COMMANDS[name]}")]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@options.global_options
@click.version_option(package_name="cloudorch")
@click.pass_context
def cli(ctx: click.Context, spec_files, spec_env, provider_name, sandbox, output) -> None:
    """cloudorch: one app spec, deployed to AWS ECS, Azure Container Instances, Kubernetes/GKE or Docker Swarm.

    -f FILE (default ./cloudorch.yaml; repeat it to merge files), --env NAME (an environment of the
    spec), -p PROVIDER (default $CLOUDORCH_PROVIDER), --sandbox (the local emulators instead of a
    cloud) and -o FORMAT go before or after the command.

    \b
    Example:
      cloudorch -f webshop.yaml -p kubernetes --sandbox deploy
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    as_json = wants_json(args)
    try:
        rc = cli.main(args=args, prog_name="cloudorch", standalone_mode=False)
    except CloudorchError as exc:
        _report(exc.lines(), exc.exit_code, as_json, exc)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _report([interrupted_line()], 130, as_json)
        _report(["not confirmed; nothing was changed"], 2, as_json)
    except click.ClickException as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if getattr(exc, "ctx", None) else ""
        _report([exc.format_message() + where], exc.exit_code, as_json)
    except KeyboardInterrupt:
        _report([interrupted_line()], 130, as_json)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if os.environ.get("CLOUDORCH_DEBUG"):
            import traceback

            traceback.print_exc()  # the same exit code with or without the traceback
        _report([f"internal error: {type(exc).__name__}: {exc} (set CLOUDORCH_DEBUG=1 for a traceback)"], 70,
                as_json)
    sys.exit(rc if isinstance(rc, int) else 0)


def _report(lines: list[str], exit_code: int, as_json: bool, exc: BaseException | None = None) -> None:
    for i, line in enumerate(lines):
        if _located(line) or line.startswith(("internal error:", "interrupted")):
            click.echo(line, err=True)  # spec errors: FILE:LINE:COL: field: message, one per problem
        else:  # one error line, then what it left behind
            click.echo(f"error: {line}" if i == 0 else f"  {line}", err=True)
    if as_json:
        import json

        click.echo(json.dumps(error_document(lines, exit_code, exc), indent=2))
    sys.exit(exit_code)


def _located(line: str) -> bool:
    """Spec errors already start with FILE:LINE:COL."""
    head = line.split(": ", 1)[0]
    return head.count(":") >= 2 or head.endswith((".yaml", ".yml", ".json"))

"""The ``cloudorch`` command: a click group whose commands live one per module in this package.

Errors meant for the user (:class:`cloudorch.errors.CloudorchError`) are printed as one line each,
with no traceback, and set the exit code. ``CLOUDORCH_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

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
    "destroy": "destroy",
    "secrets": "secrets",
    "providers": "providers",
    "schema": "schema",
    "sandbox": "sandbox",
    "import": "importer",
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
    "destroy": "Delete every resource the app owns (and nothing else).",
    "secrets": "Store a secret's value where the spec points (set), or list where they live (list).",
    "providers": "List installed providers and their capabilities.",
    "schema": "Print the JSON Schema of the app spec.",
    "sandbox": "Run the local cloud emulators: start | stop | status.",
    "import": "Write a cloudorch spec from docker compose files, with a report of what carried over.",
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

    def format_commands(self, ctx, formatter):
        rows = [(name, HELP.get(name, "")) for name in COMMANDS
                if importlib.util.find_spec(f"cloudorch.cli.{COMMANDS[name]}")]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cloudorch")
def cli() -> None:
    """cloudorch: one app spec, deployed to AWS ECS, Azure Container Instances or Kubernetes/GKE.

    Every command takes -f FILE (default ./cloudorch.yaml) and -p PROVIDER (default
    $CLOUDORCH_PROVIDER); --sandbox runs against the local emulators instead of a cloud.
    """


def main(argv: list[str] | None = None) -> None:
    try:
        rc = cli.main(args=argv, prog_name="cloudorch", standalone_mode=False)
    except CloudorchError as exc:
        for i, line in enumerate(exc.lines()):
            if _located(line):  # spec errors: FILE:LINE:COL: field: message, one per problem
                click.echo(line, err=True)
            else:  # one error line, then what it left behind
                click.echo(f"error: {line}" if i == 0 else f"  {line}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing was deleted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if os.environ.get("CLOUDORCH_DEBUG"):
            import traceback

            traceback.print_exc()  # the same exit code with or without the traceback
        else:
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set CLOUDORCH_DEBUG=1 for a traceback)",
                       err=True)
        sys.exit(70)
    sys.exit(rc if isinstance(rc, int) else 0)


def _located(line: str) -> bool:
    """Spec errors already start with FILE:LINE:COL."""
    head = line.split(": ", 1)[0]
    return head.count(":") >= 2 or head.endswith((".yaml", ".yml", ".json"))

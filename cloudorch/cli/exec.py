"""cloudorch exec: run a command in a running replica; the remote exit code is cloudorch's."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Run COMMAND in a running replica of SERVICE, with stdin (-i), a terminal (-t), its
stdout and stderr, and its exit code as cloudorch's. Put the command after --.

\b
Examples:
  cloudorch exec -f webshop.yaml -p kubernetes web -- env
  cloudorch exec -f webshop.yaml -p swarm -it web -- sh
  echo hello | cloudorch exec -p azure -i web -- cat""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--replica", metavar="NAME", help="The replica (pod, task, container group) to run in; "
              "default: the first running one.")
@click.option("--container", metavar="NAME", help="The container (the service's own or a sidecar's name); "
              "default: the service's own.")
@click.option("-i", "--stdin", "stdin", is_flag=True, help="Send this command's stdin to the remote command.")
@click.option("-t", "--tty", "tty", is_flag=True, help="Give the remote command a terminal (needs one here).")
@click.argument("service")
@click.argument("command", nargs=-1, required=True)
def command(spec_path, provider_name, sandbox, replica, container, stdin, tty, service, command) -> int:
    from cloudorch.cli.live import command_deadline, open_live
    from cloudorch.engine.exec import run_exec
    from cloudorch.remote import ExecRequest

    request = ExecRequest(service, tuple(command), replica, container, stdin, tty)
    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    # the command runs as long as it needs: only the calls that start it have the usual deadline
    return run_exec(provider, request, deadline=command_deadline())

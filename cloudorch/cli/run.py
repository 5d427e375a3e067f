"""cloudorch run: one run of a job now, or a service's one-off admin command; exits with its code."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Start one run of JOB now, print its log lines as they come and exit with its exit
code (0 success; the job's own non-zero code; 4 with a reason when the cloud gives none, e.g. it was
stopped at the job's timeout; 1 for a cloud error). With a SERVICE name, run the COMMAND after `--` once
in a new container with that service's image, env, secrets and resources (a 12-factor admin process).
--no-wait prints the run id and returns at once.

\b
Examples:
  cloudorch run -f webshop.yaml -p aws --sandbox cleanup
  cloudorch run -f webshop.yaml -p kubernetes api -- python manage.py migrate""",
               context_settings={"ignore_unknown_options": False})
@options.spec_file
@options.provider
@options.sandbox
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait for the run's end, streaming its logs (--no-wait: print the run id and return).")
@click.option("--timeout", default=3600.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds to wait in all (the job's own `timeout` stops the run sooner).")
@options.output("text", "json", default="text")
@click.argument("name")
@click.argument("command", nargs=-1)
def command(spec_path, provider_name, sandbox, wait, timeout, output, name, command) -> int:
    import json

    from cloudorch.cli.live import command_deadline, open_live
    from cloudorch.engine.run import check_runnable, run_job

    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    argv = list(command) or None
    check_runnable(provider, name, argv)
    deadline = command_deadline(timeout)
    if not wait:
        run_id = provider.start_run(name, argv, deadline=deadline)
        click.echo(json.dumps({"run": run_id}) if output == "json" else run_id)
        return 0

    def line(log) -> None:
        if output == "json":
            click.echo(json.dumps({"time": log.time.isoformat(), "replica": log.replica,
                                   "container": log.container, "message": log.message}))
        else:
            click.echo(log.format())

    outcome = run_job(provider, name, argv, deadline=deadline, on_line=line,
                      on_event=lambda text: click.echo(text, err=True))
    if output == "json":
        click.echo(json.dumps({"run": outcome.run.to_dict(), "exit_code": outcome.exit_code,
                               "reason": outcome.reason}))
    if outcome.exit_code == 0:
        click.echo(f"{name}: run {outcome.run.id} succeeded", err=True)
    elif outcome.reason:
        click.echo(f"error: {name}: run {outcome.run.id}: {outcome.reason}", err=True)
    else:
        click.echo(f"error: {name}: run {outcome.run.id} exited with code {outcome.exit_code}", err=True)
    return outcome.exit_code

"""cloudorch rollback: return a service to an earlier revision and wait until it is healthy."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Return a service to an earlier revision (default: the one before the running
one; see `cloudorch history`), then wait until it is healthy, with deploy's exit codes (0 healthy,
4 not healthy). The spec is not changed: `plan` then shows the drift and `deploy` restores the spec.

\b
Example:
  cloudorch rollback -f webshop.yaml -p aws web --to 3""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--to", "to", metavar="REVISION", default=None, help="The revision to return to (from `history`).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the service is healthy.")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Overall deadline in seconds for the API calls and the wait.")
@options.output("table", "wide", "json", "yaml")
@click.argument("service")
def command(spec_path, provider_name, sandbox, to, wait, timeout, output, service) -> int:
    from cloudorch import registry
    from cloudorch.cli.failure import JOURNAL
    from cloudorch.cli.live import open_live, print_status
    from cloudorch.cli.progress import LiveView
    from cloudorch.deadline import Deadline
    from cloudorch.engine import rollback
    from cloudorch.session import open_spec

    with LiveView("rollback") as view:
        spec = open_spec(spec_path)
        view.set_app(spec.app, registry.canonical(provider_name or ""), services={service})
        provider = open_live(spec_path, provider_name, sandbox, view=view, spec=spec, start_sandbox=False)
        deadline = Deadline(timeout)
        view.set_phase(f"rolling {service} back...")
        JOURNAL.plan("rollback", [service])
        target, status = rollback(provider, service, to, deadline=deadline, wait=wait, on_status=view.on_status)
        JOURNAL.applied = list(JOURNAL.planned)
        JOURNAL.started = list(JOURNAL.planned)
    if status is None and output in ("json", "yaml"):
        status = provider.status([service], deadline=deadline)
    if output in ("json", "yaml"):
        document = dict(status.to_dict(), rollback={"service": service, "revision": target.revision,
                                                    "image": target.image})
        if output == "json":
            import json

            click.echo(json.dumps(document, indent=2, default=str))
        else:
            import yaml

            click.echo(yaml.safe_dump(document, sort_keys=False), nl=False)
    elif status is not None:
        print_status(status, output)
    click.echo(f"{service}: rolled back to revision {target.revision} ({target.image}); the spec is unchanged: "
               "`cloudorch plan` shows the drift, `cloudorch deploy` restores the spec", err=True)
    return 0

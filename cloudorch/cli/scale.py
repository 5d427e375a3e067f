"""cloudorch scale: set replica counts, SERVICE=N ..."""

from __future__ import annotations

import click

from cloudorch.cli import options


def _counts(pairs: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        if not sep or not number.strip().isdigit():
            raise click.BadParameter(f"{pair!r}: write SERVICE=N, e.g. web=3", param_hint="SERVICE=N")
        counts[name.strip()] = int(number)
    return counts


@click.command(help="""Set replica counts. The spec stays the source of truth: the next deploy
restores its replicas.

\b
Example:
  cloudorch scale -f webshop.yaml -p aws web=3 api=2""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the new counts run.")
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(min=1),
              help="Overall deadline in seconds for the API calls and the wait.")
@options.output("table", "wide", "json", "yaml")
@click.argument("pairs", nargs=-1, required=True, metavar="SERVICE=N...")
def command(spec_path, provider_name, sandbox, wait, timeout, output, pairs) -> int:
    from cloudorch import registry
    from cloudorch.cli.failure import JOURNAL
    from cloudorch.cli.live import open_live, print_status
    from cloudorch.cli.progress import LiveView
    from cloudorch.deadline import Deadline
    from cloudorch.engine import set_replicas, wait_healthy
    from cloudorch.session import open_spec

    counts = _counts(pairs)
    with LiveView("scale") as view:
        spec = open_spec(spec_path)
        view.set_app(spec.app, registry.canonical(provider_name or ""), services=set(counts))
        provider = open_live(spec_path, provider_name, sandbox, view=view, spec=spec, start_sandbox=False)
        deadline = Deadline(timeout)
        JOURNAL.plan("scale", [f"{name}={count}" for name, count in counts.items()])
        view.set_phase("scaling...")
        set_replicas(provider, counts, deadline=deadline)
        JOURNAL.applied = list(JOURNAL.planned)
        JOURNAL.started = list(JOURNAL.planned)
        if wait:
            wait_healthy(provider, list(counts), deadline, view.on_status)
    status = provider.status(list(counts), deadline=deadline) if wait or output in ("json", "yaml") else None
    if status is not None:
        print_status(status, output)
    click.echo(", ".join(f"{n}: scaled to {c}" for n, c in counts.items()), err=True)
    return 0

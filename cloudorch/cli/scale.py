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


@click.command(help="Set replica counts: cloudorch scale -f FILE web=3 api=2. The spec stays the "
                    "source of truth: the next deploy restores its replicas.")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the new counts run.")
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(min=1))
@click.argument("pairs", nargs=-1, required=True, metavar="SERVICE=N...")
def command(spec_path, provider_name, sandbox, wait, timeout, pairs) -> int:
    from cloudorch.cli.live import open_live
    from cloudorch.cli.progress import Progress
    from cloudorch.deadline import Deadline
    from cloudorch.engine import set_replicas, wait_healthy

    counts = _counts(pairs)
    provider = open_live(spec_path, provider_name, sandbox)
    deadline = Deadline(timeout)
    set_replicas(provider, counts, deadline=deadline)
    for name, count in counts.items():
        click.echo(f"{name}: scaled to {count}", err=True)
    if wait:
        with Progress() as progress:
            wait_healthy(provider, list(counts), deadline, progress.on_status)
    return 0

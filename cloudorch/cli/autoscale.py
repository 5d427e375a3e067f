"""cloudorch autoscale: turn a service's native autoscaler on or off."""

from __future__ import annotations

import click

from cloudorch.cli import options


@click.command(help="""Autoscale SERVICE on CPU between --min and --max replicas, or --off.

\b
Examples:
  cloudorch autoscale -f webshop.yaml -p aws web --min 2 --max 10 --cpu 60
  cloudorch autoscale -f webshop.yaml -p aws web --off""")
@options.spec_file
@options.provider
@options.sandbox
@click.option("--min", "low", type=click.IntRange(min=1), help="Fewest replicas.")
@click.option("--max", "high", type=click.IntRange(min=1), help="Most replicas.")
@click.option("--cpu", type=click.IntRange(1, 100), default=70, show_default=True,
              help="Target average CPU utilisation, percent.")
@click.option("--off", is_flag=True, help="Remove the autoscaler (the replica count stays as it is).")
@options.output("text", "json", default="text")
@click.argument("service")
def command(spec_path, provider_name, sandbox, low, high, cpu, off, output, service) -> int:
    from cloudorch.cli.live import command_deadline, open_live
    from cloudorch.engine import set_autoscale
    from cloudorch.errors import UsageError
    from cloudorch.spec.models import Autoscale

    if off and (low or high):
        raise UsageError("--off cannot be combined with --min/--max")
    if not off and not (low and high):
        raise UsageError("give --min and --max (or --off)")
    if not off and low > high:
        raise UsageError(f"--min ({low}) must not exceed --max ({high})")
    provider = open_live(spec_path, provider_name, sandbox, start_sandbox=False)
    set_autoscale(provider, service, None if off else Autoscale(min=low, max=high, cpu_percent=cpu),
                  deadline=command_deadline())
    if output == "json":
        import json

        policy = None if off else {"min": low, "max": high, "cpu_percent": cpu}
        click.echo(json.dumps({"service": service, "autoscale": policy}, indent=2))
    click.echo(f"{service}: autoscaling off" if off else f"{service}: autoscaling {low}..{high} at {cpu}% CPU",
               err=True)
    return 0

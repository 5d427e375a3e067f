"""status --watch: the status table refreshed in place (rich Live) until Ctrl-C; without a terminal, a
new table (or JSON/YAML document) is printed only when the status changed."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from cloudorch.cli.live import command_deadline, print_status, status_table
from cloudorch.live.errors import transient
from cloudorch.provider import AppStatus, Provider


def watch_status(provider: Provider, services: Sequence[str] | None, output: str, interval: float,
                 sleep: Callable[[float], None] = time.sleep, rounds: int | None = None) -> None:
    """Refresh until interrupted (KeyboardInterrupt goes up: the CLI exits 130 without a traceback).
    ``rounds`` bounds the number of reads (tests)."""
    read = _reader(provider, services)
    if output in ("table", "wide") and sys.stdout.isatty():
        from rich.live import Live

        from cloudorch.cli.render_table import console

        wide = output == "wide"
        with Live(status_table(read(), wide=wide), console=console(wide=wide), auto_refresh=False) as live:
            while rounds is None or (rounds := rounds - 1) > 0:
                sleep(interval)
                live.update(status_table(read(), wide=output == "wide"), refresh=True)
        return
    last = None
    while rounds is None or (rounds := rounds - 1) >= 0:
        status = read()
        if status.to_dict() != last:
            last = status.to_dict()
            print_status(status, output)
            sys.stdout.flush()
        if rounds != 0:
            sleep(interval)


def _reader(provider: Provider, services: Sequence[str] | None) -> Callable[[], AppStatus]:
    """One status read per refresh; a transient cloud failure keeps the previous table."""
    previous: list[AppStatus] = []

    def read() -> AppStatus:
        try:
            status = provider.status(services, deadline=command_deadline(60.0))
        except Exception as exc:  # noqa: BLE001 - only transient failures are ridden out
            if not previous or not transient(exc):
                raise
            return previous[-1]
        previous[:] = [status]
        return status

    return read

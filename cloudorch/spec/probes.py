"""In-container shell probes for a spec's ``http`` and ``tcp`` health checks, for platforms whose
health checks only run a command inside the container (Docker HEALTHCHECK semantics).

- http: ``curl -fsS`` or else ``wget -q`` (GNU or busybox) of ``http://127.0.0.1:PORT/PATH``; any
  2xx/3xx answer is healthy (both fail on 4xx and 5xx). Needs a shell and curl or wget in the image.
- tcp: a connection to ``127.0.0.1:PORT`` by ``nc -z`` (OpenBSD/traditional netcat), or else busybox
  ``nc -e true`` (connects, runs ``true``, closes), or else bash's ``/dev/tcp``. Needs a shell and one
  of those in the image.

A probe that finds none of its tools fails, so a missing tool shows up as an unhealthy service,
never as a healthy one.
"""

from __future__ import annotations

import shlex

from cloudorch.spec.models import Health

HTTP_NEEDS = "a shell and curl or wget in the image"
TCP_NEEDS = "a shell and nc (netcat or busybox) or bash in the image"


def http_probe(port: int, path: str) -> str:
    url = shlex.quote(f"http://127.0.0.1:{port}{path}")
    return f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url} || exit 1"


def tcp_probe(port: int) -> str:
    return (f"nc -z -w 2 127.0.0.1 {port} 2>/dev/null || nc -w 2 127.0.0.1 {port} -e true 2>/dev/null "
            f"|| bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' 2>/dev/null || exit 1")


def shell_test(health: Health) -> list[str]:
    """The Docker ``HEALTHCHECK``-style test: ``["CMD", ...]`` or ``["CMD-SHELL", probe]``."""
    if health.command is not None:
        return ["CMD", *health.command]
    if health.http is not None:
        return ["CMD-SHELL", http_probe(health.http.port, health.http.path)]
    assert health.tcp is not None
    return ["CMD-SHELL", tcp_probe(health.tcp.port)]

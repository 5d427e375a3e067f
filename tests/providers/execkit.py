"""What the providers' exec and events tests share: a small app whose service has an environment, a
secret and a sidecar, and the real ``cloudorch`` command run as a subprocess (its stdin a real pipe)."""

from __future__ import annotations

import os
import subprocess
import sys

SPEC = """\
version: 1
name: {name}
services:
  web:
    image: {image}
    env:
      GREETING: hello from web
    secrets:
      TOKEN: api-token
    ports:
      - {{port: 80, protocol: http{public}}}
    resources: {{cpu: 0.25, memory: 512Mi}}
    replicas: {replicas}
    sidecars:
      - name: helper
        image: {image}
        resources: {{cpu: 0.25, memory: 512Mi}}
"""
TOKEN = "t0ken-value"


def write_spec(directory, name: str = "execdemo", image: str = "nginx:1.27.2", replicas: int = 2,
               public: bool = True) -> str:
    path = directory / "app.yaml"
    path.write_text(SPEC.format(name=name, image=image, replicas=replicas, public=", public: true" if public else ""))
    return str(path)


def cloudorch(env: dict[str, str], *args: str, stdin: str | bytes | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """``cloudorch ARGS`` in a subprocess with ``env`` added (the sandbox's directory); stdin a pipe."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-c", "from cloudorch.cli.main import main; main()", *args],
                          input=data if data is not None else b"", capture_output=True, timeout=timeout,
                          env={**os.environ, **env})

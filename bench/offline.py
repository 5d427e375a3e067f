"""Offline speed: CLI start-up, and validate + render of large generated specs per provider.

    .venv/bin/python bench/offline.py            # prints a markdown report
Everything is measured in one run, side by side; figures are medians.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROVIDERS = ("aws", "azure", "gcp", "kubernetes")


def generate_spec(services: int) -> str:
    """One flow-style line per service (so 4,000 services stay under the 1 MiB spec limit), with
    ports, health checks, secrets and dependency chains on all, autoscale on every 5th and a
    sidecar sharing a volume on every 7th."""
    lines = ["version: 1", "name: bench", "labels: {team: bench}", "services:"]
    for i in range(services):
        port = 8000 + i % 1000
        parts = [f"image: acme/app-{i % 17}:1.{i % 9}.0", "env: {MODE: x}", "secrets: {TOKEN: tok}",
                 f"ports: [{{port: {port}, protocol: http{', public: true' if i % 10 == 0 else ''}}}]",
                 "resources: {cpu: 0.5, memory: 1Gi}", f"health: {{http: {{path: /, port: {port}}}}}"]
        if i % 5 == 0:
            parts.append("autoscale: {min: 1, max: 4}")
        if i % 7 == 0:
            parts += ["volumes: [{name: v, path: /v}]", "sidecars: [{name: sc, image: fluent/fluent-bit:3.1.9, "
                      "volumes: [{name: v, path: /v}]}]"]
        if i % 10:
            parts.append(f"depends_on: [s{i - 1:04d}]")
        lines.append(f"  s{i:04d}: {{{', '.join(parts)}}}")
    lines += ["providers:", "  aws: {region: us-east-1}", "  azure: {location: eastus}",
              "  gcp: {project: bench-project, location: us-central1, cluster: bench}",
              "  kubernetes: {namespace: bench}"]
    return "\n".join(lines) + "\n"


def median_wall(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_offline(path: Path, provider: str, runs: int = 3) -> tuple[float, float, int]:
    from cloudorch.session import open_provider, open_spec

    loads, renders, docs = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        spec = open_spec(path)
        loaded = time.perf_counter()
        p = open_provider(spec, provider)
        p.validate()
        docs = len(p.render())
        loads.append(loaded - start)
        renders.append(time.perf_counter() - loaded)
    return statistics.median(loads), statistics.median(renders), docs


def main() -> None:
    exe = sys.executable
    cli = [exe, "-c", "from cloudorch.cli.main import main; main()"]
    base = median_wall([exe, "-c", "pass"], 15)
    help_ = median_wall(cli + ["--help"], 15)
    print("## CLI start-up (median of 15, subprocess wall)\n")
    print("| command | wall | vs `python -c pass` |\n|---|---|---|")
    print(f"| `python -c pass` | {base * 1000:.0f} ms | 1.0x |")
    print(f"| `cloudorch --help` | {help_ * 1000:.0f} ms | {help_ / base:.1f}x |")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for n in (1000, 4000):
            paths[n] = Path(tmp) / f"spec-{n}.yaml"
            paths[n].write_text(generate_spec(n))
        validate_wall = median_wall(cli + ["validate", "-f", str(paths[1000])], 3)
        print(f"| `cloudorch validate` (1,000 services) | {validate_wall * 1000:.0f} ms | "
              f"{validate_wall / base:.1f}x |")
        print("\n## validate + render of generated specs (in process, median of 3)\n")
        print("| provider | services | documents | load + check spec | validate -p + render | total | "
              "4,000 / 1,000 |")
        print("|---|---|---|---|---|---|---|")
        for provider in PROVIDERS:
            totals = {}
            for n, path in paths.items():
                load, render, docs = time_offline(path, provider)
                totals[n] = load + render
                ratio = f"{totals[4000] / totals[1000]:.2f}x" if n == 4000 else ""
                print(f"| {provider} | {n:,} | {docs:,} | {load * 1000:.0f} ms | {render * 1000:.0f} ms | "
                      f"{(load + render) * 1000:.0f} ms | {ratio} |")


if __name__ == "__main__":
    main()

"""Loading a spec from one file vs the same spec plus an overlay file that touches every service
(``-f base.yaml -f overlay.yaml``), for 1,000 and 4,000 services, in one process (median of 3)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from offline import generate_spec

from cloudorch.spec import load_spec


def median_ms(paths: list[Path], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_spec(paths, env={"LOG_LEVEL": "info"})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    print("| services | one file | two files (overlay on every service) | ratio |")
    print("|---|---|---|---|")
    for count in (1000, 4000):
        folder = Path(tempfile.mkdtemp())
        (folder / "base.yaml").write_text(generate_spec(count))
        (folder / "overlay.yaml").write_text("services:\n" + "".join(
            f"  s{i:04d}:\n    replicas: 3\n    env: {{EXTRA: x, MODE: null}}\n" for i in range(count)))
        one = median_ms([folder / "base.yaml"])
        two = median_ms([folder / "base.yaml", folder / "overlay.yaml"])
        print(f"| {count:,} | {one:.0f} ms | {two:.0f} ms | {two / one:.2f}x |")


if __name__ == "__main__":
    main()

"""Registering a provider through a real entry point inside a running test process: a dist-info
folder (``METADATA`` + ``entry_points.txt``) in a directory put on ``sys.path``, which
``importlib.metadata`` finds exactly as it finds an installed distribution."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cloudorch import registry


def write_dist(directory: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str] | None = None) -> Path:
    """Write distribution ``dist`` (with ``cloudorch.providers`` entry points name -> target, and
    optional top-level modules name -> source) into ``directory``; return ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    info = directory / f"{dist.replace('-', '_')}-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{registry.GROUP}]\n{lines}")
    for module, source in (modules or {}).items():
        (directory / f"{module}.py").write_text(source)
    return directory


@contextmanager
def installed_plugin(directory: Path, dist: str, entry_points: dict[str, str],
                     modules: dict[str, str] | None = None) -> Iterator[Path]:
    """Within the block, ``dist`` is installed: its providers are listed and loadable."""
    path = str(write_dist(directory, dist, entry_points, modules))
    sys.path.insert(0, path)
    registry.refresh()
    try:
        yield Path(path)
    finally:
        sys.path.remove(path)
        for module in modules or {}:
            sys.modules.pop(module, None)
        registry.refresh()

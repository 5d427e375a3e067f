"""Starting the swarm sandbox (a real private dockerd) for the tests, and the docker SDK beside it.

Without a runnable dockerd the tests skip with the reason, unless CLOUDORCH_REQUIRE_DOCKER=1 (set by
CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudorch.errors import CloudorchError

REQUIRE = "CLOUDORCH_REQUIRE_DOCKER"


def unavailable(reason: str):
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but the swarm sandbox cannot run: {reason}")
    pytest.skip(f"the swarm sandbox cannot run here: {reason}")


def start_sandbox(directory: Path, **options):
    """An InProcessSandbox with the swarm engine, or a skip (a failure under CLOUDORCH_REQUIRE_DOCKER=1)."""
    from cloudorch.testing.sandbox import InProcessSandbox
    from cloudorch_providers.swarm.engine import dockerd_path

    if dockerd_path() is None:
        unavailable("dockerd is not installed (Debian/Ubuntu: apt-get install docker.io)")
    if os.geteuid() != 0:
        unavailable("dockerd needs root here")
    from cloudorch_providers.swarm.images import busybox_available

    if not busybox_available():
        unavailable("the tests' image is built from a static busybox (Debian/Ubuntu: apt-get install busybox-static)")
    try:
        return InProcessSandbox(directory, ["swarm"], **({"swarm": options} if options else {}))
    except CloudorchError as exc:
        unavailable(str(exc))


def engine_client(box):
    """The docker SDK on the engine's own socket (out of band: not through the counting proxy)."""
    import docker

    return docker.APIClient(base_url=box.config("swarm")["engine_host"], version="1.41", timeout=60)


def create_secret(api, name: str, value: str, labels: dict | None = None) -> str:
    return api.create_secret(name, value.encode(), labels=labels or {})["ID"]


EXAMPLES = Path(__file__).resolve().parents[3] / "specs" / "examples"
SPEC_ENV = {"LOG_LEVEL": "info"}

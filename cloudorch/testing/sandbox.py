"""A sandbox served by the test process itself: the named providers' emulators on free ports,
plus a state file so that ``--sandbox`` commands (with ``CLOUDORCH_SANDBOX_DIR`` set) use them."""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.request
from pathlib import Path
from typing import Any

from cloudorch import registry
from cloudorch.sandbox.daemon import start_all
from cloudorch.sandbox.server import RunningEmulator


class InProcessSandbox:
    def __init__(self, directory: Path, providers: list[str], **emulator_options: Any):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        emulators = {}
        wanted = set(providers)
        for name in providers:  # pull in required peers
            emulator = registry.load(name).emulator(**emulator_options.get(name, {}))
            if emulator is None:
                raise RuntimeError(f"provider {name!r} has no emulator")
            emulators[name] = emulator
            wanted.update(emulator.requires)
        for name in wanted - set(emulators):
            emulators[name] = registry.load(name).emulator(**emulator_options.get(name, {}))
        self.running: dict[str, RunningEmulator] = start_all(emulators, self.directory)
        state = {"pid": os.getpid(), "started": time.time(), "ready": True, "unavailable": {},
                 "emulators": {n: r.client_config() for n, r in self.running.items()}}
        (self.directory / "state.json").write_text(json.dumps(state, indent=2))

    @property
    def env(self) -> dict[str, str]:
        """Environment for CLI invocations that should use this sandbox."""
        return {"CLOUDORCH_SANDBOX_DIR": str(self.directory)}

    def config(self, provider: str) -> dict[str, Any]:
        return self.running[provider].client_config()

    def admin(self, provider: str, what: str, method: str = "GET", body: Any = None) -> Any:
        running = self.running[provider]
        request = urllib.request.Request(
            f"{running.url}/_cloudorch/{what}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        context = ssl.create_default_context(cafile=running.ca_cert) if running.ca_cert else None
        with urllib.request.urlopen(request, timeout=10, context=context) as reply:
            return json.loads(reply.read() or b"null")

    def requests(self, provider: str) -> list[dict[str, Any]]:
        return self.admin(provider, "requests")["requests"]

    def clear_requests(self, provider: str) -> None:
        self.admin(provider, "requests", "DELETE")

    def close(self) -> None:
        for running in self.running.values():
            running.stop()
        (self.directory / "state.json").unlink(missing_ok=True)

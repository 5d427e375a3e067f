"""The sandbox process: serves every installed provider's emulator until SIGTERM.

Run by ``cloudorch sandbox start`` (detached) or in the foreground with
``cloudorch sandbox start --foreground``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time
from pathlib import Path

from cloudorch import registry
from cloudorch.errors import CloudorchError
from cloudorch.sandbox.emulator import Emulator
from cloudorch.sandbox.server import RunningEmulator, serve


def load_emulators() -> tuple[dict[str, Emulator], dict[str, str]]:
    """Every installed provider's emulator, and why any could not be built."""
    emulators: dict[str, Emulator] = {}
    unavailable: dict[str, str] = {}
    for name in registry.names():
        try:
            emulator = registry.load(name).emulator()
        except ImportError as exc:
            unavailable[name] = f"{exc}; pip install 'cloudorch[sandbox]'"
            continue
        except CloudorchError as exc:  # the emulator says itself what is missing and how to get it
            unavailable[name] = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop the others
            unavailable[name] = f"{type(exc).__name__}: {exc}"
            continue
        if emulator is not None:
            emulators[name] = emulator
    return emulators, unavailable


def start_all(emulators: dict[str, Emulator], cert_dir: Path,
              unavailable: dict[str, str] | None = None) -> dict[str, RunningEmulator]:
    """Serve the emulators, each after those it ``requires``. With ``unavailable``, an emulator
    that cannot start (a CloudorchError saying why) is recorded there instead of failing the rest."""
    running: dict[str, RunningEmulator] = {}
    remaining = dict(emulators)
    while remaining:
        ready = [n for n, e in remaining.items() if all(r in running for r in e.requires)]
        if not ready:
            missing = {n: [r for r in e.requires if r not in running] for n, e in remaining.items()}
            raise RuntimeError(f"emulators need peers that are not installed: {missing}")
        for name in sorted(ready):
            emulator = remaining.pop(name)
            peers = {r: running[r].client_config() for r in emulator.requires}
            emulator.state_dir = str(cert_dir)
            try:
                running[name] = serve(emulator, cert_dir=cert_dir, peers=peers)
            except CloudorchError as exc:
                if unavailable is None:
                    raise
                unavailable[name] = str(exc)
                remaining = {n: e for n, e in remaining.items() if name not in e.requires}
    return running


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cloudorch-sandbox")
    parser.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    emulators, unavailable = load_emulators()
    running = start_all(emulators, args.dir, unavailable)
    state = {
        "pid": os.getpid(),
        "started": time.time(),
        "ready": True,
        "emulators": {name: r.client_config() for name, r in running.items()},
        "unavailable": unavailable,
    }
    for name, r in running.items():
        for filename, content in r.emulator.sandbox_files(r.url, r.ca_cert).items():
            (args.dir / filename).write_text(content)
            (args.dir / filename).chmod(0o600)
            state["emulators"][name].setdefault("files", {})[filename] = str(args.dir / filename)
    tmp = args.dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(args.dir / "state.json")
    print(f"sandbox ready: {', '.join(f'{n} {r.url}' for n, r in running.items())}", flush=True)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    while not stopping.wait(1.0):
        pass
    for r in running.values():
        r.stop()
    try:
        if json.loads((args.dir / "state.json").read_text()).get("pid") == os.getpid():
            (args.dir / "state.json").unlink()
    except (OSError, ValueError):
        pass
    print("sandbox stopped", flush=True)


if __name__ == "__main__":
    main()

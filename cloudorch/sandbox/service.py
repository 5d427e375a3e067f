"""The sandbox: one local background process hosting the emulator of every installed provider.

``start()`` spawns ``python -m cloudorch.sandbox.daemon`` detached and waits until it has
written its state file (pid + each emulator's client config); ``client_config(provider)``
starts it when needed. The state lives in ``$CLOUDORCH_SANDBOX_DIR`` or the user's state dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cloudorch.errors import CloudorchError, UsageError

DIR_ENV = "CLOUDORCH_SANDBOX_DIR"


class SandboxError(CloudorchError):
    exit_code = 1


def sandbox_dir() -> Path:
    if os.environ.get(DIR_ENV):
        return Path(os.environ[DIR_ENV])
    import platformdirs

    return Path(platformdirs.user_state_dir("cloudorch")) / "sandbox"


def state_path() -> Path:
    return sandbox_dir() / "state.json"


def read_state() -> dict[str, Any] | None:
    """The running sandbox's state, or None when it is not running (stale state is removed)."""
    path = state_path()
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not _alive(state.get("pid", -1)):
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return state


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours (e.g. in tests) counts as gone
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


#: the only variables the sandbox process inherits: what Python, the emulators and the engines
#: they run need; never the shell's credentials or the secret values a user exported for deploys
KEPT_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", DIR_ENV)


def daemon_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The sandbox process's environment: :data:`KEPT_ENV` and the locale (``LC_*``) only."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if k in KEPT_ENV or k.startswith("LC_")}


def start(timeout: float = 60.0) -> dict[str, Any]:
    """Start the sandbox unless it runs already; return its state."""
    directory = sandbox_dir()
    directory.mkdir(parents=True, exist_ok=True)
    import fcntl

    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = read_state()
        if state:
            return state
        log = open(directory / "sandbox.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloudorch.sandbox.daemon", "--dir", str(directory)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
            env={**daemon_env(), DIR_ENV: str(directory)},
        )
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                tail = (directory / "sandbox.log").read_text(errors="replace").strip().splitlines()[-1:]
                raise SandboxError(f"the sandbox exited at start ({' '.join(tail) or 'no output'}); "
                                   f"see {directory / 'sandbox.log'}")
            state = read_state()
            if state and state.get("pid") == proc.pid and state.get("ready"):
                return state
            time.sleep(0.1)
        proc.terminate()
        raise SandboxError(f"the sandbox did not start within {timeout:g}s; see {directory / 'sandbox.log'}")


def stop(timeout: float = 60.0) -> bool:
    """Stop the sandbox (emulators that run real processes stop them first); False when it was not running."""
    state = read_state()
    if not state:
        return False
    pid = state["pid"]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + timeout
    while time.monotonic() < end and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        state_path().unlink()
    return True


def client_config(provider: str) -> dict[str, Any]:
    """What provider ``provider`` needs to reach its emulator, starting the sandbox if needed."""
    state = start()
    config = state.get("emulators", {}).get(provider)
    if config is None:
        reason = state.get("unavailable", {}).get(provider)
        if reason:
            raise SandboxError(f"the sandbox cannot emulate {provider!r}: {reason}")
        raise UsageError(f"provider {provider!r} has no sandbox emulator; run it against a real cloud "
                         "without --sandbox")
    return config


def admin(provider: str, what: str, method: str = "GET", body: dict | None = None) -> Any:
    """Call an emulator's admin endpoint (``reset``, ``requests``, ``faults``, ``health``)."""
    import ssl
    import urllib.request

    state = read_state()
    if not state or provider not in state.get("emulators", {}):
        raise SandboxError(f"no sandbox emulator for {provider!r} is running; run `cloudorch sandbox start`")
    config = state["emulators"][provider]
    request = urllib.request.Request(
        f"{config['url']}/_cloudorch/{what}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    context = ssl.create_default_context(cafile=config["ca_cert"]) if config.get("ca_cert") else None
    with urllib.request.urlopen(request, timeout=10, context=context) as reply:
        return json.loads(reply.read() or b"null")

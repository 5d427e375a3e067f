"""exec: run a command in a running replica, the same way on every provider.

The provider opens an :class:`~cloudorch.remote.ExecChannel` (or hands the session to a cloud's own
program, :class:`~cloudorch.remote.Handoff`); this module does the terminal work once: raw mode and the
window size for ``-t`` (with resizes on SIGWINCH), stdin pumped in a thread, stdout/stderr written as
they arrive, and the remote exit code returned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
from typing import BinaryIO

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, UsageError
from cloudorch.provider import Provider
from cloudorch.remote import STDERR, ExecChannel, ExecRequest, Handoff


def check_request(provider: Provider, request: ExecRequest, *, terminal: bool) -> None:
    """Refuse what cannot work before any call: an unknown service or container, ``-t`` without a
    terminal, an empty command."""
    app = provider.app
    if request.service not in app.services:
        raise UsageError(f"no service {request.service!r} in {provider.spec.path} "
                         f"(services: {', '.join(app.services)})")
    if not request.command:
        raise UsageError("no command given: put it after --, e.g. `cloudorch exec web -- sh -c 'env'`")
    if request.tty and not terminal:
        raise UsageError("-t needs a terminal, and stdin is not one: drop -t (keep -i to pipe input)")


def run_exec(provider: Provider, request: ExecRequest, *, deadline: Deadline, stdin_fd: int | None = None,
             stdout: BinaryIO | None = None, stderr: BinaryIO | None = None) -> int:
    """Run the request to its end; returns the remote exit code (0 when the cloud reports none)."""
    if stdin_fd is None:
        try:
            stdin_fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (an embedding program's stream)
            stdin_fd = -1
    stdout = stdout or sys.stdout.buffer
    stderr = stderr or sys.stderr.buffer
    terminal = _isatty(stdin_fd)
    check_request(provider, request, terminal=terminal)
    if request.tty:
        size = shutil.get_terminal_size((request.width, request.height))
        request = dataclasses.replace(request, width=size.columns, height=size.lines)
    opened = provider.exec(request, deadline=deadline)
    if isinstance(opened, Handoff):
        return _hand_off(opened)
    try:
        with _raw(stdin_fd) if request.tty else contextlib.nullcontext(), _resizes(opened, request.tty):
            if request.stdin:
                threading.Thread(target=_pump, args=(stdin_fd, opened), name="exec-stdin", daemon=True).start()
            for stream, data in opened.output():
                out = stderr if stream == STDERR else stdout
                out.write(data)
                out.flush()
        code = opened.exit_code
    finally:
        opened.close()
    if code is None and not opened.reports_exit_code:
        stderr.write(f"note: {provider.name} does not report the command's exit code; exiting 0\n".encode())
        stderr.flush()
    return 0 if code is None else code


def _isatty(fd: int) -> bool:
    if fd < 0:
        return False
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _pump(fd: int, channel: ExecChannel) -> None:
    """Local stdin -> the command, then end-of-file; stops quietly when the channel is gone."""
    read = (lambda: os.read(fd, 65536)) if fd >= 0 else (lambda: sys.stdin.buffer.read1(65536))
    try:
        while True:
            data = read()
            if not data:
                break
            channel.send_stdin(data)
        channel.close_stdin()
    except (OSError, ValueError, ProviderError):
        pass  # the command ended (or the connection closed) while stdin was still being read


@contextlib.contextmanager
def _raw(fd: int):
    """The local terminal in raw mode (keys go to the remote terminal as typed), restored after."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _resizes(channel: ExecChannel, tty: bool):
    """Tell the remote terminal the local size at the start and on every SIGWINCH."""
    if not tty or threading.current_thread() is not threading.main_thread():
        yield
        return

    def send(*_):
        size = shutil.get_terminal_size()
        with contextlib.suppress(OSError, ProviderError):
            channel.resize(size.columns, size.lines)

    previous = signal.signal(signal.SIGWINCH, send)
    try:
        send()
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


def _hand_off(handoff: Handoff) -> int:
    """Run the cloud's session program on this terminal; Ctrl-C goes to it, not to cloudorch."""
    if shutil.which(handoff.argv[0]) is None:
        raise ProviderError(handoff.missing)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call(list(handoff.argv), env={**os.environ, **handoff.env})
    finally:
        signal.signal(signal.SIGINT, previous)

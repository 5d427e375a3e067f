"""The engine's exec, with an in-memory channel: output streams apart, stdin pumped to its end, the remote
exit code returned, refusals before the provider is called, the hand-off to a cloud's program; events
merged in time order."""

from __future__ import annotations

import datetime as dt
import io
import os
import queue
import stat

import pytest
from memory_provider import MemoryProvider  # noqa: I001 - sibling test helper

from cloudorch.deadline import Deadline
from cloudorch.engine.events import read_events
from cloudorch.engine.exec import run_exec
from cloudorch.errors import ProviderError, Unsupported, UsageError
from cloudorch.remote import STDERR, STDOUT, Event, ExecChannel, ExecRequest, Handoff
from cloudorch.spec import parse_spec

SPEC = "version: 1\nname: demo\nservices:\n  a: {image: nginx:1.27.2}\n  b: {image: nginx:1.27.2}\n"


class EchoChannel(ExecChannel):
    """Echoes stdin to stdout until end of input, writes one stderr line, exits with ``code``."""

    def __init__(self, code: int | None, reports: bool = True):
        self.code, self.reports_exit_code = code, reports
        self.incoming: queue.Queue[bytes | None] = queue.Queue()
        self.closed = False

    def output(self):
        yield STDERR, b"starting\n"
        while (data := self.incoming.get(timeout=10)) is not None:
            yield STDOUT, data

    def send_stdin(self, data: bytes) -> None:
        self.incoming.put(data)

    def close_stdin(self) -> None:
        self.incoming.put(None)

    @property
    def exit_code(self):
        return self.code

    def close(self):
        self.closed = True


class ExecProvider(MemoryProvider):
    def __init__(self, spec, opened):
        super().__init__(spec)
        self.opened, self.requests = opened, []

    def exec(self, request, *, deadline):
        self.requests.append(request)
        return self.opened

    def events(self, since=None, *, deadline):
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        return [Event(t0 + dt.timedelta(seconds=s), svc, f"Pod/{svc}", "Started", m) for s, svc, m in
                ((3, "b", "b3"), (1, "a", "a1"), (2, "b", "b2"), (1, "a", "a1"))]


def spec():
    return parse_spec(SPEC, "demo.yaml", env={})


def run(provider, request, stdin: bytes = b""):
    import tempfile

    with tempfile.TemporaryFile() as given:
        given.write(stdin)
        given.seek(0)
        read = os.dup(given.fileno())
    out, err = io.BytesIO(), io.BytesIO()
    try:
        code = run_exec(provider, request, deadline=Deadline(10), stdin_fd=read, stdout=out, stderr=err)
    finally:
        os.close(read)
    return code, out.getvalue(), err.getvalue()


def test_stdin_output_and_exit_code():
    channel = EchoChannel(7)
    provider = ExecProvider(spec(), channel)
    code, out, err = run(provider, ExecRequest("a", ("cat",), stdin=True), b"piped data" * 10000)
    assert (code, out, err) == (7, b"piped data" * 10000, b"starting\n")
    assert channel.closed and provider.requests[0].command == ("cat",)


def test_a_cloud_without_exit_codes_is_said():
    code, _, err = run(ExecProvider(spec(), EchoChannel(None, reports=False)), ExecRequest("a", ("sh",), stdin=True))
    assert code == 0 and err.endswith(b"note: memory does not report the command's exit code; exiting 0\n")


def test_refusals_before_any_call():
    provider = ExecProvider(spec(), EchoChannel(0))
    with pytest.raises(UsageError, match="no service 'c'"):
        run(provider, ExecRequest("c", ("true",)))
    with pytest.raises(UsageError, match="-t needs a terminal"):
        run(provider, ExecRequest("a", ("sh",), tty=True))
    with pytest.raises(UsageError, match="no command given"):
        run(provider, ExecRequest("a", ()))
    assert provider.requests == []


def test_providers_without_exec_say_so():
    with pytest.raises(Unsupported, match="cannot run commands in replicas"):
        run(MemoryProvider(spec()), ExecRequest("a", ("true",)))


def test_handoff_runs_the_program_and_names_it_when_missing(tmp_path, monkeypatch):
    program = tmp_path / "fake-plugin"
    program.write_text('#!/bin/sh\n[ "$1" = arg ] && [ "$SESSION" = s1 ] && exit 9\nexit 1\n')
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    handoff = Handoff(("fake-plugin", "arg"), "fake-plugin is missing", {"SESSION": "s1"})
    assert run(ExecProvider(spec(), handoff), ExecRequest("a", ("sh",)))[0] == 9
    missing = Handoff(("no-such-plugin",), "no-such-plugin is not installed; install it")
    with pytest.raises(ProviderError, match="no-such-plugin is not installed"):
        run(ExecProvider(spec(), missing), ExecRequest("a", ("sh",)))


def test_events_merged_in_time_order_and_filtered():
    provider = ExecProvider(spec(), None)
    assert [e.message for e in read_events(provider, deadline=Deadline(5))] == ["a1", "b2", "b3"]
    assert [e.message for e in read_events(provider, ["b"], deadline=Deadline(5))] == ["b2", "b3"]
    since = dt.datetime(2026, 1, 1, 0, 0, 2, tzinfo=dt.UTC)
    assert [e.message for e in read_events(provider, since=since, deadline=Deadline(5))] == ["b2", "b3"]
    with pytest.raises(UsageError):
        read_events(provider, ["zz"], deadline=Deadline(5))
    with pytest.raises(Unsupported):
        read_events(MemoryProvider(spec()), deadline=Deadline(5))

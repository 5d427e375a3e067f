"""The engine's logs: merged in time order, --tail over all services, --follow without repeats."""

from __future__ import annotations

import datetime as dt

import pytest
from memory_provider import MemoryProvider  # noqa: I001 - sibling test helper

from cloudorch.deadline import Deadline
from cloudorch.engine import follow_logs, read_logs
from cloudorch.errors import UsageError
from cloudorch.provider import LogLine
from cloudorch.spec import parse_spec

SPEC = "version: 1\nname: demo\nservices:\n  a: {image: nginx:1.27.2}\n  b: {image: nginx:1.27.2}\n"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class LoggingProvider(MemoryProvider):
    def __init__(self, spec):
        super().__init__(spec)
        self.lines: list[LogLine] = []

    def logs(self, services, since=None, tail=None, *, deadline):
        lines = sorted(x for x in self.lines if x.service in services and (since is None or x.time >= since))
        return lines[-tail:] if tail else lines


def line(seconds: float, service: str, text: str) -> LogLine:
    return LogLine(T0 + dt.timedelta(seconds=seconds), service, "r1", service, text)


@pytest.fixture
def provider():
    p = LoggingProvider(parse_spec(SPEC, "demo.yaml", env={}))
    p.lines = [line(3, "b", "b3"), line(1, "a", "a1"), line(2, "b", "b2"), line(4, "a", "a4")]
    return p


def test_lines_are_merged_in_time_order(provider):
    assert [x.message for x in read_logs(provider, [], deadline=Deadline(None))] == ["a1", "b2", "b3", "a4"]


def test_tail_is_over_all_services(provider):
    assert [x.message for x in read_logs(provider, [], tail=2, deadline=Deadline(None))] == ["b3", "a4"]


def test_unknown_service_is_refused(provider):
    with pytest.raises(UsageError):
        read_logs(provider, ["c"], deadline=Deadline(None))


def test_follow_yields_new_lines_once(provider):
    arrivals = [[line(5, "a", "a5"), line(5, "b", "b5")], [line(6, "a", "a6")], []]

    def sleep(_):  # each poll, the service writes more
        if arrivals:
            provider.lines.extend(arrivals.pop(0))
        else:
            deadline.end = 0  # stop following

    deadline = Deadline(60)
    seen = [x.message for x in follow_logs(provider, [], deadline=deadline, sleep=sleep)]
    assert seen == ["a1", "b2", "b3", "a4", "a5", "b5", "a6"]


def test_format_prefixes_service_replica_container():
    assert line(1, "a", "hello").format() == "2026-01-01T00:00:01.000000Z a/r1/a | hello"

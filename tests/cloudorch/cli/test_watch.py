"""status --watch without a terminal: a new document only when the status changed; a transient cloud
failure keeps the last one; any other failure ends the watch."""

from __future__ import annotations

import json

import pytest

from cloudorch.cli.watch import watch_status
from cloudorch.live.errors import CloudError, Kind
from cloudorch.provider import AppStatus, ServiceStatus, State


class Reads:
    def __init__(self, *answers):
        self.answers, self.calls = list(answers), 0

    def status(self, services, *, deadline):
        self.calls += 1
        answer = self.answers[min(self.calls - 1, len(self.answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        return AppStatus("demo", "memory", [ServiceStatus("web", answer, desired=2, running=2)])


def test_prints_only_changes(capsys):
    provider = Reads(State.PROGRESSING, State.PROGRESSING, State.HEALTHY, State.HEALTHY)
    watch_status(provider, None, "json", 1.0, sleep=lambda _: None, rounds=3)
    documents = capsys.readouterr().out.strip().replace("}\n{", "}\x00{").split("\x00")
    assert [json.loads(d)["state"] for d in documents] == ["PROGRESSING", "HEALTHY"]
    assert provider.calls == 3  # rounds: reads


def test_transient_failures_keep_the_last_status(capsys):
    provider = Reads(State.HEALTHY, CloudError("throttled", Kind.THROTTLED), State.HEALTHY)
    watch_status(provider, None, "json", 1.0, sleep=lambda _: None, rounds=2)
    assert capsys.readouterr().out.count('"app": "demo"') == 1


def test_other_failures_end_the_watch():
    provider = Reads(State.HEALTHY, CloudError("denied", Kind.PERMISSION))
    with pytest.raises(CloudError, match="denied"):
        watch_status(provider, None, "json", 1.0, sleep=lambda _: None, rounds=3)

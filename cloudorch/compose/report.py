"""The import report: for every compose key met, what carried over, what changed meaning, and
what did not carry over and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    CARRIED = "carried"  # same meaning in the cloudorch spec
    CHANGED = "changed"  # carried, but it means something different now: read the note
    DROPPED = "dropped"  # not carried over: the note says why and what to do


@dataclass(frozen=True)
class Entry:
    service: str | None  # the compose service (None: the whole file)
    key: str  # the compose key, e.g. "ports[1]" or "healthcheck"
    outcome: Outcome
    note: str
    where: str = ""  # file:line

    def to_dict(self) -> dict:
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        return data


@dataclass
class Report:
    app: str = ""
    entries: list[Entry] = field(default_factory=list)
    #: compose service name -> cloudorch service name (when they differ)
    renamed: dict[str, str] = field(default_factory=dict)

    def add(self, service: str | None, key: str, outcome: Outcome, note: str, where: str = "") -> None:
        self.entries.append(Entry(service, key, outcome, note, where))

    def counts(self) -> dict[str, int]:
        return {str(o): sum(e.outcome is o for e in self.entries) for o in Outcome}

    def to_dict(self) -> dict:
        return {"app": self.app, "renamed": dict(self.renamed), "summary": self.counts(),
                "entries": [e.to_dict() for e in self.entries]}

    def lines(self) -> list[str]:
        """The report as plain text, one line per key (for tests and pipes)."""
        out = []
        for e in self.entries:
            subject = f"services.{e.service}.{e.key}" if e.service else e.key
            out.append(f"{e.outcome:<8} {subject}: {e.note}" + (f" ({e.where})" if e.where else ""))
        return out

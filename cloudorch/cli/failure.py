"""What the CLI says when a command fails or is interrupted.

``JOURNAL`` records what a changing command (deploy, scale, destroy) has applied so far, so that
Ctrl-C anywhere can say in one line what was applied, what was not started, that nothing was
deleted and that running the same command again resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Journal:
    verb: str = ""
    planned: list[str] = field(default_factory=list)  # "kind name" of every pending change
    applied: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)

    def begin(self, verb: str, changes) -> None:
        self.plan(verb, [_label(c) for c in changes])

    def plan(self, verb: str, labels: list[str]) -> None:
        self.verb, self.planned = verb, list(labels)
        self.applied, self.started = [], []

    def on_change(self, change, phase: str) -> None:
        label = _label(change)
        if phase == "start":
            self.started.append(label)
        elif phase == "done":
            self.applied.append(label)


JOURNAL = Journal()


def _label(change) -> str:
    return f"{change.kind} {change.name}"


def interrupted_line() -> str:
    j = JOURNAL
    if not j.verb:
        return "interrupted; nothing was changed"
    if not j.planned:
        return f"interrupted before {j.verb} changed anything; run the same command again"
    unfinished = [c for c in j.started if c not in j.applied]
    not_started = [c for c in j.planned if c not in j.started]
    deleted = "nothing else was deleted" if j.verb == "destroy" else "nothing was deleted"
    parts = [f"interrupted: {j.verb} applied {len(j.applied)} of {len(j.planned)} changes"
             + (f" ({_short(j.applied)})" if j.applied else "")]
    if unfinished:
        parts.append(f"in flight: {_short(unfinished)}")
    if not_started:
        parts.append(f"not started: {_short(not_started)}")
    parts.append(deleted)
    parts.append("run the same command again to resume")
    return "; ".join(parts)


def _short(labels: list[str], limit: int = 6) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def wants_json(args: list[str]) -> bool:
    """Whether the command line asks for ``-o json`` (read before parsing, so that a command line
    click refuses still gets a JSON error document)."""
    fmt = None
    it = iter(args)
    for arg in it:
        if arg == "--":
            break
        if arg in ("-o", "--output"):
            fmt = next(it, None)
        elif arg.startswith("--output="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-o") and not arg.startswith("--"):
            fmt = arg[2:].lstrip("=")
    return fmt == "json"


def error_document(lines: list[str], exit_code: int, exc: BaseException | None = None) -> dict[str, Any]:
    """``{"error": {"message", "exit_code", "errors": [...]}}``; a failed deploy adds what it
    applied, what it did not and the last status it saw."""
    from cloudorch.errors import SpecError

    if isinstance(exc, SpecError):
        errors = [{"file": i.file, "line": i.line, "col": i.col, "field": i.field, "message": i.message}
                  for i in exc.issues]
        message = f"{len(errors)} problem{'s' * (len(errors) != 1)} in the spec"
    else:
        errors = [{"message": line} for line in lines]
        message = lines[0] if lines else ""
    body: dict[str, Any] = {"message": message, "exit_code": exit_code, "errors": errors}
    result = getattr(exc, "result", None)
    if result is not None:
        body["applied"] = [c.to_dict() for c in result.applied]
        body["not_applied"] = [c.to_dict() for c in result.not_applied()]
        body["status"] = result.status.to_dict() if result.status else None
    if exit_code == 130:
        body["applied"] = list(JOURNAL.applied)
        body["not_started"] = [c for c in JOURNAL.planned if c not in JOURNAL.started]
    return {"error": body}

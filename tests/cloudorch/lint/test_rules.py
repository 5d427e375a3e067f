"""Each lint rule: a spec that triggers it, the fix that clears it, and an accepted finding."""

from __future__ import annotations

import textwrap

import pytest

from cloudorch.lint import RULES, lint
from cloudorch.spec import parse_spec

CLEAN = """
version: 1
name: shop
services:
  web:
    image: nginx:1.27.2@sha256:{digest}
    env: {{LOG_LEVEL: info}}
    ports: [{{port: 8080, protocol: http, public: true}}]
    resources: {{cpu: 0.5, memory: 512Mi}}
    replicas: 2
    health: {{http: {{path: /healthz, port: 8080}}}}
    security: {{run_as_user: 10001, read_only_root: true, drop_capabilities: true}}
""".format(digest="a" * 64)

# rule id -> (text to replace in CLEAN, text that triggers the rule)
TRIGGERS = {
    "CO101": ("nginx:1.27.2@sha256:" + "a" * 64, "nginx:latest"),
    "CO102": ("nginx:1.27.2@sha256:" + "a" * 64, "nginx:1.27.2"),
    "CO201": ("run_as_user: 10001, ", ""),
    "CO202": ("read_only_root: true", "read_only_root: false"),
    "CO203": (", drop_capabilities: true", ""),
    "CO301": ("LOG_LEVEL: info", "DB_PASSWORD: hunter2hunter2"),
    "CO401": ("port: 8080, protocol: http, public: true", "port: 8080, protocol: http}, {port: 5432, public: true"),
    "CO501": ("    health: {http: {path: /healthz, port: 8080}}\n", ""),
    "CO502": ("    resources: {cpu: 0.5, memory: 512Mi}\n", ""),
    "CO503": ("    health: {http: {path: /healthz, port: 8080}}\n", "    autoscale: {min: 2, max: 4}\n"),
    "CO504": ("replicas: 2", "replicas: 1"),
}


def ids(text: str, **kwargs) -> list[str]:
    return [f.rule.id for f in lint(parse_spec(text, "shop.yaml", env={}), text=text, **kwargs).findings]


def test_the_clean_spec_has_no_findings():
    assert ids(CLEAN) == []


def test_every_rule_has_a_trigger_here():
    assert set(TRIGGERS) == set(RULES)


@pytest.mark.parametrize("rule", sorted(TRIGGERS))
def test_rule_fires_and_its_fix_clears_it(rule):
    old, new = TRIGGERS[rule]
    assert old in CLEAN
    broken = CLEAN.replace(old, new)
    assert rule in ids(broken)
    assert rule not in ids(CLEAN)  # the clean spec is the fix applied


@pytest.mark.parametrize("rule", sorted(TRIGGERS))
def test_a_finding_can_be_accepted_with_a_reason(rule):
    old, new = TRIGGERS[rule]
    broken = CLEAN.replace(old, new)
    finding = next(f for f in lint(parse_spec(broken, "shop.yaml", env={}), text=broken).findings
                   if f.rule.id == rule)
    lines = broken.splitlines()
    lines.insert(finding.line - 1, f"    # cloudorch-lint: accept {rule} -- reviewed, see ticket 42")
    accepted_text = "\n".join(lines) + "\n"
    report = lint(parse_spec(accepted_text, "shop.yaml", env={}), text=accepted_text)
    assert rule not in [f.rule.id for f in report.findings]
    assert [f.accepted for f in report.accepted if f.rule.id == rule][0] == "reviewed, see ticket 42"


def test_an_accept_without_a_reason_keeps_the_finding_and_says_so():
    broken = CLEAN.replace("replicas: 2", "replicas: 1  # cloudorch-lint: accept CO504")
    assert ids(broken) == ["CO504", "CO001"] or sorted(ids(broken)) == ["CO001", "CO504"]


def test_ignore_skips_a_rule():
    broken = CLEAN.replace("replicas: 2", "replicas: 1")
    assert ids(broken, ignore=["CO504"]) == []


def test_findings_point_at_the_offending_line():
    broken = CLEAN.replace("LOG_LEVEL: info", "LOG_LEVEL: info, API_TOKEN: Zx81qPw0LmT5vR3nK9bY2cH7")
    finding = lint(parse_spec(broken, "shop.yaml", env={}), text=broken).findings[0]
    assert (finding.rule.id, finding.line, finding.field) == ("CO301", 7, "services.web.env.API_TOKEN")
    assert str(finding).startswith("shop.yaml:7:")
    assert "CO301 error: env API_TOKEN" in str(finding)


@pytest.mark.parametrize("env, secret", [
    ("DATABASE_URL: postgres://shop:s3cret@db/shop", True),
    ("STRIPE_KEY: sk_live_51HqLyjWDarjtT1zdp7dc", True),
    ("SESSION: 9f8Kq2LmZx7Rt4Wv1Yb6Nc3Hd0Pj5Gs", True),  # random-looking whatever its name
    ("TOKEN_TTL: 3600", False),
    ("CACHE_KEY_PREFIX: shop", False),
    ("API_URL: http://api:8080/v1/orders?limit=100", False),
    ("GREETING: 'hello world this is a long sentence'", False),
])
def test_secret_detection(env, secret):
    text = CLEAN.replace("LOG_LEVEL: info", env)
    assert ("CO301" in ids(text)) is secret


def test_sidecars_are_checked_too():
    text = textwrap.dedent(CLEAN) + "    sidecars:\n      - {name: shipper, image: fluent/fluent-bit}\n"
    report = lint(parse_spec(text, "shop.yaml", env={}), text=text)
    assert {(f.rule.id, f.field) for f in report.findings} >= {
        ("CO101", "services.web.sidecars.0.image"), ("CO502", "services.web.sidecars.0")}

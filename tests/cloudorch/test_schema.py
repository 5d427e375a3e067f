"""specs/schema.json is exactly `cloudorch schema`, and every example validates against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cloudorch.spec.schema import app_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_models():
    committed = json.loads((ROOT / "specs" / "schema.json").read_text())
    assert committed == app_schema(), "specs/schema.json drifted: run `cloudorch schema > specs/schema.json`"


@pytest.mark.parametrize("example", sorted((ROOT / "specs" / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_validate_against_the_schema(example):
    jsonschema.Draft202012Validator(app_schema()).validate(yaml.safe_load(example.read_text()))


def test_schema_rejects_unknown_provider_blocks():
    doc = {"version": 1, "name": "x", "services": {"web": {"image": "nginx:1"}}, "providers": {"awz": {}}}
    errors = list(jsonschema.Draft202012Validator(app_schema()).iter_errors(doc))
    assert errors


def test_schema_describes_environments_and_override_blocks():
    schema = app_schema()
    assert "environments" in schema["properties"]
    defs = schema["$defs"]
    aws = defs["AwsSettings"]["properties"]["overrides"]
    assert aws["additionalProperties"] == {"$ref": "#/$defs/AwsAWSOverride"} and "propertyNames" in aws
    assert set(defs["AwsAWSOverride"]["properties"]) == {"task_definition", "service"}
    assert set(defs["KubernetesKubernetesOverride"]["properties"]) == {"deployment", "service"}
    assert set(defs["GcpKubernetesOverride"]["properties"]) == {"deployment", "service"}
    assert set(defs["AzureAzureOverride"]["properties"]) == {"container_group"}


# -- the schema and `validate` agree on everything a schema can express ------------------------

MALFORMED = ROOT / "tests" / "cloudorch" / "spec" / "malformed"
#: malformed cases a JSON Schema cannot express (YAML-level rules, cross-field checks, ranges of
#: unit-bearing strings, interpolation at load time): validate refuses them, the schema cannot
BEYOND_A_SCHEMA = {
    # YAML reading (the schema sees data, not text)
    "alias-bomb", "alias-cap", "custom-tag", "python-tag", "deep-nesting", "duplicate-key", "duplicate-service",
    "empty-file", "merge-key", "non-string-key", "nul-byte", "invalid-utf8", "two-documents", "unclosed-bracket",
    "tab-indent",
    # cross-field checks
    "all-problems-in-one-run", "autoscale-min-over-max", "depends-cycle", "depends-self", "depends-unknown",
    "env-and-secret", "health-no-kind", "health-port-not-exposed", "health-timeout-over-interval",
    "health-two-kinds", "health-http-without-ports", "port-twice", "replicas-outside-autoscale",
    "sidecar-unknown-volume",
    # values a pattern cannot bound: cpu precision, memory and duration ranges
    "cpu-too-fine", "cpu-infinite", "resources-over-cloud-limits", "health-zero-durations",
    "health-interval-a-year",
    # interpolation (resolved from the environment at load time)
    "interpolation-unset", "interpolation-required", "interpolation-bad-name", "interpolation-nested-unset",
}


def _as_written(path: Path):
    """The document as an editor's schema validator sees it: YAML 1.2 typed, not interpolated."""
    from cloudorch.spec.yamlsafe import YamlProblem, read_yaml

    try:
        return read_yaml(path.read_bytes().decode("utf-8")).data
    except (YamlProblem, UnicodeDecodeError):
        return None


@pytest.mark.parametrize("case", sorted(p.stem for p in MALFORMED.glob("*.yaml")))
def test_the_schema_refuses_what_validate_refuses(case):
    data = _as_written(MALFORMED / f"{case}.yaml")
    errors = [] if data is None else list(jsonschema.Draft202012Validator(app_schema()).iter_errors(data))
    if case in BEYOND_A_SCHEMA:
        return
    assert errors, f"{case}: validate refuses it, the schema accepts it"


VALID = [
    """version: 1
name: a
services:
  web:
    image: nginx:${TAG:-1.27}
    replicas: ${N:-2}
    ports:
      - port: ${PORT:-80}
        public: ${PUBLIC:-false}
        protocol: ${PROTO:-tcp}
    resources:
      cpu: ${CPU:-0.5}
      memory: ${MEM:-512Mi}
""",
    "version: 1\nname: a\nservices:\n  web:\n    image: nginx\n    env: {VERSION: 1.10, ON: true, N: 3}\n"
    "    health: {tcp: {port: 80}, interval: 1h, timeout: 1s, start_period: 0s}\n    ports: [{port: 80}]\n",
    "version: 1\nname: a\nservices:\n  web-1:\n    image: nginx\n    depends_on: [db]\n  db: {image: redis}\n"
    "providers:\n  aws:\n    region: ${AWS_REGION:-us-east-1}\n",
]


@pytest.mark.parametrize("text", VALID)
def test_both_accept_valid_specs_with_interpolation(text, tmp_path):
    from cloudorch.session import open_spec
    from cloudorch.spec.yamlsafe import read_yaml

    jsonschema.Draft202012Validator(app_schema()).validate(read_yaml(text).data)
    path = tmp_path / "s.yaml"
    path.write_text(text)  # the loader types each value after substitution
    open_spec(path)


@pytest.mark.parametrize("name", ["Web", "web_1", "-web", "a" * 31])
def test_both_refuse_bad_service_names(name, tmp_path):
    from cloudorch.errors import SpecError
    from cloudorch.session import open_spec

    doc = {"version": 1, "name": "x", "services": {name: {"image": "nginx:1"}}}
    assert list(jsonschema.Draft202012Validator(app_schema()).iter_errors(doc))
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(doc))
    with pytest.raises(SpecError):
        open_spec(path)


def test_defaults_have_the_type_their_field_takes():
    def walk(node):
        if isinstance(node, dict):
            if "default" in node and node["default"] is not None:
                members = node.get("anyOf", [node])
                assert any(jsonschema.Draft202012Validator({**m, "$defs": app_schema()["$defs"]}).is_valid(
                    node["default"]) for m in members if "$ref" not in m), node
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(app_schema())

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
    assert list(aws["patternProperties"].values()) == [{"$ref": "#/$defs/AwsAWSOverride"}]
    assert set(defs["AwsAWSOverride"]["properties"]) == {"task_definition", "service"}
    assert set(defs["KubernetesKubernetesOverride"]["properties"]) == {"deployment", "service"}
    assert set(defs["GcpKubernetesOverride"]["properties"]) == {"deployment", "service"}
    assert set(defs["AzureAzureOverride"]["properties"]) == {"container_group"}

"""AWS override blocks: merged into what deploy sends, checked against botocore's ECS model with
file:line (deploy, plan and redeploy on the sandbox: test_live_aws, which owns the AWS sandbox)."""

from __future__ import annotations

import pytest

from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec

SPEC = """\
version: 1
name: ovr
services:
  web:
    image: nginx:1.27
    secrets: {{DB_PASSWORD: db}}
    ports: [{{port: 80, public: true}}]
providers:
  aws:
    region: us-east-1
    overrides:
      web:
        task_definition:
          containerDefinitions:
            - name: web
              stopTimeout: {stop}
              ulimits: [{{name: nofile, softLimit: 4096, hardLimit: 8192}}]
        service:
          healthCheckGracePeriodSeconds: 30
"""


def provider(text: str, box=None):
    p = open_provider(parse_spec(text, "ovr.yaml", env={}), "aws", live=box is not None)
    if box is not None:
        p.sandbox = box.config("aws")
    return p


def test_override_is_merged_into_the_rendered_calls():
    docs = {d.kind: d.body for d in provider(SPEC.format(stop=60)).render()}
    [web] = docs["TaskDefinition"]["containerDefinitions"]
    assert web["stopTimeout"] == 60 and web["ulimits"][0]["name"] == "nofile"
    assert web["image"] == "nginx:1.27" and web["secrets"][0]["name"] == "DB_PASSWORD"  # the rest is kept
    assert docs["Service"]["healthCheckGracePeriodSeconds"] == 30


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("stopTimeout: {stop}", "stopTimout: {stop}", "16:15: providers.aws.overrides.web.task_definition."
     "containerDefinitions.0.stopTimout", "unknown field 'stopTimout' in ECS RegisterTaskDefinition; did you mean"),
    ("softLimit: 4096", 'softLimit: "4096"', "17:51: providers.aws.overrides.web.task_definition."
     "containerDefinitions.0.ulimits.0.softLimit", "'4096' has the wrong type for ECS RegisterTaskDefinition"),
    ("healthCheckGracePeriodSeconds: 30", "serviceName: other", "19:24: providers.aws.overrides.web.service."
     "serviceName", "refused: serviceName is cloudorch's"),
    ("stopTimeout: {stop}", "environment: [{{name: DB_PASSWORD, value: hunter2}}]", "16:56: providers.aws."
     "overrides.web.task_definition.containerDefinitions.0.environment.0.value",
     "refused: a value for DB_PASSWORD written in clear"),
    ("healthCheckGracePeriodSeconds: 30", "tags: [{{key: cloudorch-app, value: other}}]",
     "19:17: providers.aws.overrides.web.service.tags", "refused: the override changes or removes the ownership"),
])
def test_bad_overrides_are_errors_at_their_file_and_line(old, new, where, message):
    with pytest.raises(SpecError) as info:
        provider(SPEC.replace(old, new).format(stop=60)).render()
    [issue] = info.value.issues
    assert str(issue).startswith(f"ovr.yaml:{where}: ") and message in str(issue), str(issue)


def test_unknown_service_in_overrides():
    text = SPEC.replace("    overrides:\n      web:", "    overrides:\n      wbe:").format(stop=60)
    with pytest.raises(SpecError, match=r"ovr.yaml:12:7: providers.aws.overrides.wbe: no service 'wbe'"):
        provider(text).render()


def test_validate_reports_override_fields():
    lines = [r for r in provider(SPEC.format(stop=60)).validate() if r.fit is Fit.OVERRIDE]
    assert [r.field for r in lines] == [
        "providers.aws.overrides.web.task_definition.containerDefinitions",
        "providers.aws.overrides.web.service.healthCheckGracePeriodSeconds"]
    assert all("checked against botocore's ECS model" in r.note for r in lines)

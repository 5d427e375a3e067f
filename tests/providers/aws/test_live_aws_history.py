"""AWS plan values, history and rollback against the sandbox (moto's server behind our emulator, boto3):
the task definition's changed values by container, the service's task definition with the images it
runs, history from the family's marked revisions only, a rollback by UpdateService, the drift it
leaves and the deploy that ends it."""

from __future__ import annotations

import uuid

import boto3
import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy, rollback, service_history
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox

pytestmark = pytest.mark.sandbox

SPEC = """
version: 1
name: {app}
services:
  web:
    image: nginx:{tag}
    replicas: {replicas}
    env: {{MODE: "{mode}", API_TOKEN: "{token}"}}
    ports: [{{port: 80}}]
providers:
  aws: {{region: us-east-1}}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-history"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


@pytest.fixture
def make(box):
    app = f"h{uuid.uuid4().hex[:6]}"

    def provider(tag: str, replicas: int = 1, mode: str = "a", token: str = "tok-aaaa-1111"):
        text = SPEC.format(app=app, tag=tag, replicas=replicas, mode=mode, token=token)
        p = open_provider(parse_spec(text, f"{app}.yaml", env={}), "aws", live=True)
        p.sandbox = box.config("aws")
        return p

    provider.app = app
    return provider


def converge(p):
    result = deploy(p, p.plan(deadline=Deadline(60)), deadline=Deadline(60), poll=0.2)
    assert result.status.healthy, result.status


def test_plan_values_of_a_task_definition_and_a_service(make):
    converge(make("1.27.1"))
    plan = make("1.27.2", replicas=2, mode="b", token="tok-bbbb-2222").plan(deadline=Deadline(60))
    shown = {(c.kind, d.path): (d.live, d.desired) for c in plan.pending for d in c.diff}
    assert shown[("TaskDefinition", "containerDefinitions[web].image")] == ("nginx:1.27.1", "nginx:1.27.2")
    assert shown[("TaskDefinition", "containerDefinitions[web].environment[MODE].value")] == ("a", "b")
    assert shown[("TaskDefinition", "containerDefinitions[web].environment[API_TOKEN].value")] == \
        ("(secret)", "(secret)")
    assert shown[("Service", "desiredCount")] == (1, 2)
    live, desired = shown[("Service", "taskDefinition")]
    assert live == f"{make.app}-web:1" and "the revision this deploy registers" in desired
    assert shown[("Service", "images.web")] == ("nginx:1.27.1", "nginx:1.27.2")
    assert "tok-" not in repr(plan.to_dict())


def test_history_lists_only_the_apps_revisions_and_rollback_returns(box, make):
    converge(make("1.27.1"))
    p = make("1.27.2")
    converge(p)
    config = box.config("aws")
    ecs = boto3.client("ecs", region_name="us-east-1", endpoint_url=config["url"],
                       aws_access_key_id=config["access_key"], aws_secret_access_key=config["secret_key"])
    ecs.register_task_definition(family=f"{make.app}-web", containerDefinitions=[  # by hand: no markers
        {"name": "web", "image": "nginx:9.9.9", "memory": 128}])
    history = service_history(p, "web", deadline=Deadline(60))
    assert [(r.revision, r.image, r.current) for r in history] == [("1", "nginx:1.27.1", False),
                                                                   ("2", "nginx:1.27.2", True)]
    assert all(r.time is not None for r in history)
    assert {d.path for d in history[1].changes} == {"containerDefinitions[web].image"}

    target, status = rollback(p, "web", deadline=Deadline(60), poll=0.2)
    assert target.revision == "1" and status.healthy and status.services[0].image == "nginx:1.27.1"
    assert [r.revision for r in service_history(p, "web", deadline=Deadline(60)) if r.current] == ["1"]
    drift = p.plan(deadline=Deadline(60))
    shown = {(c.kind, d.path): (d.live, d.desired) for c in drift.pending for d in c.diff}
    assert shown[("Service", "images.web")] == ("nginx:1.27.1", "nginx:1.27.2")
    # the hand-registered revision is the family's latest now: the spec's is registered again
    assert shown[("TaskDefinition", "containerDefinitions[web].image")] == ("nginx:9.9.9", "nginx:1.27.2")
    converge(p)
    assert p.plan(deadline=Deadline(60)).empty

"""AWS live operations beyond the conformance suite: endpoints, update plans, errors."""

from __future__ import annotations

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.errors import ProviderUnavailable
from cloudorch.provider import Action
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox

HELLO = """
version: 1
name: hello
services:
  web:
    image: nginx:{tag}
    ports: [{{port: 80, protocol: http, public: true}}]
providers:
  aws: {{region: us-east-1}}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-live"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


def provider_for(box, tag: str):
    p = open_provider(parse_spec(HELLO.format(tag=tag), "hello.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


def test_public_service_reports_its_task_ip(box):
    p = provider_for(box, "1.27.2")
    result = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    [web] = result.status.services
    assert web.state == "HEALTHY" and len(web.endpoints) == 1
    ip, port = web.endpoints[0].rsplit(":", 1)
    assert port == "80" and ip.count(".") == 3


def test_an_image_change_registers_a_revision_and_updates_the_service(box):
    deploy(provider_for(box, "1.27.2"), provider_for(box, "1.27.2").plan(deadline=Deadline(60)), poll=0.2)
    p = provider_for(box, "1.27.3")
    changes = {(c.kind, str(c.action)): c.fields for c in p.plan(deadline=Deadline(60)).pending}
    assert changes == {("TaskDefinition", "update"): ["containers"], ("Service", "update"): ["taskDefinition"]}
    status = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2).status
    assert status.services[0].image == "nginx:1.27.3" and status.services[0].revision == "hello-web:2"
    assert provider_for(box, "1.27.3").plan(deadline=Deadline(60)).empty


def test_orphaned_service_is_deleted_by_the_next_deploy(box):
    two = HELLO.format(tag="1.27.2").replace("providers:", "  api:\n    image: nginx:1.27.2\nproviders:")
    p = open_provider(parse_spec(two, "two.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    one = provider_for(box, "1.27.2")
    deletions = [(c.kind, c.name) for c in one.plan(deadline=Deadline(60)).pending if c.action is Action.DELETE]
    assert ("Service", "hello-api") in deletions and ("TaskDefinition", "hello-api") in deletions


def test_no_credentials_is_one_line_with_the_fix(monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    p = open_provider(parse_spec(HELLO.format(tag="1"), "hello.yaml", env={}), "aws", live=True)
    with pytest.raises(ProviderUnavailable) as caught:
        p.status(deadline=Deadline(60))
    assert "no AWS credentials found" in str(caught.value) and "\n" not in str(caught.value)

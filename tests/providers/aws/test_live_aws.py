"""AWS live operations beyond the conformance suite: endpoints, update plans, errors."""

from __future__ import annotations

import time

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import DeployFailed, deploy
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

OVERRIDE_SPEC = """\
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


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-live"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


def provider_for(box, tag: str):
    p = open_provider(parse_spec(HELLO.format(tag=tag), "hello.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


def test_public_service_reports_its_load_balancer(box):
    p = provider_for(box, "1.27.2")
    result = deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    [web] = result.status.services
    assert web.state == "HEALTHY"
    assert web.endpoints == ["http://hello-1.us-east-1.elb.amazonaws.com"]


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


def override_provider(text: str, box):
    p = open_provider(parse_spec(text, "ovr.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


def test_override_blocks_deploy_plan_and_redeploy(box):
    p = override_provider(OVERRIDE_SPEC.format(stop=60), box)
    p.store_secret("db", "s3cret-db-password", deadline=Deadline(30))  # tasks start only once it exists
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    ecs = p._aws(Deadline(30))("ecs")
    definition = ecs.describe_task_definition(taskDefinition="ovr-web")["taskDefinition"]
    assert definition["containerDefinitions"][0]["stopTimeout"] == 60
    service = ecs.describe_services(cluster="ovr", services=["ovr-web"])["services"][0]
    assert service["healthCheckGracePeriodSeconds"] == 30

    box.clear_requests("aws")
    again = override_provider(OVERRIDE_SPEC.format(stop=60), box)
    assert again.plan(deadline=Deadline(60)).empty
    deploy(again, again.plan(deadline=Deadline(60)), poll=0.2)
    assert not [r for r in box.requests("aws") if r["mutating"]], "a redeploy made a mutating call"

    final = OVERRIDE_SPEC.format(stop=90).replace("GracePeriodSeconds: 30", "GracePeriodSeconds: 45")
    changed = override_provider(final, box)
    pending = {c.kind: c.fields for c in changed.plan(deadline=Deadline(60)).pending}
    assert pending == {"TaskDefinition": ["containers"], "Service": ["taskDefinition", "healthCheckGracePeriodSeconds"]}
    deploy(changed, changed.plan(deadline=Deadline(60)), poll=0.2)
    final = OVERRIDE_SPEC.format(stop=90).replace("GracePeriodSeconds: 30", "GracePeriodSeconds: 45")
    assert override_provider(final, box).plan(deadline=Deadline(60)).empty
    # leave nothing behind: moto's state is process-global and other modules' sandboxes share it
    gone = override_provider(final, box)
    gone.destroy(gone.destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))


def test_a_hanging_reply_ends_the_deploy_by_its_deadline(box):
    """Every call answers 60 s late: the deploy ends near its 8 s deadline (not after the replies),
    with one line naming the change it was applying."""
    p = open_provider(parse_spec(HELLO.replace("name: hello", "name: slow").format(tag="1.27.2"), "slow.yaml",
                                 env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    deadline = Deadline(8)
    plan = p.plan(deadline=deadline)
    box.admin("aws", "faults", "POST", {"status": 0, "delay": 60, "count": -1})
    started = time.monotonic()
    try:
        with pytest.raises(DeployFailed) as caught:
            deploy(p, plan, deadline=deadline, poll=0.2)
    finally:
        box.admin("aws", "faults", "DELETE")
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 1
    assert message.startswith(("timed out after 8s while applying ", "create ")), message
    assert "Read timeout" in message or "timed out" in message
    assert time.monotonic() - started < 45  # generous: far below the 60 s the replies would take

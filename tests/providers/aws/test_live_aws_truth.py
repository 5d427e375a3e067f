"""Deploy tells the truth on AWS: a revision the circuit breaker rolled back fails the deploy, a
missing secret names itself and the fix, and transient replies while polling never fail a deploy
(the deadline still holds). Through the sandbox with its fault rules."""

from __future__ import annotations

import pytest

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.engine import deploy
from cloudorch.engine.deploy import DeployFailed
from cloudorch.engine.wait import wait_healthy
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec
from cloudorch.testing import InProcessSandbox

SPEC = """
version: 1
name: {name}
services:
  web:
    image: {image}
    secrets: {{TOKEN: token}}
    ports: [{{port: 80, protocol: http, public: true}}]
providers:
  aws: {{region: us-east-1}}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = InProcessSandbox(tmp_path_factory.mktemp("aws-truth"), ["aws"], aws={"start_delay": 0.2, "period": 0.1})
    yield sandbox
    sandbox.close()


def provider(box, name: str, image: str = "nginx:1.27.2"):
    p = open_provider(parse_spec(SPEC.format(name=name, image=image), f"{name}.yaml", env={}), "aws", live=True)
    p.sandbox = box.config("aws")
    return p


def test_a_rolled_back_revision_fails_the_deploy_and_says_what_serves(box):
    good = provider(box, "rollback")
    good.store_secret("token", "t", deadline=Deadline(60))
    deploy(good, good.plan(deadline=Deadline(60)), poll=0.2)
    bad = provider(box, "rollback", "nginx:crashloop")
    with pytest.raises(DeployFailed) as caught:
        deploy(bad, bad.plan(deadline=Deadline(60)), poll=0.2, deadline=Deadline(60))
    message = str(caught.value)
    assert caught.value.exit_code == 4
    assert "new revision rollback-web:2 failed" in message
    assert "rolled back to rollback-web:1, which is serving now" in message
    assert "Essential container in task exited" in message
    # after the rollback completed, status still says the spec's revision is not what runs
    [web] = provider(box, "rollback", "nginx:crashloop").status(deadline=Deadline(60)).services
    assert str(web.state) == "FAILED" and web.revision == "rollback-web:1" and "rolled back" in web.message


def test_a_missing_secret_fails_the_deploy_naming_it_and_the_fix(box):
    p = provider(box, "nosecret")
    with pytest.raises(DeployFailed) as caught:
        deploy(p, p.plan(deadline=Deadline(60)), poll=0.2, deadline=Deadline(60))
    message = str(caught.value)
    assert caught.value.exit_code == 4
    assert "ResourceInitializationError" in message and "/nosecret/token" in message
    assert "store it with `cloudorch secrets set -p aws token`" in message


def test_secrets_are_stored_listed_and_restarted(box):
    p = provider(box, "stored")
    [before] = p.secret_locations(deadline=Deadline(60))
    assert (before.name, before.where, before.exists, before.services) == (
        "token", "SSM parameter /stored/token", False, ["web"])
    assert p.store_secret("token", "v1", deadline=Deadline(60)) == "SSM parameter /stored/token"
    # overwritten, not refused
    assert p.store_secret("token", "v2", deadline=Deadline(60)) == "SSM parameter /stored/token"
    assert provider(box, "stored").secret_locations(deadline=Deadline(60))[0].exists is True
    deploy(p, p.plan(deadline=Deadline(60)), poll=0.2)
    box.clear_requests("aws")
    p.restart("web", deadline=Deadline(60))
    assert [r["action"] for r in box.requests("aws") if r["mutating"]] == ["ecs:UpdateService"]


@pytest.mark.parametrize("code, status", [("InvalidNetworkInterfaceID.NotFound", 400), ("ThrottlingException", 400),
                                          ("ServiceUnavailable", 503)])
def test_transient_replies_while_polling_do_not_fail_a_deploy(box, code, status):
    name = f"flaky{status}{code[:4].lower()}"
    p = provider(box, name)
    p.store_secret("token", "t", deadline=Deadline(60))
    plan = p.plan(deadline=Deadline(60))
    # more failures than a poll's retries, on the reads a status poll makes
    box.admin("aws", "faults", "POST", {"match": "ecs:DescribeServices", "status": status, "code": code,
                                        "message": "transient", "count": 8})
    result = deploy(p, plan, poll=0.1, deadline=Deadline(60))
    assert result.status.healthy


def test_the_deadline_still_holds_when_polls_keep_failing(box):
    p = provider(box, "throttled")
    p.store_secret("token", "t", deadline=Deadline(60))
    deploy(p, p.plan(deadline=Deadline(60)), wait=False, deadline=Deadline(60))
    box.admin("aws", "faults", "POST", {"match": "ecs:DescribeServices", "status": 400, "code": "ThrottlingException",
                                        "message": "Rate exceeded", "count": 100000})
    try:
        with pytest.raises(DeadlineExceeded) as caught:
            wait_healthy(p, ["web"], Deadline(3), interval=0.1)
        assert "timed out after 3s" in str(caught.value) and "ThrottlingException" in str(caught.value)
    finally:
        box.admin("aws", "faults", "DELETE")

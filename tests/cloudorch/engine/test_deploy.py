"""The engine's deploy/destroy: dependency waves, bounded concurrency, failure reports."""

from __future__ import annotations

import pytest
from memory_provider import MemoryProvider  # noqa: I001 - sibling test helper

from cloudorch.deadline import Deadline
from cloudorch.engine import DeployFailed, deploy, destroy
from cloudorch.spec import parse_spec

D = Deadline(None)

SPEC = """
version: 1
name: demo
services:
  db: {image: postgres:16.4}
  cache: {image: redis:7.4.1}
  api: {image: acme/api:1.0.0, depends_on: [db, cache]}
  web: {image: nginx:1.27.2, depends_on: [api]}
  worker: {image: acme/worker:1.0.0, depends_on: [db]}
"""


@pytest.fixture
def provider():
    return MemoryProvider(parse_spec(SPEC, "demo.yaml", env={}))


def test_services_are_applied_after_their_dependencies(provider):
    deploy(provider, provider.plan(deadline=D), parallel=4, poll=0)
    order = [name for _, name in provider.calls]
    for service, deps in (("api", ["db", "cache"]), ("web", ["api"]), ("worker", ["db"])):
        assert all(order.index(dep) < order.index(service) for dep in deps), order
    assert provider.plan(deadline=D).empty


def test_parallel_bounds_concurrency(provider):
    provider.delay = 0.05
    deploy(provider, provider.plan(deadline=D), parallel=1, poll=0)
    assert provider.max_active == 1
    other = MemoryProvider(provider.spec)
    other.delay = 0.05
    deploy(other, other.plan(deadline=D), parallel=8, poll=0)
    assert other.max_active == 2  # the widest wave is {db, cache}, then {api, worker}


def test_unchanged_spec_applies_nothing(provider):
    deploy(provider, provider.plan(deadline=D), poll=0)
    provider.calls.clear()
    result = deploy(provider, provider.plan(deadline=D), poll=0)
    assert provider.calls == [] and result.applied == []


def test_a_failure_stops_later_waves_and_reports_what_was_done(provider):
    provider.failing = {"api"}
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, provider.plan(deadline=D), poll=0)
    lines = caught.value.lines()
    assert lines[0] == "service api: RuntimeError: boom while applying api"
    assert "nothing was rolled back or deleted" in lines[1]
    assert lines[2] == "not applied (run `cloudorch deploy` again after fixing): web"
    assert "web" not in provider.live and "db" in provider.live


def test_a_failed_service_fails_the_deploy_naming_it(provider):
    provider.crashing = {"cache"}
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, provider.plan(deadline=D), poll=0)
    assert caught.value.exit_code == 4
    assert str(caught.value) == "service cache failed: CrashLoopBackOff"


def test_no_wait_returns_after_the_calls(provider):
    result = deploy(provider, provider.plan(deadline=D), wait=False)
    assert result.status is None and len(result.applied) == 5


def test_deadline_expired_before_applying(provider):
    deadline = Deadline(0.0)
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, provider.plan(deadline=D), deadline=deadline, poll=0)
    assert "timed out" in str(caught.value)


def test_removed_services_are_deleted_last(provider):
    deploy(provider, provider.plan(deadline=D), poll=0)
    provider.live["legacy"] = 1
    provider.calls.clear()
    deploy(provider, provider.plan(deadline=D), poll=0)
    assert provider.calls == [("delete", "legacy")]


def test_destroy_deletes_dependants_first(provider):
    deploy(provider, provider.plan(deadline=D), poll=0)
    provider.calls.clear()
    destroy(provider, provider.destroy_plan(deadline=D))
    order = [name for _, name in provider.calls]
    assert order.index("web") < order.index("api") < order.index("db")
    assert provider.live == {}


def test_transient_status_failures_are_retried_while_waiting(provider):
    provider.flaky = 2
    result = deploy(provider, provider.plan(deadline=D), poll=0)
    assert result.status.healthy and provider.flaky == 0


def test_transient_status_failures_until_the_deadline_name_what_was_awaited(provider):
    deploy(provider, provider.plan(deadline=D), poll=0)
    provider.live["web"] = 0  # an update to apply, then a status that never answers
    provider.flaky = 10**6
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, provider.plan(deadline=D), deadline=Deadline(0.3), poll=0.05)
    text = str(caught.value)
    assert "timed out after 0.3s reading the status of" in text and "connection reset by peer" in text
    assert caught.value.exit_code == 1


def test_every_operation_gets_the_deadline(provider):
    deadline = Deadline(60)
    deploy(provider, provider.plan(deadline=deadline), deadline=deadline, poll=0)
    assert provider.deadlines == [deadline]


def test_a_failed_destroy_says_destroy_resumes_it(provider):
    deploy(provider, provider.plan(deadline=D), poll=0)
    provider.failing = {"api"}
    with pytest.raises(DeployFailed) as caught:
        destroy(provider, provider.destroy_plan(deadline=D))
    lines = caught.value.lines()
    assert lines[0] == "deleting Box api: RuntimeError: boom while applying api"
    assert lines[1].startswith("deleted 1 of 5 changes; nothing was recreated")  # web went first
    assert lines[2] == "not deleted (run `cloudorch destroy` again after fixing): cache, db, worker"


def test_a_plan_naming_missing_secrets_is_refused_before_any_change(provider):
    from cloudorch.provider import MissingSecret

    plan = provider.plan(deadline=D)
    plan.missing_secrets = [MissingSecret("db-url", ("api", "worker"), "environment variable DB_URL is not set",
                                          "export DB_URL before deploying")]
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, plan, poll=0)
    assert caught.value.exit_code == 4
    assert str(caught.value) == ("service api, service worker cannot start: secret db-url: environment variable "
                                 "DB_URL is not set; export DB_URL before deploying")
    assert provider.calls == []  # nothing half-done
    assert any(line.startswith("not applied (run `cloudorch deploy` again after fixing): ")
               for line in caught.value.lines())

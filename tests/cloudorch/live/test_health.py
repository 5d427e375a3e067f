import pytest

from cloudorch.live.health import Facts, app_state, classify, service_status
from cloudorch.provider import AppStatus, ServiceStatus, State


def test_missing():
    assert classify(None) == (State.MISSING, "not deployed")
    status = service_status("web", None, desired=2)
    assert (status.state, status.desired, status.message) == (State.MISSING, 2, "not deployed")


def test_unsettled_comes_before_failures():
    facts = Facts(desired=1, failures=["pod a: CrashLoopBackOff"], settled=False)
    assert classify(facts)[0] is State.PROGRESSING


def test_failures_come_before_stopped_and_healthy():
    assert classify(Facts(desired=0, failures=["task stopped: exit 1"]))[0] is State.FAILED
    assert classify(Facts(desired=2, running=2, failures=["pod b: ImagePullBackOff"]))[0] is State.FAILED
    assert classify(Facts(desired=0, gave_up="rolled back: circuit breaker")) == (
        State.FAILED, "rolled back: circuit breaker")


def test_failure_message_counts_the_rest():
    assert classify(Facts(desired=3, failures=["a", "b", "c"])) == (State.FAILED, "a (and 2 more)")


@pytest.mark.parametrize(("facts", "state"), [
    (Facts(desired=0), State.STOPPED),
    (Facts(desired=0, running=1), State.PROGRESSING),
    (Facts(desired=0, present=2), State.PROGRESSING),
    (Facts(desired=2, running=2), State.HEALTHY),
    (Facts(desired=2, running=3), State.HEALTHY),
    (Facts(desired=2, running=2, rolling=True), State.PROGRESSING),
    (Facts(desired=3, running=1), State.DEGRADED),
    (Facts(desired=3, running=0, pending=3), State.PENDING),
])
def test_precedence(facts, state):
    assert classify(facts)[0] is state


def test_messages():
    assert classify(Facts(desired=3, running=1, waiting="pod x: Unschedulable")) == (
        State.DEGRADED, "pod x: Unschedulable")
    assert classify(Facts(desired=3, running=1))[1] == "2 of 3 replicas not running"
    assert classify(Facts(desired=2, rolling=True, progress="rolling out: 1 of 2 updated"))[1] == \
        "rolling out: 1 of 2 updated"
    assert classify(Facts(desired=0, present=2))[1] == "stopping: 2 replicas left"


def test_service_status_copies_the_counts():
    status = service_status("api", Facts(desired=2, running=1, pending=1, failed=0), image="i", revision="3")
    assert (status.name, status.state, status.running, status.pending, status.image, status.revision) == (
        "api", State.DEGRADED, 1, 1, "i", "3")


def test_app_state_ignores_services_stopped_on_purpose():
    assert app_state([State.HEALTHY, State.STOPPED]) is State.HEALTHY
    assert app_state([State.STOPPED, State.STOPPED]) is State.STOPPED
    assert app_state([State.PROGRESSING, State.STOPPED, State.DEGRADED]) is State.DEGRADED
    assert app_state([State.HEALTHY, State.FAILED, State.MISSING]) is State.FAILED
    assert app_state([]) is State.MISSING


def test_app_status_uses_the_rule():
    status = AppStatus("shop", "x", [ServiceStatus("web", State.HEALTHY), ServiceStatus("batch", State.STOPPED)])
    assert status.state is State.HEALTHY and status.healthy

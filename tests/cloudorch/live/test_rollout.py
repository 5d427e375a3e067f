"""The rolling rule for replicas moved one at a time (cloudorch.live.rollout): healthy for the stable
time before the next, a failure put back at once with exit 4 saying what serves, a deadline that
ends the wait without putting anything back."""

from __future__ import annotations

import pytest

from cloudorch.deadline import Deadline
from cloudorch.live.errors import CloudError, Kind
from cloudorch.live.health import Facts
from cloudorch.live.rollout import MIN_READY, Replica, RevisionFailed, roll_replica, stable_seconds

RUNNING = Facts(desired=1, running=1)
STARTING = Facts(desired=1, pending=1)
CRASHING = Facts(desired=1, failed=1, failures=["CrashLoopBackOff (exit code 1)"])


class Fake:
    """A replica whose reads follow a script (the last read repeats)."""

    def __init__(self, *reads: Facts | Exception, restorable: bool = True):
        self.reads, self.calls = list(reads), []
        self.restorable = restorable

    def read(self) -> Facts:
        self.calls.append("read")
        item = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
        if isinstance(item, Exception):
            raise item
        return item

    def replica(self) -> Replica:
        return Replica("group web-0", update=lambda: self.calls.append("update"),
                       restore=(lambda: self.calls.append("restore")) if self.restorable else None,
                       read=self.read, serving=lambda: "2 of 2 run the previous image")


def test_a_replica_must_stay_healthy_for_the_stable_time():
    fake = Fake(STARTING, RUNNING, STARTING, RUNNING)
    roll_replica(fake.replica(), Deadline(10), stable=0.05, interval=0.01)
    assert fake.calls[0] == "update" and "restore" not in fake.calls
    assert fake.calls.count("read") >= 5  # a healthy read, then a relapse, then healthy long enough


def test_a_failing_replica_is_put_back_and_the_error_says_what_serves():
    fake = Fake(STARTING, CRASHING)
    with pytest.raises(RevisionFailed) as caught:
        roll_replica(fake.replica(), Deadline(10), stable=0.05, interval=0.01, revision="new revision abc")
    assert caught.value.exit_code == 4
    assert fake.calls[-1] == "restore"
    assert str(caught.value) == ("new revision abc failed on group web-0 (CrashLoopBackOff (exit code 1)); group "
                                 "web-0 was put back to the previous revision and the replicas after it were not "
                                 "updated; serving now: 2 of 2 run the previous image")


def test_a_replica_that_cannot_be_put_back_says_so():
    fake = Fake(CRASHING, restorable=False)
    with pytest.raises(RevisionFailed, match="could not be put back"):
        roll_replica(fake.replica(), Deadline(10), stable=0.05, interval=0.01)
    assert "restore" not in fake.calls


def test_transient_read_errors_are_retried():
    fake = Fake(CloudError("throttled", Kind.THROTTLED), RUNNING)
    roll_replica(fake.replica(), Deadline(10), stable=0.02, interval=0.01)
    assert "restore" not in fake.calls


def test_the_deadline_ends_the_wait_without_putting_anything_back():
    fake = Fake(STARTING)
    with pytest.raises(RevisionFailed, match="did not become healthy .* before the deadline"):
        roll_replica(fake.replica(), Deadline(0.05), stable=1, interval=0.01)
    assert "restore" not in fake.calls


def test_stable_seconds_follow_the_health_check():
    assert stable_seconds() == MIN_READY
    assert stable_seconds(start_period=10, interval=5, retries=3) == 25

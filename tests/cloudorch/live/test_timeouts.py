import email.utils
import time

from cloudorch.deadline import Deadline
from cloudorch.live.timeouts import MAX_ATTEMPTS, budget, parse_retry_after, retry_delay


def test_no_deadline_gives_the_caps():
    t = budget(Deadline(None))
    assert (t.connect, t.read, t.attempts, t.total) == (10.0, 60.0, MAX_ATTEMPTS, None)
    assert budget(None).read == 60.0


def test_a_long_deadline_keeps_the_caps_and_bounds_the_total():
    t = budget(Deadline(600))
    assert (t.connect, t.read, t.attempts) == (10.0, 60.0, MAX_ATTEMPTS)
    assert 590 < t.total <= 600


def test_a_short_deadline_shrinks_read_so_that_every_attempt_fits():
    t = budget(Deadline(30))
    assert 5.0 <= t.read <= 5.4 and t.connect == t.read and t.attempts == 5
    assert t.read * t.attempts <= 30


def test_a_very_short_deadline_allows_one_attempt_within_it():
    t = budget(Deadline(3))
    assert t.read <= 3 and t.attempts == 1


def test_a_medium_deadline_fits_its_attempts():
    t = budget(Deadline(150))
    assert t.attempts == MAX_ATTEMPTS and t.read * t.attempts <= 150


def test_an_expired_deadline_still_gives_a_positive_timeout():
    deadline = Deadline(0.001)
    time.sleep(0.01)
    t = budget(deadline)
    assert t.read > 0 and t.connect > 0 and t.attempts == 1
    assert t.pair == (t.connect, t.read)


def test_stale():
    assert not budget(Deadline(None)).stale(Deadline(None))
    assert budget(Deadline(600)).stale(Deadline(30))
    assert not budget(Deadline(30)).stale(Deadline(600))
    assert not budget(Deadline(600)).stale(Deadline(599))  # a fresh client is not rebuilt at once


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 15 < parse_retry_after(later) <= 21


def test_retry_delay_is_bounded_by_attempts_and_deadline():
    assert 0 < retry_delay(0, Deadline(None)) <= 0.25
    assert retry_delay(MAX_ATTEMPTS - 1, Deadline(None)) is None
    assert retry_delay(0, Deadline(None), "2") == 2.0
    assert retry_delay(0, Deadline(None), "999") == 30.0
    assert retry_delay(0, Deadline(1), "5") is None  # would pass the deadline

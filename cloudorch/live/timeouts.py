"""From the command's deadline to SDK timeouts: one helper, so every network call of a command ends
by the command's ``--timeout`` (give or take one backoff) even when a reply hangs.

Every live operation receives the command's :class:`~cloudorch.deadline.Deadline` explicitly
(``deadline=``) and asks :func:`budget` for the timeouts of the calls it is about to make::

    t = budget(deadline)                              # Timeouts(connect, read, attempts, total)
    boto3_config = Config(connect_timeout=t.connect, read_timeout=t.read,
                          retries={"mode": "standard", "total_max_attempts": t.attempts})
    kube_api.read_namespace(name, _request_timeout=t.pair)
    azure_client(connection_timeout=t.connect, read_timeout=t.read, retry_total=t.attempts - 1,
                 timeout=t.total)

How the numbers are derived from the seconds left (``left``; ``usable`` is 90% of it):

- ``read``: ``usable / max_attempts``, at least :data:`MIN_READ` (5 s), at most ``read_cap`` (60 s)
  and ``left``; ``connect = min(connect_cap, read)``: no single request outlives the command;
- ``attempts``: as many as fit, ``floor(usable / read)`` (at least 1, at most ``max_attempts``),
  then ``read`` grows to ``usable / attempts`` (at most ``read_cap``): ``read * attempts`` stays
  within the time left, so even retries after hanging replies end by the deadline, and a command
  under hanging replies ends at about 90% of its ``--timeout``;
- ``total``: ``left`` (None when the command has no deadline), for SDKs with an overall budget.

With ``--timeout 600``: read 60 s, 6 attempts; with 30: read 5.4 s, 5 attempts; with 3: read 2.7 s, 1.

A client whose timeouts are fixed at construction (boto3) is rebuilt when :meth:`Timeouts.stale`
says the deadline has come closer than its read timeout (see the AWS provider's clients).

:func:`retry_delay` is the backoff of hand-written retry loops (the Kubernetes client's): equal
jitter, ``Retry-After`` honoured (capped), never past the deadline.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass

from cloudorch.deadline import Deadline

CONNECT_CAP, READ_CAP, MAX_ATTEMPTS = 10.0, 60.0, 6
#: the shortest read timeout worth retrying with (an API call answers well within it)
MIN_READ = 5.0
#: the share of the time left that one client's attempts may take (the rest: backoff, and the
#: time until the client is rebuilt)
SLACK = 0.9
#: the shortest timeout handed to an SDK (0 would mean "no timeout" to some of them)
FLOOR = 0.5
BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP = 0.25, 8.0, 30.0


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float
    attempts: int
    total: float | None

    @property
    def pair(self) -> tuple[float, float]:
        """``(connect, read)``, as requests/urllib3 (and the kubernetes client) take them."""
        return self.connect, self.read

    def stale(self, deadline: Deadline) -> bool:
        """Whether ``deadline`` now leaves less than these timeouts assume (rebuild the client)."""
        left = deadline.remaining()
        return left is not None and left < self.read * self.attempts


def budget(deadline: Deadline | None, *, connect_cap: float = CONNECT_CAP, read_cap: float = READ_CAP,
           max_attempts: int = MAX_ATTEMPTS) -> Timeouts:
    """The timeouts and retry budget of the next calls under ``deadline`` (None: no deadline)."""
    left = deadline.remaining() if deadline is not None else None
    if left is None:
        return Timeouts(min(connect_cap, read_cap), read_cap, max_attempts, None)
    left = max(left, FLOOR)
    usable = left * SLACK
    read = min(read_cap, max(MIN_READ, usable / max_attempts), left)
    attempts = max(1, min(max_attempts, math.floor(usable / read)))
    read = min(read_cap, max(read, usable / attempts))  # the attempts that fit share all of ``usable``
    return Timeouts(min(connect_cap, read), read, attempts, left)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_delay(attempt: int, deadline: Deadline, retry_after: str | None = None, *,
                max_attempts: int = MAX_ATTEMPTS) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``, or None when no retry should be made
    (out of attempts, or the wait would reach the deadline)."""
    if attempt + 1 >= max_attempts:
        return None
    wanted = parse_retry_after(retry_after)
    if wanted is None:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
        wanted = ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"
    wanted = min(wanted, RETRY_AFTER_CAP)
    left = deadline.remaining()
    if left is not None and wanted >= left:
        return None
    return wanted

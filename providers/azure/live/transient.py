"""Transient ARM replies while polling a long-running operation: waited out until the deadline.

azure-core's RetryPolicy already retries 408/429/5xx a few times (Retry-After honoured). While
polling an operation ARM can keep throttling longer than that, or answer 404 for an operation it
has just accepted (its caches are eventually consistent). Those replies are transient here: the
poll is resumed from the operation's continuation token with backoff until the command's deadline,
and only then does the last error surface; any other error surfaces at once. (Status reads while
``deploy`` waits are retried by the engine: the error table marks their transient kinds.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cloudorch.deadline import Deadline
from cloudorch.live.errors import TRANSIENT, transient

#: tries when the command has no deadline (status without --timeout): a bounded wait all the same
UNBOUNDED_TRIES = 5
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """A reply worth polling again: a transient kind by the error table (throttling, a server error,
    a transport error), or a not-found while polling an operation ARM has just accepted."""
    from cloudorch_providers.azure.live.errors import status_of, table

    if transient(exc):
        return True
    return table().kind(exc) in TRANSIENT or status_of(exc) == 404


def patiently(call: Callable[[], T], deadline: Deadline, first_delay: float = 0.1,
              on_transient: Callable[[BaseException], Any] | None = None) -> T:
    """``call()``, tried again after a transient error (backoff from ``first_delay`` up to 5 s)
    until ``deadline`` (``UNBOUNDED_TRIES`` tries without one)."""
    delay, tries = first_delay, 0
    while True:
        try:
            return call()
        except Exception as exc:
            tries += 1
            out_of_time = deadline.expired or (deadline.end is None and tries >= UNBOUNDED_TRIES)
            if not is_transient(exc) or out_of_time:
                raise
            if on_transient is not None:
                on_transient(exc)
            deadline.sleep(delay)
            delay = min(delay * 2, 5.0)

"""Transient ARM replies while polling: waited out until the deadline, never a failed deploy.

azure-core's RetryPolicy already retries 408/429/5xx a few times (Retry-After honoured). While
polling (a long-running operation, or status during ``deploy``'s wait) ARM can keep throttling
longer than that, or answer 404 for an operation or resource it has just accepted (its caches are
eventually consistent). Those replies are transient here: the poll is tried again with backoff
(resuming a long-running operation from its continuation token) until the command's deadline, and
only then does the last error surface. Any other error surfaces at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cloudorch.deadline import Deadline

TRANSIENT_STATUS = frozenset({404, 408, 429, 500, 502, 503, 504})
#: tries when the command has no deadline (status without --timeout): a bounded wait all the same
UNBOUNDED_TRIES = 5
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """A reply worth polling again: throttling, a server error, a not-found while polling, or a
    transport error; also a ProviderError made from one (``transient`` attribute)."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    if getattr(exc, "transient", False):
        return True
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return True
    if isinstance(exc, HttpResponseError):
        status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
        return status in TRANSIENT_STATUS
    return False


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

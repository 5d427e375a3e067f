"""One overall deadline per command, handed to every wait and poller below it."""

from __future__ import annotations

import time

from cloudorch.errors import CloudorchError


class DeadlineExceeded(CloudorchError):
    exit_code = 1


class Deadline:
    """``Deadline(600)`` ends 600 s from now; ``Deadline(None)`` never ends."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def remaining(self, cap: float | None = None) -> float | None:
        """Seconds left (never negative), optionally capped; None when unbounded and uncapped."""
        if self.end is None:
            return cap
        left = max(0.0, self.end - time.monotonic())
        return left if cap is None else min(left, cap)

    @property
    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def check(self, doing: str) -> None:
        if self.expired:
            raise DeadlineExceeded(f"timed out after {self.seconds:g}s while {doing}; "
                                   "raise --timeout or check the cloud console")

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` or until the deadline, whichever comes first."""
        left = self.remaining(seconds)
        if left:
            time.sleep(left)

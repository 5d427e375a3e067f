"""SDK errors to the product's errors, by table; and the one rule for transient errors while polling.

A provider declares *what* its SDK's errors mean, as an :class:`ErrorTable` of :class:`Rule` rows;
the kit decides *how* they are reported: the error type and exit code of each :class:`Kind`, the
default hint, and the one-line shape ``{doing}: {what the cloud said}; {what to do}``::

    @functools.cache
    def table() -> ErrorTable:                          # built lazily: the SDK is imported here
        import botocore.exceptions as bx
        return ErrorTable("AWS", [
            Rule(Kind.CREDENTIALS, types=(bx.NoCredentialsError,),
                 hint="configure AWS credentials (aws configure, AWS_PROFILE) or use --sandbox"),
            Rule(Kind.THROTTLED, codes={"ThrottlingException"}),
            Rule(Kind.UNREACHABLE, types=(bx.EndpointConnectionError, bx.ReadTimeoutError)),
            Rule(Kind.OTHER, types=(bx.BotoCoreError, bx.ClientError)),    # the rest: no hint
        ], code=lambda exc: exc.response["Error"]["Code"] if hasattr(exc, "response") else None)

    with table().translating(f"creating ECS service {name}"):
        ecs.create_service(**body)                      # any SDK error -> one CloudError line

Rules are tried in order; the first whose ``types`` (isinstance), ``codes`` (the table's ``code(exc)``:
an error code or HTTP status) and ``when`` (a predicate) all match decides the kind. An exception no
rule matches is not the SDK's and passes through untouched (a bug stays a bug: exit 70).

Kinds and what they become (``exit`` is the CLI's exit code):

==============  ====  =========  ==========================================================
kind            exit  transient  default hint
==============  ====  =========  ==========================================================
credentials     2     no         log in again / configure credentials, or use --sandbox
permission      1     no         the credentials lack this permission
unreachable     1     yes        check the network and that the endpoint is up
throttled       1     yes        try again later or lower --parallel
unavailable     1     yes        the cloud kept failing after retries: try again later
not_found       1     no         (none)
conflict        1     no         another change is under way: run the command again
invalid         2     no         (none: the cloud's message says what is wrong)
other           1     no         (none)
==============  ====  =========  ==========================================================

**An error at the deadline** (:func:`timed_out`): the engine reports a failure that ends an
operation once the command's deadline has (nearly) passed as ``timed out after Ns while {doing}``, whatever
the SDK called it (a read timeout, a refused retry, a connection reset).

**Transient errors while polling** (:func:`poll`): a status read that fails with a transient kind
(a call cut short by its timeout included) is retried until the command's deadline, never fatal on
its own; other errors end the wait at once. When the deadline passes, the error names what was
being waited for and the last failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.errors import CloudorchError, ProviderError

T = TypeVar("T")


class Kind(StrEnum):
    CREDENTIALS = "credentials"  # missing, expired or refused credentials
    PERMISSION = "permission"  # authenticated, but not allowed
    UNREACHABLE = "unreachable"  # connection refused/reset, DNS, TLS handshake, timeouts
    THROTTLED = "throttled"  # 429, ThrottlingException, after the SDK's own retries
    UNAVAILABLE = "unavailable"  # 5xx after the SDK's own retries
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # 409, a concurrent change, a precondition failed
    INVALID = "invalid"  # the cloud rejected the request as invalid
    OTHER = "other"


TRANSIENT = frozenset({Kind.UNREACHABLE, Kind.THROTTLED, Kind.UNAVAILABLE})
EXIT_CODES = {Kind.CREDENTIALS: 2, Kind.INVALID: 2}
HINTS = {
    Kind.CREDENTIALS: "log in again or configure the credentials, or use --sandbox",
    Kind.PERMISSION: "the credentials lack this permission",
    Kind.UNREACHABLE: "check the network and that the endpoint is up",
    Kind.THROTTLED: "the cloud kept throttling after retries: try again later or lower --parallel",
    Kind.UNAVAILABLE: "the cloud kept failing after retries: try again later",
    Kind.CONFLICT: "another change is under way or the resource changed since the plan: run the command again",
}


class CloudError(ProviderError):
    """A translated SDK error: one line, with its :class:`Kind` (and so its exit code)."""

    def __init__(self, message: str, kind: Kind = Kind.OTHER):
        super().__init__(message)
        self.kind = kind
        self.exit_code = EXIT_CODES.get(kind, 1)

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` may go away by itself: a :class:`CloudError` of a transient kind (a call cut
    short by its timeout is ``unreachable``). DeadlineExceeded is not: the command's time is up."""
    return isinstance(exc, CloudError) and exc.transient


@dataclass(frozen=True)
class Rule:
    """One row of an error table. Empty ``types``/``codes`` match anything; ``hint`` None means the
    kind's default hint, "" means none."""

    kind: Kind
    types: tuple[type[BaseException], ...] = ()
    codes: Collection[Any] = ()
    hint: str | None = None
    when: Callable[[BaseException], bool] | None = None

    def matches(self, exc: BaseException, code: Any) -> bool:
        return ((not self.types or isinstance(exc, self.types)) and (not self.codes or code in self.codes)
                and (self.when is None or bool(self.when(exc))))


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


class ErrorTable:
    """A provider's SDK errors, by kind. ``code(exc)`` extracts the error code or HTTP status the
    rules' ``codes`` match; ``message(exc)`` what the cloud said (default: ``str(exc)``)."""

    def __init__(self, cloud: str, rules: Sequence[Rule], *, code: Callable[[BaseException], Any] | None = None,
                 message: Callable[[BaseException], str] | None = None):
        self.cloud, self.rules = cloud, list(rules)
        self._code, self._message = code, message

    def code(self, exc: BaseException) -> Any:
        try:
            return self._code(exc) if self._code else None
        except Exception:  # noqa: BLE001 - an odd error shape has no code
            return None

    def rule(self, exc: BaseException) -> Rule | None:
        code = self.code(exc)
        return next((r for r in self.rules if r.matches(exc, code)), None)

    def kind(self, exc: BaseException) -> Kind | None:
        rule = self.rule(exc)
        return rule.kind if rule else None

    def translate(self, exc: BaseException, doing: str) -> CloudorchError | None:
        """The one-line error for ``exc`` (None: no rule matches; not an SDK error)."""
        if isinstance(exc, CloudorchError):
            return exc
        rule = self.rule(exc)
        if rule is None:
            return None
        said = _one_line(self._message(exc) if self._message else str(exc)) or type(exc).__name__
        hint = HINTS.get(rule.kind, "") if rule.hint is None else rule.hint
        return CloudError(f"{doing}: {said}" + (f"; {hint}" if hint else ""), rule.kind)

    @contextlib.contextmanager
    def translating(self, doing: str) -> Iterator[None]:
        """Translate SDK errors raised inside the block (see the module docstring)."""
        try:
            yield
        except CloudorchError:
            raise
        except Exception as exc:
            translated = self.translate(exc, doing)
            if translated is None:
                raise
            raise translated from None


def timed_out(exc: BaseException, deadline: Deadline, doing: str) -> DeadlineExceeded | None:
    """When ``exc`` ended an operation after the command's deadline passed (a reply cut short by its
    timeout, a retry refused), the error to report instead: ``timed out after Ns while {doing}: ...``
    (None: the deadline is not (nearly) over, or ``exc`` already says so). Nearly: less than 5% of
    it, or a second, was left; no retry fits in that, so that is what ended the operation."""
    left = deadline.remaining()
    if left is None or isinstance(exc, DeadlineExceeded) or left > max(1.0, 0.05 * (deadline.seconds or 0)):
        return None
    said = str(exc) if isinstance(exc, CloudorchError) else f"{type(exc).__name__}: {exc}"
    return DeadlineExceeded(f"timed out after {deadline.seconds:g}s while {doing} (last: {_one_line(said)}); "
                            "raise --timeout or check the cloud console")


def poll(read: Callable[[], T], deadline: Deadline, waiting_for: str, interval: float = 1.0,
         sleep: Callable[[float], None] | None = None) -> T:
    """``read()``, retried after transient errors until ``deadline``; then DeadlineExceeded naming
    ``waiting_for`` and the last error. Non-transient errors are raised at once."""
    while True:
        try:
            return read()
        except Exception as exc:
            if not transient(exc):
                raise
            if deadline.expired:
                raise DeadlineExceeded(f"timed out after {deadline.seconds:g}s {waiting_for}; the last attempt "
                                       f"failed: {_one_line(str(exc))}") from None
            (sleep or deadline.sleep)(interval)

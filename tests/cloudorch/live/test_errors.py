import pytest

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.errors import ProviderError
from cloudorch.live.errors import CloudError, ErrorTable, Kind, Rule, poll, timed_out, transient


class SdkError(Exception):
    def __init__(self, code, message="boom"):
        super().__init__(message)
        self.code = code


class NoCredentials(SdkError):
    pass


TABLE = ErrorTable("Example", [
    Rule(Kind.CREDENTIALS, types=(NoCredentials,), hint="run `example login`"),
    Rule(Kind.THROTTLED, codes={429, "Throttling"}),
    Rule(Kind.NOT_FOUND, codes={404}),
    Rule(Kind.UNAVAILABLE, types=(SdkError,), when=lambda e: isinstance(e.code, int) and e.code >= 500),
    Rule(Kind.OTHER, types=(SdkError,)),
], code=lambda e: e.code)


def test_first_matching_rule_decides():
    assert TABLE.kind(NoCredentials(401)) is Kind.CREDENTIALS
    assert TABLE.kind(SdkError(429)) is Kind.THROTTLED
    assert TABLE.kind(SdkError("Throttling")) is Kind.THROTTLED
    assert TABLE.kind(SdkError(503)) is Kind.UNAVAILABLE
    assert TABLE.kind(SdkError(400)) is Kind.OTHER
    assert TABLE.kind(ValueError()) is None


def test_translation_is_one_line_with_hint_and_exit_code():
    error = TABLE.translate(NoCredentials(401, "no\ncredentials   found"), "reading service web")
    assert isinstance(error, CloudError) and isinstance(error, ProviderError)
    assert str(error) == "reading service web: no credentials found; run `example login`"
    assert error.exit_code == 2 and not error.transient
    throttled = TABLE.translate(SdkError(429, "slow down"), "listing")
    assert str(throttled).startswith("listing: slow down; the cloud kept throttling")
    assert throttled.exit_code == 1 and throttled.transient
    assert str(TABLE.translate(SdkError(400, "bad"), "x")) == "x: bad"


def test_translating_passes_foreign_errors_through():
    with pytest.raises(CloudError, match="^creating web: gone$"):
        with TABLE.translating("creating web"):
            raise SdkError(404, "gone")
    with pytest.raises(KeyError):
        with TABLE.translating("creating web"):
            raise KeyError("a bug")
    original = ProviderError("already one line")
    with pytest.raises(ProviderError) as caught:
        with TABLE.translating("x"):
            raise original
    assert caught.value is original


def test_a_broken_code_extractor_means_no_code():
    table = ErrorTable("E", [Rule(Kind.OTHER, types=(SdkError,))], code=lambda e: e.nothing)
    assert table.kind(SdkError(1)) is Kind.OTHER


def test_transient():
    assert transient(CloudError("x", Kind.UNREACHABLE))
    assert not transient(CloudError("x", Kind.NOT_FOUND))
    assert not transient(ProviderError("x"))
    assert not transient(DeadlineExceeded("x"))


def test_poll_retries_transient_errors_until_it_succeeds():
    answers = [CloudError("reset", Kind.UNREACHABLE), CloudError("429", Kind.THROTTLED), "ok"]
    slept = []

    def read():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert poll(read, Deadline(None), "waiting", sleep=slept.append) == "ok"
    assert len(slept) == 2


def test_poll_raises_other_errors_at_once():
    def read():
        raise CloudError("denied", Kind.PERMISSION)

    with pytest.raises(CloudError, match="denied"):
        poll(read, Deadline(None), "waiting", sleep=lambda s: None)


def test_poll_ends_at_the_deadline_naming_what_it_waited_for():
    def read():
        raise CloudError("reading status: connection reset", Kind.UNREACHABLE)

    with pytest.raises(DeadlineExceeded) as caught:
        poll(read, Deadline(0), "waiting for service web to become healthy", sleep=lambda s: None)
    text = str(caught.value)
    assert "waiting for service web to become healthy" in text and "connection reset" in text
    assert "\n" not in text


def test_an_error_after_the_deadline_is_reported_as_a_timeout():
    cut = CloudError("create Service web: cannot reach AWS (Read timeout)", Kind.UNREACHABLE)
    assert timed_out(cut, Deadline(None), "applying Service web") is None
    assert timed_out(cut, Deadline(60), "applying Service web") is None
    assert timed_out(cut, Deadline(0.5), "applying Service web") is not None  # less than a second left
    late = timed_out(cut, Deadline(0), "applying Service web")
    assert isinstance(late, DeadlineExceeded) and "\n" not in str(late)
    assert str(late).startswith("timed out after 0s while applying Service web (last: create Service web: ")
    assert timed_out(DeadlineExceeded("timed out"), Deadline(0), "x") is None
    assert "TimeoutError: read" in str(timed_out(TimeoutError("read"), Deadline(0), "x"))

"""Compose variable substitution and .env reading, as docker compose does them."""

from __future__ import annotations

import pytest

from cloudorch.compose.interpolate import InterpolationError, Interpolator, parse_dotenv

ENV = {"SET": "value", "EMPTY": "", "TAG": "1.27"}


@pytest.mark.parametrize(("text", "expected"), [
    ("${SET}", "value"), ("$SET", "value"), ("x-$SET-y", "x-value-y"), ("${SET}s", "values"),
    ("${UNSET:-default}", "default"), ("${EMPTY:-default}", "default"), ("${SET:-default}", "value"),
    ("${UNSET-default}", "default"), ("${EMPTY-default}", ""),
    ("${SET:+yes}", "yes"), ("${EMPTY:+yes}", ""), ("${EMPTY+yes}", "yes"), ("${UNSET+yes}", ""),
    ("$$", "$"), ("$$SET", "$SET"), ("cost: 5$", "cost: 5$"), ("a $ b", "a $ b"),
    ("${UNSET:-${TAG}}", "1.27"), ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"), ("nginx:${TAG:-latest}", "nginx:1.27"),
])
def test_substitution(text, expected):
    assert Interpolator(ENV)(text) == expected


def test_unset_without_default_is_empty_and_remembered():
    interpolate = Interpolator(ENV)
    assert interpolate("a${NOPE}b$NOPE2") == "ab"
    assert interpolate.missing == ["NOPE", "NOPE2"]


@pytest.mark.parametrize(("text", "message"), [
    ("${UNSET:?set UNSET first}", "required variable UNSET is missing a value: set UNSET first"),
    ("${EMPTY:?}", "required variable EMPTY is missing a value"),
    ("${UNSET?no}", "UNSET is missing a value: no"),
    ("${1BAD}", "invalid interpolation format"),
    ("${SET", "invalid interpolation format"),
    ("${SET:-x", "unterminated"),
])
def test_errors(text, message):
    with pytest.raises(InterpolationError, match=message.replace("?", r"\?")):
        Interpolator(ENV)(text)


def test_empty_with_question_is_accepted():
    assert Interpolator(ENV)("${EMPTY?no}") == ""


def test_dotenv():
    text = """\
# comment
export A=1
B = two words  # trailing comment
C='literal ${A} $$'
D="quoted ${A}\\nnext"
E=${A:-x}-$A
NAME_ONLY
"""
    values = parse_dotenv(text, Interpolator({"A": "1"}))
    assert values == {"A": "1", "B": "two words", "C": "literal ${A} $$", "D": "quoted 1\nnext", "E": "1-1"}

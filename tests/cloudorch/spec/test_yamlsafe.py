"""Strict YAML typing (YAML 1.2 core, no 1.1 surprises) and ${VAR} interpolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudorch.spec.yamlsafe import YamlProblem, make_interpolator, read_yaml, type_plain


@pytest.mark.parametrize(
    "text, value",
    [
        ("on", "on"), ("NO", "NO"), ("y", "y"), ("yes", "yes"), ("off", "off"),
        ("true", True), ("False", False), ("TRUE", True),
        ("010", "010"), ("0o10", 8), ("0x1F", 31), ("42", 42), ("-7", -7), ("+3", 3),
        ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5), ("1_000", "1_000"), ("1:20", "1:20"),
        ("~", None), ("null", None), ("", None), (".inf", ".inf"), ("0755", "0755"), ("00.5", "00.5"),
    ],
)
def test_plain_scalars_follow_yaml_1_2_core(text, value):
    assert type_plain(text) == value and type(type_plain(text)) is type(value)


def test_quoted_scalars_stay_strings():
    data = read_yaml("a: '80'\nb: \"true\"\nc: 80\nd: |\n  on\n").data
    assert data == {"a": "80", "b": "true", "c": 80, "d": "on\n"}


def test_positions_are_recorded():
    located = read_yaml("a:\n  b: [1, 2]\n  c: x\n")
    assert located.values[("a", "b", 1)] == (2, 10)
    assert located.keys[("a", "c")] == (3, 3)
    assert located.locate(("a", "missing")) == (2, 3)


ENV = {"SET": "value", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize(
    "text, result",
    [
        ("${SET}", "value"),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${UNSET-fallback}", "fallback"),
        ("${SET:?needed}", "value"),
        ("$$HOME", "$HOME"),
        ("$$${SET}", "$value"),
        ("$HOME stays", "$HOME stays"),
        ("a-${SET}-b-${UNSET:-c}", "a-value-b-c"),
        ("price: 5$", "price: 5$"),
    ],
)
def test_interpolation(text, result):
    assert make_interpolator(ENV)(text) == result


@pytest.mark.parametrize(
    "text, message",
    [
        ("${UNSET}", "environment variable UNSET is not set; set it or write ${UNSET:-default}"),
        ("${EMPTY:?must be set}", "${EMPTY}: must be set"),
        ("${UNSET?}", "${UNSET}: is not set"),
        ("${1X}", "bad interpolation '${1X}'; write ${NAME}, ${NAME:-default} or $$"),
        ("${OPEN", "bad interpolation '${OPEN'; write ${NAME}, ${NAME:-default} or $$"),
    ],
)
def test_interpolation_errors(text, message):
    with pytest.raises(ValueError) as caught:
        make_interpolator(ENV)(text)
    assert str(caught.value) == message


def test_interpolated_plain_scalars_are_typed_after_substitution():
    data = read_yaml("port: ${PORT}\nquoted: '${PORT}'\n", make_interpolator(ENV)).data
    assert data == {"port": 8080, "quoted": "8080"}


def test_keys_are_never_interpolated():
    assert read_yaml("${SET}: 1\n", make_interpolator(ENV)).data == {"${SET}": 1}


def test_recursive_alias_is_an_error():
    with pytest.raises(YamlProblem):
        read_yaml("a: &a [*a]\n")


def test_pure_python_parser_gives_the_same_values_and_positions():
    """Without libyaml, PyYAML's own parser feeds the same builder."""
    import yaml

    from cloudorch.spec.yamlsafe import _Builder

    text = (Path(__file__).resolve().parents[3] / "specs" / "examples" / "webshop.yaml").read_text()
    fast = read_yaml(text)
    slow = _Builder(yaml.Loader(text), None).document()
    assert fast.data == slow.data
    assert fast.values == slow.values and fast.keys == slow.keys

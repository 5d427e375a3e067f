"""Spec reading edge cases, each with the rule behind it: a string field keeps its source text,
recursion is bounded everywhere (long depends_on chains), escaped ``$$`` is always literal, nested
defaults are evaluated, interpolation cannot blow a small spec up into a huge one."""

from __future__ import annotations

import pytest

from cloudorch import registry
from cloudorch.errors import SpecError
from cloudorch.spec import parse_spec
from cloudorch.spec.yamlsafe import MAX_EXPANDED, MAX_VALUE, make_interpolator, read_yaml

HEAD = "version: 1\nname: shop\nservices:\n  web:\n    image: nginx:1.27.2\n"


def issues(text: str, env: dict | None = None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "s.yaml", env=env or {}, providers=registry.names())
    return [str(i) for i in caught.value.issues]


@pytest.mark.parametrize("written", ["1.10", "0800", "1e3", "1_000", "0x1F", "True", "+1", ".5", "1.0", "007"])
def test_env_values_keep_their_source_text(written):
    spec = parse_spec(HEAD + f"    env: {{VERSION: {written}}}\n"
                      f"    sidecars: [{{name: s, image: busybox, env: {{V: {written}}}}}]\n", env={})
    assert spec.app.services["web"].env["VERSION"] == written
    assert spec.app.services["web"].sidecars[0].env["V"] == written


def test_an_interpolated_env_value_keeps_the_variables_text():
    spec = parse_spec(HEAD + "    env:\n      VERSION: ${V}\n", env={"V": "1.10"})
    assert spec.app.services["web"].env["VERSION"] == "1.10"


def test_numbers_in_other_string_fields_are_refused_with_their_line():
    assert issues(HEAD + "    args: [--port, 8080]\n") == [
        "s.yaml:6:20: services.web.args.1: Input should be a valid string, got 8080"]


def _chain(n: int, last: str | None) -> str:
    lines = ["version: 1", "name: chain", "services:"]
    for i in range(n):
        dep = f"s{i + 1}" if i < n - 1 else last
        lines.append(f"  s{i}: {{image: nginx, depends_on: [{dep}]}}" if dep else f"  s{i}: {{image: nginx}}")
    return "\n".join(lines) + "\n"


def test_a_thousand_service_chain_is_valid_and_ordered():
    spec = parse_spec(_chain(1000, None), env={})
    waves = spec.app.order()
    assert len(waves) == 1000 and waves[0] == ["s999"] and waves[-1] == ["s0"]


def test_a_thousand_service_cycle_is_one_error():
    found = issues(_chain(1000, "s0"))
    assert found == ["s.yaml:4:35: services.s0.depends_on.0: dependency cycle: s0 -> s1 -> s2 -> s3 -> "
                     "... (1000 services) ... -> s997 -> s998 -> s999 -> s0"]


def test_a_thousand_service_chain_naming_an_unknown_service():
    assert issues(_chain(1000, "nope")) == ["s.yaml:1003:37: services.s999.depends_on.0: no service named 'nope'"]


@pytest.mark.parametrize("text, result", [
    ("$${#ITEMS[@]}", "${#ITEMS[@]}"),
    ("echo $${HOME} $$x", "echo ${HOME} $x"),
    ("${A:-${B:-deep}}", "deep"),
    ("${A:-${SET}}", "value"),
    ("${SET:-${UNSET}}", "value"),  # a default that is not used is not evaluated
    ("${A:-x}}", "x}"),
    ("${A:-{braces}}", "{braces}"),
])
def test_interpolation_rules(text, result):
    assert make_interpolator({"SET": "value"})(text) == result


@pytest.mark.parametrize("text, message", [
    ("${A:-${B}}", "environment variable B is not set; set it or write ${B:-default}"),
    ("${A:-${B", "bad interpolation '${A:-${B'; write ${NAME}, ${NAME:-default} or $$"),
    ("${#ITEMS[@]}", "bad interpolation '${#ITEMS[@]}'; write ${NAME}, ${NAME:-default} or $$"),
    ("${A:-" * 10 + "x" + "}" * 10, "defaults nested deeper than 8 levels"),
])
def test_interpolation_errors(text, message):
    with pytest.raises(ValueError) as caught:
        make_interpolator({})(text)
    assert str(caught.value) == message


def test_one_value_cannot_expand_past_its_cap():
    big = "x" * 40_000
    with pytest.raises(ValueError, match="expands to more than 64 KiB"):
        make_interpolator({"BIG": big})("${BIG}${BIG}")
    assert len(make_interpolator({"BIG": big})("${BIG}")) == 40_000 <= MAX_VALUE


def test_a_small_spec_cannot_expand_into_a_huge_one():
    # 48 KB of references to a 60 KB variable would be ~500 MB; expansion stops at the cap
    values = "\n".join(f"      V{i}: ${{BIG}}" for i in range(2600))
    text = HEAD + "    env:\n" + values + "\n"
    assert len(text) < 64_000
    found = issues(text, env={"BIG": "y" * 60_000})
    assert len(found) == 1 and found[0].endswith(
        f"the document expands to more than {MAX_EXPANDED // (1024 * 1024)} MiB after interpolation")


def test_keys_are_plain_and_read_yaml_keeps_sources():
    located = read_yaml("a: 1.10\nb: '1.10'\nc: x\n")
    assert located.sources == {("a",): "1.10"}

"""Several spec files merged into one (maps merge, lists replace, null removes), environments, and
errors that name the file and line the offending value came from."""

from __future__ import annotations

import pytest

from cloudorch.errors import SpecError
from cloudorch.spec import load_spec
from cloudorch.spec.merge import explain

BASE = """\
version: 1
name: shop
labels:
  team: web
services:
  web:
    image: nginx:1.27
    command: [nginx, -g, daemon off;]
    env:
      A: "1"
      B: "2"
    ports:
      - port: 80
        public: true
      - port: 443
  api:
    image: python:3.12
"""


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_maps_merge_lists_replace_null_removes(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "services:\n  web:\n    replicas: 3\n    env:\n      B: null\n      C: three\n"
                              "    ports:\n      - port: 8080\n    command: null\n")
    spec = load_spec([base, prod], env={})
    web = spec.app.services["web"]
    assert web.replicas == 3
    assert web.env == {"A": "1", "C": "three"}
    assert [p.port for p in web.ports] == [8080] and not web.ports[0].public
    assert web.command is None
    assert spec.app.services["api"].image == "python:3.12"
    assert spec.path == f"{base} + {prod}"


def test_later_file_wins_for_scalars_and_adds_services(write):
    base = write("base.yaml", BASE)
    one = write("one.yaml", "services:\n  web:\n    image: nginx:1.26\n")
    two = write("two.yaml", "services:\n  web:\n    image: nginx:1.25\n  worker:\n    image: busybox:1.36\n")
    spec = load_spec([base, one, two], env={})
    assert spec.app.services["web"].image == "nginx:1.25"
    assert set(spec.app.services) == {"web", "api", "worker"}
    assert spec.located.where(("services", "web", "image")) == (two, 3, 12)
    assert spec.located.where(("services", "worker"), key=True) == (two, 4, 3)


def test_error_names_the_file_and_line_of_the_offending_value(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "# production\nservices:\n  api:\n    replicas: -1\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, prod], env={})
    assert str(info.value) == f"{prod}:4:15: services.api.replicas: Input should be greater than or equal to 0, got -1"


def test_error_in_the_base_still_names_the_base(write):
    base = write("base.yaml", BASE.replace("image: python:3.12", "image: Python:3.12"))
    prod = write("prod.yaml", "services:\n  web:\n    replicas: 2\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, prod], env={})
    assert str(info.value).startswith(f"{base}:17:12: services.api.image:")


def test_unknown_key_in_an_overlay_points_at_the_overlay_key(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "services:\n  web:\n    replica: 2\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, prod], env={})
    assert str(info.value) == f"{prod}:3:5: services.web.replica: unknown key 'replica'; did you mean 'replicas'?"


def test_replaced_subtree_forgets_the_base_positions(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "services:\n  web:\n    ports:\n      - port: 8080\n        protocol: sctp\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, prod], env={})
    assert str(info.value).startswith(f"{prod}:5:19: services.web.ports.0.protocol:")


def test_interpolation_per_file(write):
    base = write("base.yaml", BASE.replace("nginx:1.27", "nginx:${TAG:-1.27}"))
    prod = write("prod.yaml", "services:\n  api:\n    image: python:${PY:?set PY}\n")
    spec = load_spec([base, prod], env={"TAG": "1.26", "PY": "3.11"})
    assert spec.app.services["web"].image == "nginx:1.26"
    assert spec.app.services["api"].image == "python:3.11"
    with pytest.raises(SpecError) as info:
        load_spec([base, prod], env={})
    assert str(info.value) == f"{prod}:3:12: services.api.image: ${{PY}}: set PY"


def test_environments_overlay_chosen_by_name_or_env_var(write):
    path = write("app.yaml", BASE + "environments:\n  prod:\n    services:\n      web:\n        replicas: 4\n"
                                    "        env:\n          A: null\n  dev: {}\n")
    assert load_spec(path, env={}).app.services["web"].replicas == 1
    prod = load_spec(path, env={}, environment="prod")
    assert prod.app.services["web"].replicas == 4 and prod.app.services["web"].env == {"B": "2"}
    assert prod.located.where(("services", "web", "replicas")) == (path, 22, 19)
    assert load_spec(path, env={"CLOUDORCH_ENV": "prod"}).environment == "prod"


def test_unknown_environment_is_an_error_with_the_choices(write):
    path = write("app.yaml", BASE + "environments:\n  prod: {}\n  dev: {}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path, env={}, environment="prd")
    assert str(info.value) == (f"{path}:18:1: environments: no environment 'prd'; did you mean 'prod'?; the spec "
                               "defines dev, prod (chosen with --env or CLOUDORCH_ENV)")
    plain = write("plain.yaml", BASE)
    with pytest.raises(SpecError, match="the spec has no environments: block"):
        load_spec(plain, env={}, environment="prod")


def test_environment_error_names_the_line_inside_the_overlay(write):
    path = write("app.yaml", BASE + "environments:\n  prod:\n    services:\n      web:\n        replicas: x\n")
    with pytest.raises(SpecError) as info:
        load_spec(path, env={}, environment="prod")
    assert str(info.value).startswith(f"{path}:22:19: services.web.replicas:")


def test_a_later_file_that_is_not_a_mapping_is_refused(write):
    base = write("base.yaml", BASE)
    bad = write("bad.yaml", "- just\n- a list\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, bad], env={})
    assert str(info.value).startswith(f"{bad}:1:1:")


def test_explain_lists_every_field_with_its_file(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "services:\n  web:\n    env:\n      C: three\n")
    spec = load_spec([base, prod], env={})
    rows = {field: (file, line) for field, file, line, _ in explain(spec.located)}
    assert rows["services.web.env.A"] == (base, 10)
    assert rows["services.web.env.C"] == (prod, 4)
    assert rows["services.web.ports.0.port"] == (base, 13)
    assert rows["services.web.command"] == (base, 8)


def test_positions_follow_the_last_writer_through_replace_remove_and_re_add(write):
    base = write("base.yaml", BASE)
    one = write("one.yaml", "services:\n  web:\n    env: {D: four}\n")
    two = write("two.yaml", "services:\n  web:\n    env: null\n")
    three = write("three.yaml", "services:\n  web:\n    env:\n      D: x\n      E: y\n")
    spec = load_spec([base, one, two, three], env={})
    assert spec.app.services["web"].env == {"D": "x", "E": "y"}
    assert spec.located.where(("services", "web", "env", "D")) == (three, 4, 10)


def test_environment_defined_in_a_second_file(write):
    base = write("base.yaml", BASE)
    envs = write("envs.yaml", "environments:\n  prod:\n    services:\n      api: {replicas: many}\n")
    with pytest.raises(SpecError) as info:
        load_spec([base, envs], env={}, environment="prod")
    assert str(info.value).startswith(f"{envs}:4:23: services.api.replicas:")


def test_null_inside_an_added_subtree_is_dropped(write):
    base = write("base.yaml", BASE)
    more = write("more.yaml", "services:\n  worker:\n    image: busybox:1.36\n    command: null\n")
    assert load_spec([base, more], env={}).app.services["worker"].command is None


def test_env_values_keep_their_text_in_every_file_and_environment(write):
    base = write("base.yaml", BASE)
    prod = write("prod.yaml", "services:\n  web:\n    env: {VERSION: 1.10}\n"
                              "environments:\n  big:\n    services:\n      web:\n        env: {RATIO: 1e3, ON: True}\n")
    assert load_spec([base, prod], env={}).app.services["web"].env["VERSION"] == "1.10"
    big = load_spec([base, prod], env={}, environment="big")
    assert {k: big.app.services["web"].env[k] for k in ("VERSION", "RATIO", "ON")} == {
        "VERSION": "1.10", "RATIO": "1e3", "ON": "True"}
    assert big.file_options == f"-f {base} -f {prod} --env big"

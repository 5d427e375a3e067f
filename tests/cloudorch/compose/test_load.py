"""Several compose files merged by the Compose Specification's rules, with .env and substitution."""

from __future__ import annotations

import pytest

from cloudorch.compose.load import load_project
from cloudorch.errors import SpecError

BASE = """\
x-common: &common
  restart: always
  environment:
    - SHARED=1
services:
  web:
    <<: *common
    image: nginx:${TAG:-1.27}
    command: ["nginx", "-g", "daemon off;"]
    environment:
      - A=1
      - B=2
    ports:
      - "8080:80"
      - "9000:9000"
    volumes:
      - data:/data
    healthcheck:
      test: ["CMD", "true"]
    depends_on: [db]
  db:
    image: postgres:16
volumes:
  data:
"""
OVERRIDE = """\
services:
  web:
    command: ["nginx", "-T"]
    environment:
      B: "3"
      C: "4"
    ports:
      - "8080:80"
      - "9443:443"
    volumes:
      - other:/data
    healthcheck:
      test: ["CMD", "false"]
    depends_on:
      db: {condition: service_healthy}
  db:
    image: !reset null
    labels: !override {only: this}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "compose.yaml").write_text(BASE)
    (tmp_path / "compose.override.yaml").write_text(OVERRIDE)
    return [str(tmp_path / "compose.yaml"), str(tmp_path / "compose.override.yaml")]


def test_merge_rules(files):
    web = load_project(files, environ={}).data["services"]["web"]
    assert web["restart"] == "always"  # from the << merge key
    assert web["command"] == ["nginx", "-T"]  # command is replaced, not appended
    assert web["healthcheck"]["test"] == ["CMD", "false"]  # so is healthcheck.test
    assert web["environment"] == {"A": "1", "B": "3", "C": "4"}  # list form merged as a mapping
    assert web["ports"] == ["8080:80", "9000:9000", "9443:443"]  # unique by (ip, target, published, protocol)
    assert web["volumes"] == ["other:/data"]  # unique by target: replaced
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_reset_and_override_tags(files):
    db = load_project(files, environ={}).data["services"]["db"]
    assert "image" not in db and db["labels"] == {"only": "this"}


def test_dotenv_and_shell_environment(files, tmp_path):
    (tmp_path / ".env").write_text("TAG=1.25\n")
    assert load_project(files, environ={}).data["services"]["web"]["image"] == "nginx:1.25"
    assert load_project(files, environ={"TAG": "1.26"}).data["services"]["web"]["image"] == "nginx:1.26"


def test_where_each_key_was_written(files):
    project = load_project(files, environ={})
    assert project.at("services", "web", "command").endswith("compose.override.yaml:3")
    assert project.at("services", "web", "image").endswith("compose.yaml:8")


def test_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: ${TAG:?set TAG}\n")
    with pytest.raises(SpecError) as info:
        load_project([str(tmp_path / "compose.yaml")], environ={})
    assert str(info.value) == f"{tmp_path / 'compose.yaml'}:3:12: services.web.image: required variable TAG is " \
                              "missing a value: set TAG"
    (tmp_path / "bad.yaml").write_text("services:\n  web: [1]\n")
    with pytest.raises(SpecError, match=r"bad.yaml:2:8: services.web: a service is a mapping"):
        load_project([str(tmp_path / "bad.yaml")], environ={})

"""The engine's secret storing: only secrets the spec names, values bounded, --roll restarts and waits."""

from __future__ import annotations

import pytest
from memory_provider import MemoryProvider  # noqa: I001 - sibling test helper

from cloudorch.deadline import Deadline
from cloudorch.engine import NotHealthy
from cloudorch.engine.secrets import MAX_SECRET_BYTES, store_secret
from cloudorch.errors import Unsupported, UsageError
from cloudorch.provider import SecretLocation
from cloudorch.spec import parse_spec

SPEC = """
version: 1
name: demo
services:
  api: {image: acme/api:1.0.0, secrets: {DB_URL: db-url}}
  worker: {image: acme/worker:1.0.0, secrets: {DB_URL: db-url, TOKEN: api-token}}
  web: {image: nginx:1.27.2}
"""


class SecretMemoryProvider(MemoryProvider):
    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        self.store: dict[str, str] = {}
        self.restarted: list[str] = []

    def store_secret(self, name, value, *, deadline):
        self.store[name] = value
        return f"memory secret {name}"

    def secret_locations(self, *, deadline):
        return [SecretLocation(n, f"memory secret {n}", n in self.store, users)
                for n, users in self.secret_users().items()]

    def restart(self, service, *, deadline):
        self.restarted.append(service)


@pytest.fixture
def provider():
    p = SecretMemoryProvider(parse_spec(SPEC, "demo.yaml", env={}))
    for name in p.app.services:
        p.live[name] = 1
    return p


def test_users_of_each_secret_come_from_the_spec(provider):
    assert provider.secret_users() == {"api-token": ["worker"], "db-url": ["api", "worker"]}


def test_store_without_roll_restarts_nothing(provider):
    result = store_secret(provider, "db-url", "postgres://x", deadline=Deadline(60))
    assert provider.store == {"db-url": "postgres://x"}
    assert result.services == ["api", "worker"] and not result.rolled and provider.restarted == []
    assert "postgres" not in str(result.to_dict())


def test_roll_restarts_every_reader_and_waits(provider):
    result = store_secret(provider, "db-url", "v2", roll=True, deadline=Deadline(60))
    assert provider.restarted == ["api", "worker"]
    assert result.rolled and result.status.healthy


def test_roll_that_ends_unhealthy_is_not_healthy(provider):
    provider.crashing.add("worker")
    with pytest.raises(NotHealthy, match="worker"):
        store_secret(provider, "db-url", "v2", roll=True, deadline=Deadline(60))


def test_a_name_the_spec_does_not_use_is_refused_with_a_suggestion(provider):
    with pytest.raises(UsageError, match="did you mean 'db-url'"):
        store_secret(provider, "db-ur1", "x", deadline=Deadline(60))
    assert provider.store == {}


@pytest.mark.parametrize("value", ["", "x" * (MAX_SECRET_BYTES + 1)])
def test_empty_or_oversized_values_are_refused(provider, value):
    with pytest.raises(UsageError):
        store_secret(provider, "db-url", value, deadline=Deadline(60))
    assert provider.store == {}


def test_a_provider_without_a_store_says_so():
    plain = MemoryProvider(parse_spec(SPEC, "demo.yaml", env={}))
    with pytest.raises(Unsupported, match="cannot store secrets"):
        store_secret(plain, "db-url", "x", deadline=Deadline(60))

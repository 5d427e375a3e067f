"""An optional conformance step for providers whose sandbox runs real containers: real traffic.

A provider's test module subclasses :class:`RealTrafficConformance`, names its provider, gives a
spec (``traffic_spec``: YAML text) with two public HTTP services built from images its sandbox has,

- ``web``, whose ``GET /`` answers a body containing ``marker``;
- ``relay``, whose ``GET <relay_path>`` answers what it fetched from ``http://web:<port>/``, reaching
  ``web`` by its service name;

and a class-scoped ``hooks`` fixture (a :class:`TrafficHooks` using the cloud's own SDK). The steps
deploy it, send requests to the endpoints ``status`` shows (loopback addresses only: anything else
fails the step rather than being contacted), kill a replica from outside and wait until the platform
has replaced it, ``status`` converges and the endpoint answers again, then destroy.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from typing import Any, ClassVar
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner, Result


class TrafficHooks(ABC):
    @abstractmethod
    def running_replicas(self, app: str, service: str) -> set[str]:
        """Ids of the service's running containers, read with the cloud's own SDK."""

    @abstractmethod
    def kill_replica(self, app: str, service: str) -> str:
        """Kill one running container of ``service`` from outside, as a crash would; its id."""


def _get(url: str, timeout: float = 5.0) -> str:
    host = urlparse(url).hostname or ""
    if not ipaddress.ip_address(host if host != "localhost" else "127.0.0.1").is_loopback:
        raise AssertionError(f"endpoint {url} is not a loopback address; the traffic step contacts loopback only")
    with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - loopback, checked above
        return reply.read().decode(errors="replace")


class RealTrafficConformance:
    # the steps build on each other (deploy, traffic, kill a replica, destroy): never shuffled
    pytestmark = [pytest.mark.random_order(disabled=True)]
    provider: ClassVar[str] = ""
    timeout: ClassVar[float] = 120.0
    traffic_spec: ClassVar[str] = ""
    marker: ClassVar[str] = ""
    relay_path: ClassVar[str] = "/"
    emulator_options: ClassVar[dict[str, dict[str, Any]]] = {}
    traffic: ClassVar[dict[str, Any]]

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _traffic_dir(cls, tmp_path_factory):
        directory = tmp_path_factory.mktemp(f"traffic-{cls.provider}")
        (directory / "traffic.yaml").write_text(cls.traffic_spec)
        cls.traffic = {"spec": str(directory / "traffic.yaml")}

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, tmp_path_factory):
        from cloudorch.testing.sandbox import InProcessSandbox

        box = InProcessSandbox(tmp_path_factory.mktemp(f"{cls.provider}-traffic"), [cls.provider],
                               **cls.emulator_options)
        yield box
        box.close()

    # -- plumbing ------------------------------------------------------------------------------
    def run(self, sandbox, *args: str) -> tuple[int, Result]:
        from cloudorch.cli.main import cli
        from cloudorch.errors import CloudorchError

        argv = [args[0], "-f", self.traffic["spec"], "-p", self.provider, "--sandbox", *args[1:]]
        result = CliRunner().invoke(cli, argv, env=sandbox.env, standalone_mode=False, catch_exceptions=True)
        if isinstance(result.exception, CloudorchError):
            return result.exception.exit_code, result
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return (result.return_value if isinstance(result.return_value, int) else result.exit_code), result

    def status(self, sandbox) -> dict:
        _, result = self.run(sandbox, "status", "-o", "json")
        return json.loads(result.stdout)

    def endpoint(self, sandbox, service: str) -> str:
        found = next(s for s in self.status(sandbox)["services"] if s["name"] == service)
        assert found["endpoints"], f"status shows no endpoint for {service}: {found}"
        return found["endpoints"][0].rstrip("/")

    def eventually(self, what: str, check) -> Any:
        end, last = time.monotonic() + self.timeout, None
        while time.monotonic() < end:
            try:
                value = check()
                if value:
                    return value
            except (OSError, urllib.error.URLError, AssertionError, StopIteration) as exc:
                last = exc
            time.sleep(0.5)
        raise AssertionError(f"gave up waiting for {what} (last: {last!r})")

    # -- the steps -----------------------------------------------------------------------------
    def test_t1_deploy(self, sandbox):
        code, result = self.run(sandbox, "deploy", "--timeout", str(self.timeout))
        assert code == 0, result.output

    def test_t2_public_endpoint_answers(self, sandbox):
        url = self.endpoint(sandbox, "web")
        assert url.startswith("http://"), url
        body = self.eventually(f"an answer from {url}", lambda: _get(url + "/"))
        assert self.marker in body, body

    def test_t3_service_reaches_another_by_name(self, sandbox):
        url = self.endpoint(sandbox, "relay") + self.relay_path
        body = self.eventually(f"an answer from {url}", lambda: _get(url))
        assert self.marker in body, f"the relay did not pass on web's answer: {body!r}"

    def test_t4_killed_replica_is_replaced(self, sandbox, hooks):
        app = self.status(sandbox)["app"]
        before = hooks.running_replicas(app, "web")
        assert before, "web has no running replica"
        killed = hooks.kill_replica(app, "web")

        def replaced() -> bool:
            now = hooks.running_replicas(app, "web")
            return killed not in now and len(now) >= len(before)

        self.eventually(f"a replacement for killed replica {killed}", replaced)

        def converged() -> bool:
            web = next(s for s in self.status(sandbox)["services"] if s["name"] == "web")
            return web["state"] == "HEALTHY" and web["running"] == web["desired"]

        self.eventually("web HEALTHY again", converged)
        url = self.endpoint(sandbox, "web")
        assert self.marker in self.eventually("an answer after the replacement", lambda: _get(url + "/"))
        code, result = self.run(sandbox, "plan", "-o", "json")
        assert code == 0, f"a replaced replica is not drift: {result.output}"

    def test_t5_destroy(self, sandbox):
        code, result = self.run(sandbox, "destroy", "--yes")
        assert code == 0, result.output
        assert {s["state"] for s in self.status(sandbox)["services"]} == {"MISSING"}


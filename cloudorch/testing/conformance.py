"""The provider conformance suite: one behaviour every provider must show, through the CLI,
against its emulator.

A provider's test module subclasses :class:`ProviderConformance` and supplies a class-scoped
``hooks`` fixture (the ``sandbox`` fixture, the provider's emulator served in-process, is
inherited)::

    class TestConformance(ProviderConformance):
        provider = "aws"
        emulator_options = {"aws": {"start_delay": 0.3}}   # optional

        @pytest.fixture(scope="class")
        @classmethod
        def hooks(cls, sandbox):
            return MyHooks(sandbox.config("aws"))   # a ConformanceHooks using the cloud's own SDK

The tests run in definition order and build on each other (deploy -> ... -> destroy); with
pytest-xdist, run with ``--dist loadscope`` so that a class stays on one worker.
Capabilities the provider does not declare turn their steps into checks that the command is
refused plainly.
"""

from __future__ import annotations

import json
import shutil
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

from cloudorch import registry
from cloudorch.provider import Capability

EXAMPLES = Path(__file__).resolve().parents[2] / "specs" / "examples"
# Values the example specs read from the environment at deploy time (never real secrets).
SPEC_ENV = {"LOG_LEVEL": "info", "SHOP_SESSION_KEY": "conformance-session-key",
            "SHOP_DATABASE_URL": "postgres://conformance@db/shop"}


class ConformanceHooks(ABC):
    """Out-of-band operations, done with the cloud's own SDK, never through cloudorch."""

    @abstractmethod
    def delete_service(self, app: str, service: str) -> None:
        """Delete the service's main native resource behind cloudorch's back."""

    @abstractmethod
    def plant_unowned(self, app: str, service: str) -> None:
        """Create the native resource that ``service`` of ``app`` would get, without markers."""

    @abstractmethod
    def unowned_exists(self, app: str, service: str) -> bool:
        """Whether the planted resource is still there."""

    @abstractmethod
    def owned_resources(self, app: str) -> list[str]:
        """Names of every resource in the cloud carrying ``app``'s ownership markers."""


def _spec(tmp: Path, name: str, text: str) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(text)
    return path


CRASH_SPEC = """\
version: 1
name: confcrash
services:
  good:
    image: nginx:1.27.2
    ports: [{port: 80}]
  bad:
    image: ghcr.io/acme/crashloop:1.0.0
    ports: [{port: 8080}]
"""
CLASH_SPEC = """\
version: 1
name: confclash
services:
  web:
    image: nginx:1.27.2
    ports: [{port: 80}]
"""


class ProviderConformance:
    provider: ClassVar[str] = ""
    timeout: ClassVar[float] = 120.0
    #: the app the suite deploys: services web (public, autoscaled), api, worker, redis
    example: ClassVar[Path] = EXAMPLES / "webshop.yaml"
    #: the ``providers.<provider>`` block of the suite's own small specs (the crash loop and the name
    #: clash), for providers with required settings (e.g. GKE's location and cluster)
    spec_settings: ClassVar[dict[str, Any]] = {}
    #: keyword options for the emulators' constructors, by provider name (tests shorten delays)
    emulator_options: ClassVar[dict[str, dict[str, Any]]] = {}
    state: ClassVar[dict[str, Any]]

    # -- plumbing ------------------------------------------------------------------------------
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _workdir(cls, tmp_path_factory):
        cls.state = {"dir": tmp_path_factory.mktemp(f"conformance-{cls.provider}")}
        shutil.copy(cls.example, cls.state["dir"] / "webshop.yaml")

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, tmp_path_factory):
        """The provider's emulator (and the peers it needs) served by the test process."""
        from cloudorch.testing.sandbox import InProcessSandbox

        box = InProcessSandbox(tmp_path_factory.mktemp(f"{cls.provider}-sandbox"), [cls.provider],
                               **cls.emulator_options)
        yield box
        box.close()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return registry.load(self.provider).capabilities

    @property
    def webshop(self) -> str:
        return str(self.state["dir"] / "webshop.yaml")

    def with_settings(self, spec: str) -> str:
        if not self.spec_settings:
            return spec
        return spec + "providers: " + json.dumps({self.provider: self.spec_settings}) + "\n"

    def cli(self, sandbox, *args: str, spec: str | None = None) -> Result:
        from cloudorch.cli.main import cli

        argv = [args[0], "-f", spec or self.webshop, "-p", self.provider, "--sandbox", *args[1:]]
        env = {**sandbox.env, **SPEC_ENV}
        return CliRunner().invoke(cli, argv, env=env, standalone_mode=False, catch_exceptions=True)

    @staticmethod
    def exit_code(result: Result) -> int:
        from cloudorch.errors import CloudorchError

        if isinstance(result.exception, CloudorchError):
            return result.exception.exit_code
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.return_value if isinstance(result.return_value, int) else result.exit_code

    def status_json(self, sandbox, spec: str | None = None) -> tuple[int, dict]:
        result = self.cli(sandbox, "status", "-o", "json", spec=spec)
        return self.exit_code(result), json.loads(result.stdout)

    def mutating(self, sandbox) -> list[str]:
        return [r["action"] for r in sandbox.requests(self.provider) if r["mutating"]]

    def wait_for(self, sandbox, predicate, what: str, spec: str | None = None) -> dict:
        end = time.monotonic() + self.timeout
        while True:
            code, status = self.status_json(sandbox, spec)
            if predicate(status):
                return status
            assert time.monotonic() < end, f"gave up waiting for {what}: {status}"
            time.sleep(0.5)

    # -- the suite -----------------------------------------------------------------------------
    def test_01_deploy_becomes_healthy(self, sandbox):
        result = self.cli(sandbox, "deploy", "--timeout", str(self.timeout), "-o", "json")
        assert self.exit_code(result) == 0, result.output
        code, status = self.status_json(sandbox)
        assert code == 0 and status["state"] == "HEALTHY", status
        assert {s["name"] for s in status["services"]} == {"web", "api", "worker", "redis"}
        for service in status["services"]:
            assert service["running"] == service["desired"] >= 1, service
            assert service["image"], service

    def test_02_plan_is_empty_after_deploy(self, sandbox):
        result = self.cli(sandbox, "plan", "-o", "json")
        assert self.exit_code(result) == 0, result.output
        assert json.loads(result.stdout) == {"changes": []}

    def test_03_redeploy_makes_no_mutating_call(self, sandbox):
        sandbox.clear_requests(self.provider)
        result = self.cli(sandbox, "deploy", "--timeout", str(self.timeout))
        assert self.exit_code(result) == 0, result.output
        assert self.mutating(sandbox) == []
        assert sandbox.requests(self.provider), "the redeploy should still have read the live state"

    def test_04_scale_up_and_down(self, sandbox):
        if Capability.REPLICAS not in self.capabilities:
            result = self.cli(sandbox, "scale", "worker=2")
            assert self.exit_code(result) == 2
            return
        result = self.cli(sandbox, "scale", "worker=3", "--timeout", str(self.timeout))
        assert self.exit_code(result) == 0, result.output
        status = self.wait_for(sandbox, lambda s: _svc(s, "worker")["running"] == 3, "worker at 3")
        assert _svc(status, "worker")["desired"] == 3
        plan = self.cli(sandbox, "plan", "-o", "json")
        assert self.exit_code(plan) == 3, "the spec says 1 worker: plan must show the drift"
        result = self.cli(sandbox, "scale", "worker=1", "--timeout", str(self.timeout))
        assert self.exit_code(result) == 0, result.output
        self.wait_for(sandbox, lambda s: _svc(s, "worker")["running"] == 1, "worker back at 1")
        assert self.exit_code(self.cli(sandbox, "plan", "-o", "json")) == 0

    def test_05_autoscale_on_and_off(self, sandbox):
        if Capability.AUTOSCALE not in self.capabilities:
            result = self.cli(sandbox, "autoscale", "api", "--min", "2", "--max", "4")
            assert self.exit_code(result) == 2
            assert "no native autoscaler" in str(result.exception)
            return
        result = self.cli(sandbox, "autoscale", "api", "--min", "2", "--max", "4", "--cpu", "60")
        assert self.exit_code(result) == 0, result.output
        plan = json.loads(self.cli(sandbox, "plan", "-o", "json").stdout)
        assert any(c["service"] == "api" for c in plan["changes"]), "api is not autoscaled in the spec"
        result = self.cli(sandbox, "autoscale", "api", "--off")
        assert self.exit_code(result) == 0, result.output
        assert self.exit_code(self.cli(sandbox, "plan", "-o", "json")) == 0

    def test_06_logs_are_merged_and_prefixed(self, sandbox):
        if Capability.LOGS not in self.capabilities:
            assert self.exit_code(self.cli(sandbox, "logs")) == 2
            return
        deadline = time.monotonic() + self.timeout
        while True:
            result = self.cli(sandbox, "logs", "web", "api")
            assert self.exit_code(result) == 0, result.output
            lines = result.stdout.splitlines()
            if {line.split(" ", 2)[1].split("/")[0] for line in lines} >= {"web", "api"}:
                break
            assert time.monotonic() < deadline, f"no log lines from web and api: {result.output}"
            time.sleep(1)
        stamps = [line.split(" ", 1)[0] for line in lines]
        assert stamps == sorted(stamps), "lines must be merged in time order"
        assert all(" | " in line for line in lines)
        tail = self.cli(sandbox, "logs", "--tail", "3")
        assert len(tail.stdout.splitlines()) == 3

    def test_07_out_of_band_delete_is_planned_and_restored(self, sandbox, hooks):
        hooks.delete_service("webshop", "api")
        plan = self.cli(sandbox, "plan", "-o", "json")
        assert self.exit_code(plan) == 3
        changes = json.loads(plan.stdout)["changes"]
        assert any(c["service"] == "api" and c["action"] in ("create", "replace") for c in changes), changes
        result = self.cli(sandbox, "deploy", "--timeout", str(self.timeout))
        assert self.exit_code(result) == 0, result.output
        assert self.exit_code(self.cli(sandbox, "plan", "-o", "json")) == 0
        code, status = self.status_json(sandbox)
        assert code == 0, status

    def test_08_unowned_same_name_is_refused(self, sandbox, hooks):
        spec = str(_spec(self.state["dir"], "clash", self.with_settings(CLASH_SPEC)))
        hooks.plant_unowned("confclash", "web")
        result = self.cli(sandbox, "deploy", "--timeout", str(self.timeout), spec=spec)
        assert self.exit_code(result) != 0
        message = str(result.exception)
        assert "confclash" in message and "not managed by cloudorch" in message, message
        assert hooks.unowned_exists("confclash", "web")

    def test_09_crashloop_fails_the_deploy_naming_the_service(self, sandbox):
        spec = str(_spec(self.state["dir"], "crash", self.with_settings(CRASH_SPEC)))
        result = self.cli(sandbox, "deploy", "--timeout", str(self.timeout), spec=spec)
        assert self.exit_code(result) == 4, result.output
        assert "service bad failed:" in str(result.exception), str(result.exception)
        code, status = self.status_json(sandbox, spec)
        assert code == 4 and _svc(status, "bad")["state"] == "FAILED"
        self.cli(sandbox, "destroy", "--yes", spec=spec)

    def test_10_destroy_leaves_nothing_but_what_is_not_ours(self, sandbox, hooks):
        hooks.plant_unowned("webshop", "lookalike")
        dry = self.cli(sandbox, "destroy", "--dry-run")
        assert self.exit_code(dry) == 0 and "delete" in dry.stdout
        assert hooks.owned_resources("webshop"), "dry run must not delete"
        refused = self.cli(sandbox, "destroy")
        assert self.exit_code(refused) == 2, "without --yes and without a terminal, destroy must refuse"
        result = self.cli(sandbox, "destroy", "--yes")
        assert self.exit_code(result) == 0, result.output
        assert hooks.owned_resources("webshop") == []
        assert hooks.unowned_exists("webshop", "lookalike")
        code, status = self.status_json(sandbox)
        assert code == 4 and {s["state"] for s in status["services"]} == {"MISSING"}
        again = self.cli(sandbox, "destroy", "--yes")
        assert self.exit_code(again) == 0 and "nothing to delete" in again.stdout


def _svc(status: dict, name: str) -> dict:
    return next(s for s in status["services"] if s["name"] == name)

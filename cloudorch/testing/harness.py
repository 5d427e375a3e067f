"""The conformance kit's plumbing: the sandbox, the kit's specs (package data), the web shop deployed
once per class, CLI invocations, and the per-provider declaration of known gaps.

Every step is independent: it needs only the class-scoped fixtures (``sandbox``, ``hooks``,
``deployed``), leaves the shared web shop as the spec describes it, and deploys any other app it
needs under its own name and destroys it. Steps run in any order, or alone.
"""

from __future__ import annotations

import json
import threading
import time
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from click.testing import CliRunner, Result

from cloudorch import registry
from cloudorch.provider import Capability

#: the kit's specs, shipped inside the package (``cloudorch/testing/specs/*.yaml``)
SPECS = files("cloudorch.testing") / "specs"
#: values of the web shop's secrets (never real ones); also what the example reads from the
#: environment at deploy time on providers that read values then
WEBSHOP_SECRETS = {"session-key": "conformance-session-key", "database-url": "postgres://conformance@db/shop"}
SPEC_ENV = {"LOG_LEVEL": "info", "SHOP_SESSION_KEY": WEBSHOP_SECRETS["session-key"],
            "SHOP_DATABASE_URL": WEBSHOP_SECRETS["database-url"]}


class ConformanceHarness:
    #: the provider's entry-point name
    provider: ClassVar[str] = ""
    #: seconds each deploy / scale may take
    timeout: ClassVar[float] = 120.0
    #: the ``providers.<provider>`` block added to the kit's small specs (not the web shop, which has
    #: its own blocks), for providers with required settings (e.g. GKE's project, location, cluster)
    spec_settings: ClassVar[dict[str, Any]] = {}
    #: keyword options for the emulators' constructors, by provider name (tests shorten delays)
    emulator_options: ClassVar[dict[str, dict[str, Any]]] = {}
    #: the web shop the kit deploys (default: the packaged one). Another must keep its app name
    #: (webshop), its services (web public, api, worker, redis) and the sidecar log-shipper of web
    example: ClassVar[Path | None] = None
    #: images of the kit's small specs: "good" serves, "update" serves too (another image), and
    #: "crashing" never starts; and fields added to each of their services (e.g. a command)
    images: ClassVar[dict[str, str]] = {"good": "nginx:1.27.2", "update": "nginx:1.27.3",
                                        "crashing": "ghcr.io/acme/crashloop:1.0.0"}
    service_fields: ClassVar[dict[str, Any]] = {}
    #: the emulator serving the API the provider changes resources through (default: its own; GKE's
    #: resources live in the Kubernetes emulator): request logs and fault injection use it
    api_emulator: ClassVar[str] = ""
    #: the fault-injection match (``POST /_cloudorch/faults``) of the API action that ``status`` reads
    status_read: ClassVar[str] = ""
    #: what that read answers while the deploy waits (in this order): a server error, then throttling
    transient_faults: ClassVar[list[dict[str, Any]]] = [
        {"status": 503, "code": "ServiceUnavailable", "message": "try again", "count": 1},
        {"status": 429, "code": "TooManyRequests", "message": "slow down", "count": 1, "retry_after": 0.2},
    ]
    #: steps the provider does not pass yet: step name -> reason. Each becomes an expected failure
    #: (strict: it turns red when the provider starts passing, so the entry must then be removed)
    known_gaps: ClassVar[dict[str, str]] = {}
    state: ClassVar[dict[str, Any]]

    # -- fixtures --------------------------------------------------------------------------------
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _workdir(cls, tmp_path_factory):
        steps = {name for name in dir(cls) if name.startswith("test_")}
        unknown = sorted(set(cls.known_gaps) - steps)
        if unknown:
            pytest.fail(f"{cls.__name__}.known_gaps names no step: {', '.join(unknown)}", pytrace=False)
        directory = tmp_path_factory.mktemp(f"conformance-{cls.provider}")
        for spec in SPECS.iterdir():
            if spec.name == "webshop.yaml":
                (directory / spec.name).write_text(cls.example.read_text() if cls.example else spec.read_text())
            elif spec.name.endswith(".yaml"):
                (directory / spec.name).write_text(cls.adapt(spec.read_text()))
        cls.state = {"dir": directory}

    @classmethod
    def adapt(cls, text: str) -> str:
        """A small spec with this provider's images, service fields and settings."""
        data = yaml.safe_load(text)
        defaults = {image: role for role, image in ConformanceHarness.images.items()}
        for service in data["services"].values():
            role = defaults.get(service["image"])
            service["image"] = cls.images[role] if role else service["image"]
            service.update(cls.service_fields)
        if cls.spec_settings:
            data["providers"] = {cls.provider: cls.spec_settings}
        return yaml.safe_dump(data, sort_keys=False)

    @pytest.fixture(autouse=True)
    def _known_gap(self, request):
        reason = self.known_gaps.get(request.node.originalname)
        if reason:
            request.node.add_marker(pytest.mark.xfail(strict=True, reason=f"known gap on {self.provider}: {reason}"))

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, tmp_path_factory):
        """The provider's emulator (and the peers it needs) served by the test process."""
        from cloudorch.testing.sandbox import InProcessSandbox

        box = InProcessSandbox(tmp_path_factory.mktemp(f"{cls.provider}-sandbox"), [cls.provider],
                               **cls.emulator_options)
        yield box
        box.close()

    @pytest.fixture(scope="class")
    @classmethod
    def deployed(cls, sandbox, hooks):
        """The web shop (services web, api, worker, redis), deployed once for the class and destroyed
        after it. Steps that change it put it back as the spec says."""
        for name, value in WEBSHOP_SECRETS.items():
            hooks.create_secret("webshop", name, value)
        result = cls.cli(sandbox, "deploy", "--timeout", str(cls.timeout))
        if cls.exit_code(result) != 0:
            pytest.fail(f"deploying the web shop failed (exit {cls.exit_code(result)}): "
                        f"{result.exception or result.output}", pytrace=False)
        yield cls.spec("webshop")
        cls.cli(sandbox, "destroy", "--yes")

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        return registry.load(self.provider).capabilities

    @classmethod
    def spec(cls, name: str) -> str:
        return str(cls.state["dir"] / f"{name}.yaml")

    @classmethod
    def cli(cls, sandbox, *args: str, spec: str | None = None, env: dict[str, str] | None = None) -> Result:
        from cloudorch.cli.main import cli

        argv = [args[0], "-f", spec or cls.spec("webshop"), "-p", cls.provider, "--sandbox", *args[1:]]
        defaults = {**SPEC_ENV, "CONFORMANCE_IMAGE": cls.images["good"]}
        return CliRunner().invoke(cli, argv, env={**sandbox.env, **defaults, **(env or {})},
                                  standalone_mode=False, catch_exceptions=True)

    @classmethod
    def offline(cls, *args: str) -> Result:
        """``validate`` / ``render`` of the web shop (no cloud, no sandbox)."""
        from cloudorch.cli.main import cli

        argv = [args[0], "-f", cls.spec("webshop"), "-p", cls.provider, *args[1:]]
        return CliRunner().invoke(cli, argv, env=SPEC_ENV, standalone_mode=False, catch_exceptions=True)

    @staticmethod
    def why(result: Result) -> str:
        """What a command said: its error line, else its output."""
        return f"{result.exception}\n{result.output}" if result.exception else result.output

    @staticmethod
    def exit_code(result: Result) -> int:
        from cloudorch.errors import CloudorchError

        if isinstance(result.exception, CloudorchError):
            return result.exception.exit_code
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.return_value if isinstance(result.return_value, int) else result.exit_code

    def deploy(self, sandbox, spec: str | None = None, env: dict[str, str] | None = None, *flags: str) -> Result:
        return self.cli(sandbox, "deploy", "--timeout", str(self.timeout), *flags, spec=spec, env=env)

    def status_json(self, sandbox, spec: str | None = None, env: dict[str, str] | None = None) -> tuple[int, dict]:
        result = self.cli(sandbox, "status", "-o", "json", spec=spec, env=env)
        return self.exit_code(result), json.loads(result.stdout)

    def plan_code(self, sandbox, spec: str | None = None) -> int:
        return self.exit_code(self.cli(sandbox, "plan", "-o", "json", spec=spec))

    @property
    def api(self) -> str:
        return self.api_emulator or self.provider

    def mutating(self, sandbox) -> list[str]:
        return [r["action"] for r in sandbox.requests(self.api) if r["mutating"]]

    def wait_for(self, sandbox, predicate, what: str, spec: str | None = None, env=None) -> dict:
        end = time.monotonic() + self.timeout
        while True:
            code, status = self.status_json(sandbox, spec, env)
            if predicate(status):
                return status
            assert time.monotonic() < end, f"gave up waiting for {what}: {status}"
            time.sleep(0.3)

    def restore(self, sandbox) -> None:
        """Put the web shop back as its spec says (after a step changed it)."""
        result = self.deploy(sandbox)
        assert self.exit_code(result) == 0, f"restoring the web shop failed: {result.exception or result.output}"

    def inject_when_mutated(self, sandbox, faults: list[dict[str, Any]]) -> threading.Thread:
        """Add ``faults`` as soon as the provider's emulator has served a mutating request (so that
        they hit the reads that follow: the deploy's wait), from a background thread."""
        def run():
            end = time.monotonic() + self.timeout
            while time.monotonic() < end:
                if any(r["mutating"] for r in sandbox.requests(self.api)):
                    for fault in faults:
                        sandbox.admin(self.api, "faults", "POST", fault)
                    return
                time.sleep(0.02)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def service(status: dict, name: str) -> dict:
    return next(s for s in status["services"] if s["name"] == name)


"""The provider conformance kit: the behaviour every provider must show, through the CLI, against its
emulator. It is the executable definition of a provider.

A provider's test module subclasses :class:`ProviderConformance` and supplies a class-scoped ``hooks``
fixture (a :class:`~cloudorch.testing.hooks.ConformanceHooks` using the cloud's own SDK)::

    class TestConformance(ProviderConformance):
        provider = "acme"
        status_read = "acme:ListServices"           # the API action status polls (fault injection)
        emulator_options = {"acme": {"start_delay": 0.3}}   # optional
        known_gaps = {}                              # step -> reason, for steps it does not pass yet

        @pytest.fixture(scope="class")
        @classmethod
        def hooks(cls, sandbox):
            return AcmeHooks(sandbox.config("acme"))

Steps are independent (see :mod:`cloudorch.testing.harness`); with pytest-xdist use
``--dist loadscope`` so one class's sandbox serves all its steps. A capability (an operation: scale,
autoscale, logs) the provider does not declare turns its step into a check that the command is
refused plainly (exit 2); a spec field its ``validate`` reports unsupported skips the steps that
need it.
"""

from __future__ import annotations

import json
import time

import pytest

from cloudorch.provider import Capability
from cloudorch.testing.day_two_steps import DayTwoSteps
from cloudorch.testing.harness import SPEC_ENV, WEBSHOP_SECRETS, ConformanceHarness, service
from cloudorch.testing.release_steps import ReleaseSteps

#: spec fields of the web shop that a provider maps or not (``validate`` says, per field), and what
#: the native documents contain when it maps them (the field reached what is sent)
RENDERED_FIELDS = {
    "services.web.volumes": lambda app: app.services["web"].volumes[0].path,
    "services.web.sidecars": lambda app: app.services["web"].sidecars[0].name,
    "services.api.health": lambda app: app.services["api"].health.http.path,
    "services.api.secrets": lambda app: next(iter(app.services["api"].secrets)),
}


class ProviderConformance(DayTwoSteps, ReleaseSteps, ConformanceHarness):
    # -- the web shop, deployed once per class ---------------------------------------------------
    def test_deploy_becomes_healthy(self, sandbox, deployed):
        code, status = self.status_json(sandbox)
        assert code == 0 and status["state"] == "HEALTHY", status
        assert {s["name"] for s in status["services"]} == {"web", "api", "worker", "redis"}
        for svc in status["services"]:
            assert svc["running"] == svc["desired"] >= 1, svc
            assert svc["image"], svc

    def test_plan_is_empty_after_deploy(self, sandbox, deployed):
        result = self.cli(sandbox, "plan", "-o", "json")
        assert self.exit_code(result) == 0, self.why(result)
        assert json.loads(result.stdout) == {"changes": []}

    def test_redeploy_makes_no_mutating_call(self, sandbox, deployed):
        sandbox.clear_requests(self.api)
        result = self.deploy(sandbox)
        assert self.exit_code(result) == 0, self.why(result)
        assert self.mutating(sandbox) == []
        assert sandbox.requests(self.api), "the redeploy should still have read the live state"

    def test_scale_up_and_down(self, sandbox, deployed):
        if Capability.REPLICAS not in self.capabilities:
            assert self.exit_code(self.cli(sandbox, "scale", "worker=2")) == 2
            return
        try:
            result = self.cli(sandbox, "scale", "worker=3", "--timeout", str(self.timeout))
            assert self.exit_code(result) == 0, self.why(result)
            status = self.wait_for(sandbox, lambda s: service(s, "worker")["running"] == 3, "worker at 3")
            assert service(status, "worker")["desired"] == 3
            assert self.plan_code(sandbox) == 3, "the spec says 1 worker: plan must show the drift"
            result = self.cli(sandbox, "scale", "worker=1", "--timeout", str(self.timeout))
            assert self.exit_code(result) == 0, self.why(result)
            self.wait_for(sandbox, lambda s: service(s, "worker")["running"] == 1, "worker back at 1")
            assert self.plan_code(sandbox) == 0
        finally:
            self.restore(sandbox)

    def test_service_scaled_to_zero_keeps_the_app_serving(self, sandbox, deployed):
        """Health precedence: a service at 0 replicas on purpose is STOPPED, and the app whose other
        services serve stays HEALTHY (status exit 0); a failing service would win over both."""
        if Capability.REPLICAS not in self.capabilities:
            pytest.skip("scaling is refused without the replicas capability (see test_scale_up_and_down)")
        try:
            result = self.cli(sandbox, "scale", "worker=0", "--timeout", str(self.timeout))
            assert self.exit_code(result) == 0, self.why(result)
            self.wait_for(sandbox, lambda s: service(s, "worker")["running"] == 0, "worker at 0")
            code, status = self.status_json(sandbox)
            assert service(status, "worker")["state"] == "STOPPED", status
            assert code == 0 and status["state"] == "HEALTHY", status
        finally:
            self.restore(sandbox)

    def test_autoscale_on_and_off(self, sandbox, deployed):
        if Capability.AUTOSCALE not in self.capabilities:
            result = self.cli(sandbox, "autoscale", "api", "--min", "2", "--max", "4")
            assert self.exit_code(result) == 2
            assert "no native autoscaler" in str(result.exception)
            return
        try:
            result = self.cli(sandbox, "autoscale", "api", "--min", "2", "--max", "4", "--cpu", "60")
            assert self.exit_code(result) == 0, self.why(result)
            plan = json.loads(self.cli(sandbox, "plan", "-o", "json").stdout)
            assert any(c["service"] == "api" for c in plan["changes"]), "api is not autoscaled in the spec"
            result = self.cli(sandbox, "autoscale", "api", "--off")
            assert self.exit_code(result) == 0, self.why(result)
            assert self.plan_code(sandbox) == 0
        finally:
            self.restore(sandbox)

    def test_logs_are_merged_and_prefixed(self, sandbox, deployed):
        if Capability.LOGS not in self.capabilities:
            assert self.exit_code(self.cli(sandbox, "logs")) == 2
            return
        want = {("web", "main"), ("api", "main")}
        if self.fit("services.web.sidecars") != "unsupported":
            want.add(("web", "log-shipper"))  # the sidecar's own lines
        deadline = time.monotonic() + self.timeout
        while True:
            result = self.cli(sandbox, "logs", "web", "api")
            assert self.exit_code(result) == 0, self.why(result)
            lines = result.stdout.splitlines()
            prefixes = [line.split(" ", 2)[1].split("/") for line in lines]
            seen = {(p[0], "main" if p[-1] != "log-shipper" else p[-1]) for p in prefixes}
            if seen >= want:
                break
            assert time.monotonic() < deadline, f"no log lines from each of {sorted(want)}: {result.output}"
            time.sleep(0.5)
        stamps = [line.split(" ", 1)[0] for line in lines]
        assert stamps == sorted(stamps), "lines must be merged in time order"
        assert all(" | " in line and len(p) == 3 for line, p in zip(lines, prefixes, strict=True))
        tail = self.cli(sandbox, "logs", "--tail", "3")
        assert len(tail.stdout.splitlines()) == 3

    def test_out_of_band_delete_is_planned_and_restored(self, sandbox, hooks, deployed):
        hooks.delete_service("webshop", "api")
        try:
            plan = self.cli(sandbox, "plan", "-o", "json")
            assert self.exit_code(plan) == 3
            changes = json.loads(plan.stdout)["changes"]
            assert any(c["service"] == "api" and c["action"] in ("create", "replace") for c in changes), changes
        finally:
            self.restore(sandbox)
        assert self.plan_code(sandbox) == 0
        code, status = self.status_json(sandbox)
        assert code == 0, status

    def test_public_port_gets_an_endpoint(self, sandbox, deployed):
        if self.fit("services.web.ports") == "unsupported":
            pytest.skip(f"validate says {self.provider} does not map public ports")
        code, status = self.status_json(sandbox)
        assert service(status, "web")["endpoints"], f"web has a public port but no endpoint: {status}"

    # -- what validate says is mapped reaches the native documents -------------------------------
    def fit(self, field: str) -> str:
        """How ``validate -p`` maps the web shop's ``field`` (the worst of its parts)."""
        result = self.offline("validate", "-o", "json")
        assert self.exit_code(result) == 0, self.why(result)
        fits = {f["fit"] for f in json.loads(result.stdout)["fields"]
                if f["field"] == field or f["field"].startswith(field + ".")}
        return next((fit for fit in ("unsupported", "lossy", "exact") if fit in fits), "unsupported")

    @pytest.mark.parametrize("field", list(RENDERED_FIELDS))
    def test_mapped_fields_reach_the_rendered_documents(self, field):
        if self.fit(field) == "unsupported":
            pytest.skip(f"validate says {self.provider} does not map {field}")
        from cloudorch.spec import load_spec

        expected = RENDERED_FIELDS[field](load_spec(self.spec("webshop"), env=SPEC_ENV).app)
        result = self.offline("render", "-o", "json")
        assert self.exit_code(result) == 0, self.why(result)
        assert expected in result.stdout, f"{field} ({expected}) is mapped but not in the rendered documents"

    def test_render_never_contains_secret_values(self):
        result = self.offline("render", "-o", "json")
        assert self.exit_code(result) == 0, self.why(result)
        for value in WEBSHOP_SECRETS.values():
            assert value not in result.stdout

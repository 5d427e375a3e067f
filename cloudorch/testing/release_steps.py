"""Conformance steps that release an app of their own (named after the step, destroyed after it): a
name clash, a crash loop, a missing secret, rolling and crashing updates, a transient read error
during the wait, and destroy."""

from __future__ import annotations

import json
from contextlib import contextmanager

from cloudorch.testing.harness import service


class ReleaseSteps:
    @contextmanager
    def own_app(self, sandbox, spec: str, env: dict[str, str] | None = None):
        """Run the body, then destroy the step's app whatever happened."""
        try:
            yield
        finally:
            self.cli(sandbox, "destroy", "--yes", spec=spec, env=env)

    def test_unowned_same_name_is_refused(self, sandbox, hooks):
        spec = self.spec("clash")
        hooks.plant_unowned("confclash", "web")
        result = self.deploy(sandbox, spec)
        assert self.exit_code(result) != 0
        message = str(result.exception)
        assert "confclash" in message and "not managed by cloudorch" in message, message
        assert hooks.unowned_exists("confclash", "web")

    def test_crashloop_fails_the_deploy_naming_the_service(self, sandbox):
        spec = self.spec("crash")
        with self.own_app(sandbox, spec):
            result = self.deploy(sandbox, spec)
            assert self.exit_code(result) == 4, self.why(result)
            assert "service bad failed:" in str(result.exception), str(result.exception)
            code, status = self.status_json(sandbox, spec)
            assert code == 4 and service(status, "bad")["state"] == "FAILED"

    def test_missing_secret_fails_the_deploy_naming_it(self, sandbox):
        """A secret that does not exist where the provider reads it: exit 4 naming the secret."""
        spec = self.spec("secret")
        with self.own_app(sandbox, spec):
            result = self.deploy(sandbox, spec)
            assert self.exit_code(result) == 4, self.why(result)
            message = str(result.exception)
            assert "service web" in message and "conformance-missing" in message, message

    def test_crashing_update_keeps_the_previous_revision_serving(self, sandbox, hooks):
        """An update to an image that crash-loops: exit 4 naming the service, and replicas of the
        revision before keep serving (the cloud runs the first image)."""
        spec, app = self.spec("release"), {"CONFORMANCE_APP": "confcrashup"}
        first_image, crashing_image = self.images["good"], self.images["crashing"]
        with self.own_app(sandbox, spec, app):
            first = self.deploy(sandbox, spec, {**app, "CONFORMANCE_IMAGE": first_image})
            assert self.exit_code(first) == 0, self.why(first)
            update = self.deploy(sandbox, spec, {**app, "CONFORMANCE_IMAGE": crashing_image})
            assert self.exit_code(update) == 4, self.why(update)
            assert "service web" in str(update.exception), str(update.exception)
            code, status = self.status_json(sandbox, spec, {**app, "CONFORMANCE_IMAGE": crashing_image})
            assert code == 4, status
            serving = hooks.running_images("confcrashup", "web")
            assert first_image in serving, f"the previous revision does not serve after the failed update: {serving}"

    def test_update_rolls_without_stopping_the_service(self, sandbox, hooks):
        """An image update ends with the new image healthy, and some replica serves at every moment
        of it (a rolling update)."""
        spec, app = self.spec("release"), {"CONFORMANCE_APP": "confroll"}
        first_image, second_image = self.images["good"], self.images["update"]
        with self.own_app(sandbox, spec, app):
            assert self.exit_code(self.deploy(sandbox, spec, {**app, "CONFORMANCE_IMAGE": first_image})) == 0
            env = {**app, "CONFORMANCE_IMAGE": second_image}
            update = self.deploy(sandbox, spec, env, "--no-wait")
            assert self.exit_code(update) == 0, self.why(update)
            serving: list[list[str]] = []

            def done(status: dict) -> bool:
                serving.append(hooks.running_images("confroll", "web"))
                return status["state"] == "HEALTHY" and service(status, "web")["image"] == second_image

            self.wait_for(sandbox, done, "the update to finish", spec, env)
            assert second_image in hooks.running_images("confroll", "web")
            assert all(serving), f"no replica served at some point of the update: {serving}"

    def test_transient_read_error_during_the_wait_is_retried(self, sandbox):
        """Reads failing with a server error, then throttled, while deploy waits for health do not
        fail the deploy (``transient_faults``)."""
        assert self.status_read, f"{type(self).__name__}.status_read must name the API action status reads"
        spec, env = self.spec("release"), {"CONFORMANCE_APP": "confblip"}
        with self.own_app(sandbox, spec, env):
            sandbox.admin(self.api, "faults", "DELETE")
            sandbox.clear_requests(self.api)
            faults = [{**fault, "match": self.status_read} for fault in self.transient_faults]
            injector = self.inject_when_mutated(sandbox, faults)
            try:
                result = self.deploy(sandbox, spec, env)
                injector.join()
                assert self.exit_code(result) == 0, self.why(result)
                hit = {r["status"] for r in sandbox.requests(self.api)}
                missed = {f["status"] for f in faults} - hit
                assert not missed, f"injected faults {missed} were never hit: the deploy did not read while it waited"
            finally:
                sandbox.admin(self.api, "faults", "DELETE")

    def test_destroy_leaves_nothing_but_what_is_not_ours(self, sandbox, hooks):
        spec = self.spec("gone")
        result = self.deploy(sandbox, spec)
        assert self.exit_code(result) == 0, self.why(result)
        hooks.plant_unowned("confgone", "lookalike")
        dry = self.cli(sandbox, "destroy", "--dry-run", spec=spec)
        assert self.exit_code(dry) == 0 and "delete" in dry.stdout
        assert hooks.owned_resources("confgone"), "dry run must not delete"
        refused = self.cli(sandbox, "destroy", spec=spec)
        assert self.exit_code(refused) == 2, "without --yes and without a terminal, destroy must refuse"
        result = self.cli(sandbox, "destroy", "--yes", spec=spec)
        assert self.exit_code(result) == 0, self.why(result)
        assert hooks.owned_resources("confgone") == []
        assert hooks.unowned_exists("confgone", "lookalike")
        code, status = self.status_json(sandbox, spec)
        assert code == 4 and {s["state"] for s in status["services"]} == {"MISSING"}
        again = self.cli(sandbox, "destroy", "--yes", spec=spec)
        assert self.exit_code(again) == 0 and "nothing to delete" in again.stdout
        assert json.loads(self.cli(sandbox, "plan", "-o", "json", spec=spec).stdout)["changes"]

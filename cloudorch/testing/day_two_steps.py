"""Conformance steps of day two: an update seen with its values before it is applied (secrets
masked), the service's history, a rollback to the revision before, the drift ``plan`` shows after it
and the deploy that restores the spec."""

from __future__ import annotations

import json

from cloudorch.testing.harness import service

TOKENS = ("tok-first-0a1b2c3d", "tok-second-4e5f6a7b")


class DayTwoSteps:
    def _day_two_env(self, image: str, token: str, greeting: str) -> dict[str, str]:
        return {"CONFORMANCE_APP": "confdaytwo", "CONFORMANCE_IMAGE": image, "CONFORMANCE_TOKEN": token,
                "CONFORMANCE_GREETING": greeting}

    def _no_tokens(self, text: str) -> None:
        for token in TOKENS:
            assert token not in text, f"a secret-looking env value is shown: {text}"

    def test_day_two_diff_history_rollback(self, sandbox):
        spec = self.spec("daytwo")
        good, update = self.images["good"], self.images["update"]
        first = self._day_two_env(good, TOKENS[0], "hello")
        second = self._day_two_env(update, TOKENS[1], "hello again")
        with self.own_app(sandbox, spec, first):
            result = self.deploy(sandbox, spec, first)
            assert self.exit_code(result) == 0, self.why(result)

            # the update, seen with its values before it is applied
            plan = self.cli(sandbox, "plan", "-o", "json", spec=spec, env=second)
            assert self.exit_code(plan) == 3, self.why(plan)
            entries = [d for c in json.loads(plan.stdout)["changes"] for d in c["diff"]]
            assert all(set(d) == {"path", "live", "desired"} for d in entries), entries
            assert any(good in json.dumps(d["live"]) and update in json.dumps(d["desired"]) for d in entries), \
                f"no diff entry shows the image going from {good} to {update}: {entries}"
            assert any("hello again" in json.dumps(d["desired"]) for d in entries), entries
            self._no_tokens(plan.stdout)
            assert "(secret)" in plan.stdout, "the changed token should be shown masked"
            shown = self.deploy(sandbox, spec, second, "--diff")
            assert self.exit_code(shown) == 0, self.why(shown)
            assert good in shown.output and update in shown.output and " -> " in shown.output, shown.output
            self._no_tokens(shown.output)

            # the history: the running revision and the one before it, with what changed
            history = self.cli(sandbox, "history", "web", "-o", "json", spec=spec, env=second)
            assert self.exit_code(history) == 0, self.why(history)
            self._no_tokens(history.stdout)
            revisions = json.loads(history.stdout)["services"]["web"]
            assert len(revisions) >= 2, revisions
            current = [r for r in revisions if r["current"]]
            assert len(current) == 1 and update in current[0]["image"], revisions
            before = revisions[revisions.index(current[0]) - 1]
            assert good in before["image"], revisions
            assert any("image" in c["path"].lower() for c in current[0]["changes"]), current[0]
            table = self.cli(sandbox, "history", "web", spec=spec, env=second)
            assert self.exit_code(table) == 0 and current[0]["revision"] in table.stdout, self.why(table)

            # back to the revision before: healthy, then plan shows the drift and deploy ends it
            wrong = self.cli(sandbox, "rollback", "web", "--to", "no-such-revision", spec=spec, env=second)
            assert self.exit_code(wrong) == 2, self.why(wrong)
            back = self.cli(sandbox, "rollback", "web", "--timeout", str(self.timeout), "-o", "json",
                            spec=spec, env=second)
            assert self.exit_code(back) == 0, self.why(back)
            assert json.loads(back.stdout)["rollback"]["revision"] == before["revision"]
            code, status = self.status_json(sandbox, spec, second)
            assert code == 0 and good in service(status, "web")["image"], status
            drift = self.cli(sandbox, "plan", "-o", "json", spec=spec, env=second)
            assert self.exit_code(drift) == 3, "after a rollback, plan must show the drift from the spec"
            entries = [d for c in json.loads(drift.stdout)["changes"] for d in c["diff"]]
            assert any(good in json.dumps(d["live"]) and update in json.dumps(d["desired"]) for d in entries), \
                entries
            restored = self.deploy(sandbox, spec, second)
            assert self.exit_code(restored) == 0, self.why(restored)
            again = self.cli(sandbox, "plan", "-o", "json", spec=spec, env=second)
            assert self.exit_code(again) == 0, self.why(again)
            code, status = self.status_json(sandbox, spec, second)
            assert code == 0 and update in service(status, "web")["image"], status

"""The jobs section: cron checked field by field with file:line, timeout and retries bounded, one
namespace with services, and the JSON Schema agreeing with the models."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from cloudorch.errors import SpecError
from cloudorch.spec import parse_spec
from cloudorch.spec.cron import check_cron
from cloudorch.spec.schema import app_schema

BASE = """\
version: 1
name: shop
services:
  api:
    image: nginx:1.27
jobs:
  cleanup:
    image: busybox:1.36
{extra}"""


def spec(extra: str = ""):
    return parse_spec(BASE.format(extra=extra), "shop.yaml", env={})


def errors(extra: str) -> list[str]:
    with pytest.raises(SpecError) as raised:
        spec(extra)
    return [str(i) for i in raised.value.issues]


@pytest.mark.parametrize("good", ["0 3 * * *", "*/15 * * * mon-fri", "0 0 1,15 * *", "30 2 * jan-mar 0",
                                  "0 12 * * 7", "5-10/2 * * * *"])
def test_valid_cron(good):
    assert check_cron(good) == good
    assert spec(f'    schedule: "{good}"\n').app.jobs["cleanup"].schedule == good


@pytest.mark.parametrize("bad, says", [
    ("0 3 * *", "has 4 fields"),
    ("60 3 * * *", "minute: 60 is outside 0..59"),
    ("0 24 * * *", "hour: 24 is outside 0..23"),
    ("0 3 0 * *", "day of month: 0 is outside 1..31"),
    ("0 3 * 13 *", "month: 13 is outside 1..12"),
    ("0 3 * * 8", "day of week: 8 is outside 0..7"),
    ("0 3 * * fri-mon", "runs backwards"),
    ("*/0 * * * *", "a step of 0"),
    ("0 3 * * funday", "not a number or a name"),
])
def test_bad_cron_is_reported_at_its_line(bad, says):
    [line] = errors(f'    schedule: "{bad}"\n')
    assert line.startswith("shop.yaml:9:15: jobs.cleanup.schedule:") and says in line


def test_timeout_and_retries_are_bounded():
    found = errors("    timeout: 8d\n    retries: 11\n")
    assert any("jobs.cleanup.timeout" in e for e in found)
    assert any("jobs.cleanup.retries" in e and "less than or equal to 10" in e for e in found)
    job = spec("    timeout: 30m\n    retries: 2\n").app.jobs["cleanup"]
    assert job.timeout == 1800 and job.retries == 2 and job.unscheduled == "refuse"


def test_a_job_may_not_take_a_service_name_and_env_and_secrets_do_not_overlap():
    text = BASE.replace("  cleanup:", "  api:").format(extra="    env: {A: x}\n    secrets: {A: a}\n")
    with pytest.raises(SpecError) as raised:
        parse_spec(text, "shop.yaml", env={})
    found = [str(i) for i in raised.value.issues]
    assert any("jobs.api: 'api' is already a service name" in e for e in found)
    assert any("jobs.api.secrets.A" in e and "both in env and in secrets" in e for e in found)


def test_job_secrets_count_as_the_apps_secrets():
    app = spec("    secrets: {DATABASE_URL: database-url}\n").app
    assert "database-url" in app.secret_names()


def test_the_schema_agrees_with_the_models_on_jobs():
    validator = jsonschema.Draft202012Validator(app_schema())
    good = yaml.safe_load(BASE.format(extra='    schedule: "0 3 * * *"\n    timeout: 10m\n    retries: 2\n'
                                            '    unscheduled: on-demand\n'))
    assert not list(validator.iter_errors(good))
    for bad in ({"retries": 11}, {"schedule": "0 3 * *"}, {"unscheduled": "skip"}, {"ports": [{"port": 80}]}):
        doc = yaml.safe_load(BASE.format(extra=""))
        doc["jobs"]["cleanup"].update(bad)
        assert list(validator.iter_errors(doc)), bad
        with pytest.raises(SpecError):
            parse_spec(yaml.safe_dump(doc), "shop.yaml", env={})

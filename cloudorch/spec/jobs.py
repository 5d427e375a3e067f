"""The ``jobs:`` section of the app spec: containers that run to completion, now or on a schedule.

A job shares the container model of a service (image, command, args, env, secrets, resources,
volumes mounted by name at a path, the same :class:`~cloudorch.spec.models.Volume` a service
mounts) and adds:

- ``schedule``: a standard 5-field cron expression (minute hour day-of-month month day-of-week,
  UTC), checked here field by field so a typo is reported at its file:line;
- ``timeout``: the longest one run may take (a duration, at most 7 days);
- ``retries``: how many times a failed run is started again (0..10);
- ``unscheduled``: what a provider that cannot schedule does with a scheduled job: ``refuse``
  (the default: deploy stops with one line naming the job) or ``on-demand`` (the job is deployed
  without its schedule and runs only with ``cloudorch run``; ``validate -p`` says so).

Job names follow the service name rules and share their namespace: a job may not be named like a
service (:func:`cloudorch.spec.checks.job_issues`). Import ``Job`` from
:mod:`cloudorch.spec.models`, which imports this module once the container model exists.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from cloudorch.spec.cron import check_cron

# models.py imports this module after defining the container model, so these names exist already
from cloudorch.spec.models import Container, Volume
from cloudorch.spec.units import bounded_duration

MAX_JOB_SECONDS = 7 * 24 * 3600
MAX_RETRIES = 10


def _cron(value: object) -> object:
    return check_cron(value) if isinstance(value, str) else value


Cron = Annotated[str, BeforeValidator(_cron), WithJsonSchema(
    {"type": "string", "pattern": r"^\s*\S+(\s+\S+){4}\s*$", "examples": ["0 3 * * *"],
     "description": "5-field cron (minute hour day-of-month month day-of-week), UTC"})]
JobTimeout = Annotated[float, BeforeValidator(bounded_duration(1, MAX_JOB_SECONDS)), WithJsonSchema(
    {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$", "examples": ["30m"]})]


class Job(Container):
    """A container that runs to completion: now (``cloudorch run``) or on ``schedule``."""

    volumes: list[Volume] = []
    schedule: Cron | None = None
    timeout: JobTimeout | None = Field(None, description="the longest one run may take (at most 7 days)")
    retries: int = Field(0, ge=0, le=MAX_RETRIES, description="runs started again after a failure")
    unscheduled: Literal["refuse", "on-demand"] = Field(
        "refuse", description="on a provider that cannot schedule: refuse to deploy, or deploy the job "
                              "for `cloudorch run` only")

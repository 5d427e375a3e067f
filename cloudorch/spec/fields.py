"""The spec features an app uses, as stable keys, for providers' capability reports.

``features(service)`` yields keys such as ``autoscale``, ``health.tcp``, ``ports.public`` or
``security.read_only_root`` for what a service actually sets; a provider maps each key to a
:class:`~cloudorch.provider.Fit` and a note, and :func:`report` assembles ``validate -p`` output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cloudorch.provider import FieldReport, Fit
from cloudorch.spec.models import App, Service

#: every key ``features`` can yield, for providers to cover exhaustively (a test checks it)
FEATURE_KEYS = (
    "image", "image_pull_secret", "command", "args", "env", "secrets",
    "ports", "ports.http", "ports.udp", "ports.public",
    "resources", "replicas", "autoscale",
    "health.http", "health.tcp", "health.command", "health.start_period",
    "security.run_as_user", "security.run_as_group", "security.read_only_root", "security.drop_capabilities",
    "depends_on", "volumes", "sidecars", "labels",
)


def features(service: Service) -> Iterator[str]:
    yield "image"
    yield "resources"
    for key in ("image_pull_secret", "command", "args", "env", "secrets", "depends_on", "volumes", "sidecars"):
        if getattr(service, key):
            yield key
    if service.ports:
        yield "ports"
    if any(p.protocol == "http" for p in service.ports):
        yield "ports.http"
    if any(p.protocol == "udp" for p in service.ports):
        yield "ports.udp"
    if any(p.public for p in service.ports):
        yield "ports.public"
    if "replicas" in service.model_fields_set or service.replicas != 1:
        yield "replicas"
    if service.autoscale:
        yield "autoscale"
    if service.health:
        for kind in ("http", "tcp", "command"):
            if getattr(service.health, kind) is not None:
                yield f"health.{kind}"
        if service.health.start_period:
            yield "health.start_period"
    if service.security:
        sec = service.security
        for key in ("run_as_user", "run_as_group"):
            if getattr(sec, key) is not None:
                yield f"security.{key}"
        for key in ("read_only_root", "drop_capabilities"):
            if getattr(sec, key):
                yield f"security.{key}"


#: every key ``job_features`` can yield
JOB_FEATURE_KEYS = ("image", "command", "args", "env", "secrets", "resources", "volumes", "schedule", "timeout",
                    "retries")


def job_features(job) -> Iterator[str]:
    """The keys a job (:class:`cloudorch.spec.jobs.Job`) sets."""
    yield "image"
    yield "resources"
    for key in ("command", "args", "env", "secrets", "volumes", "schedule", "timeout"):
        if getattr(job, key):
            yield key
    if job.retries:
        yield "retries"


FitFunction = Callable[[str, Service, str], tuple[Fit, str]]
JobFitFunction = Callable[[str, object, str], tuple[Fit, str]]


def no_jobs(provider: str) -> JobFitFunction:
    """The job fit of a provider that runs no jobs: every field unsupported."""
    return lambda name, job, key: (Fit.UNSUPPORTED, f"{provider} does not run jobs; deploy the job "
                                                    "to a provider that does (`cloudorch providers`)")


def report(app: App, fit: FitFunction, job_fit: JobFitFunction | None = None) -> list[FieldReport]:
    """One FieldReport per feature per service (``services.<name>.<key>``), per job field
    (``jobs.<name>.<key>``, by ``job_fit``: unsupported without one), plus app labels."""
    lines: list[FieldReport] = []
    for name, service in app.services.items():
        for key in features(service):
            how, note = fit(name, service, key)
            lines.append(FieldReport(f"services.{name}.{key}", how, note))
    for name, job in app.jobs.items():
        for key in job_features(job):
            how, note = (job_fit or no_jobs("this provider"))(name, job, key)
            lines.append(FieldReport(f"jobs.{name}.{key}", how, note))
    if app.labels:
        first = next(iter(app.services))
        how, note = fit(first, app.services[first], "labels")
        lines.append(FieldReport("labels", how, note))
    return lines

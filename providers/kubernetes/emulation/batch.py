"""batch/v1 Jobs and CronJobs in the apiserver: defaulting and validation, as upstream does it
(pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation/validation.go).

Defaulting: a Job gets ``backoffLimit: 6``, ``completions`` / ``parallelism: 1``, ``completionMode:
NonIndexed``, ``suspend: false``, ``manualSelector`` unset, and the generated selector
``batch.kubernetes.io/controller-uid: <uid>`` with the labels ``batch.kubernetes.io/controller-uid``,
``batch.kubernetes.io/job-name``, ``controller-uid`` and ``job-name`` added to its pod template. A
CronJob gets ``concurrencyPolicy: Allow``, ``suspend: false``, ``successfulJobsHistoryLimit: 3`` and
``failedJobsHistoryLimit: 1``.

Validation (the refusals a real apiserver gives, https://kubernetes.io/docs/concepts/workloads/controllers/job/):
a Job's pod template must set ``restartPolicy`` Never or OnFailure; ``backoffLimit`` >= 0;
``activeDeadlineSeconds`` > 0; ``spec.template`` and ``spec.selector`` are immutable; a CronJob's
``schedule`` must parse as a cron expression, its ``concurrencyPolicy`` be Allow, Forbid or Replace,
its name at most 52 characters (the Job names it creates append 11).
"""

from __future__ import annotations

from typing import Any

from cloudorch_providers.kubernetes.emulation import resources as r

Cause = dict[str, Any]
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
MAX_CRONJOB_NAME = 52


def _pod_defaults(template: Any) -> None:
    from cloudorch_providers.kubernetes.emulation.objects import default_pod_spec

    if isinstance(template, dict):
        default_pod_spec(template.get("spec"))


def default_job(obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for key, value in (("backoffLimit", 6), ("completions", 1), ("parallelism", 1),
                       ("completionMode", "NonIndexed"), ("suspend", False),
                       ("podReplacementPolicy", "TerminatingOrFailed")):
        spec.setdefault(key, value)
    _pod_defaults(spec.get("template"))
    if old is not None:  # generated once, at creation
        for key in ("selector",):
            if key in (old.get("spec") or {}) and key not in spec:
                spec[key] = old["spec"][key]
        return
    meta, template = obj["metadata"], spec.get("template")
    if not spec.get("manualSelector") and isinstance(template, dict):
        uid, name = meta.get("uid", ""), meta.get("name", "")
        spec["selector"] = {"matchLabels": {UID_LABELS[0]: uid}}
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        for key in UID_LABELS:
            labels[key] = uid
        for key in JOB_NAME_LABELS:
            labels[key] = name


def default_cronjob(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for key, value in (("concurrencyPolicy", "Allow"), ("suspend", False), ("successfulJobsHistoryLimit", 3),
                       ("failedJobsHistoryLimit", 1)):
        spec.setdefault(key, value)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict) and isinstance(job_template.get("spec"), dict):
        job_spec = job_template["spec"]
        job_spec.setdefault("backoffLimit", 6)
        _pod_defaults(job_spec.get("template"))


def _invalid(field: str, value: Any, detail: str) -> Cause:
    from cloudorch_providers.kubernetes.emulation.objects import invalid_value

    return invalid_value(field, value, detail)


def _job_spec(spec: Any, prefix: str) -> list[Cause]:
    from cloudorch_providers.kubernetes.emulation.objects import _validate_containers, required

    if not isinstance(spec, dict):
        return [required(prefix)]
    causes: list[Cause] = []
    template = spec.get("template")
    if not isinstance(template, dict):
        return [required(f"{prefix}.template")]
    pod = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    causes += _validate_containers(pod.get("containers"), f"{prefix}.template.spec.containers")
    policy = pod.get("restartPolicy", "Always")
    if policy not in ("Never", "OnFailure"):
        causes.append({"reason": "FieldValueNotSupported", "field": f"{prefix}.template.spec.restartPolicy",
                       "message": f'Unsupported value: "{policy}": supported values: "OnFailure", "Never"'})
    for key, low in (("backoffLimit", 0), ("completions", 0), ("parallelism", 0)):
        value = spec.get(key)
        if isinstance(value, int) and value < low:
            causes.append(_invalid(f"{prefix}.{key}", value, "must be greater than or equal to 0"))
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not isinstance(deadline, int) or deadline <= 0):
        causes.append(_invalid(f"{prefix}.activeDeadlineSeconds", deadline, "must be greater than 0"))
    return causes


def validate_job(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    spec = obj.get("spec")
    causes = _job_spec(spec, "spec")
    if old is not None and isinstance(spec, dict):
        before = old.get("spec") or {}
        for key in ("template", "selector", "completionMode"):
            if key in before and spec.get(key) != before.get(key):
                causes.append(_invalid(f"spec.{key}", "{...}", "field is immutable"))
    return causes


def validate_cronjob(obj: dict[str, Any]) -> list[Cause]:
    from cloudorch_providers.kubernetes.emulation.objects import required

    name = obj["metadata"].get("name", "")
    causes: list[Cause] = []
    if len(name) > MAX_CRONJOB_NAME:
        causes.append(_invalid("metadata.name", name, f"must be no more than {MAX_CRONJOB_NAME} characters"))
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return causes + [required("spec")]
    schedule = spec.get("schedule")
    if not schedule:
        causes.append(required("spec.schedule"))
    else:
        problem = schedule_problem(str(schedule))
        if problem:
            causes.append(_invalid("spec.schedule", schedule, problem))
    policy = spec.get("concurrencyPolicy", "Allow")
    if policy not in ("Allow", "Forbid", "Replace"):
        causes.append({"reason": "FieldValueNotSupported", "field": "spec.concurrencyPolicy",
                       "message": f'Unsupported value: "{policy}": supported values: "Allow", "Forbid", "Replace"'})
    zone = spec.get("timeZone")
    if zone is not None and zone not in ("UTC", "Etc/UTC"):
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            causes.append(_invalid("spec.timeZone", zone, "unknown time zone " + zone))
    job_template = spec.get("jobTemplate")
    if not isinstance(job_template, dict):
        return causes + [required("spec.jobTemplate")]
    return causes + _job_spec(job_template.get("spec"), "spec.jobTemplate.spec")


def schedule_problem(schedule: str) -> str:
    """Why the cron parser refuses ``schedule`` ("" when it parses)."""
    import datetime as dt

    from cronsim import CronSim, CronSimError

    if schedule.startswith("@"):
        return "" if schedule in ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                                  "@hourly") else f"unrecognized descriptor: {schedule}"
    try:
        CronSim(schedule, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    except CronSimError as exc:
        return f"unparseable cron expression: {exc}"
    return ""


def served(rt: r.ResourceType) -> bool:
    return rt in (r.JOBS, r.CRONJOBS)

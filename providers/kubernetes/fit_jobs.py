"""How each job field maps onto Kubernetes (``validate -p kubernetes``, ``jobs.<name>.<key>``): a CronJob
per job, Jobs for its runs (:mod:`cloudorch_providers.kubernetes.convert_jobs`). Everything is exact,
except a ``timeout`` that is not whole seconds (rounded up)."""

from __future__ import annotations

import math

from cloudorch.provider import Fit
from cloudorch.spec.units import format_duration
from cloudorch_providers.kubernetes.convert_workload import cpu_quantity, memory_quantity

Verdict = tuple[Fit, str]


def job_fit(name: str, job, key: str) -> Verdict:
    if key == "image":
        return Fit.EXACT, (f"CronJob {name}'s job template runs {job.image}; `cloudorch run {name}` creates a Job "
                           "from it")
    if key in ("command", "args"):
        return Fit.EXACT, f"container {key} (replaces the image's {'ENTRYPOINT' if key == 'command' else 'CMD'})"
    if key == "env":
        return Fit.EXACT, "container env"
    if key == "secrets":
        return Fit.EXACT, "env[].valueFrom.secretKeyRef (the value is never written)"
    if key == "resources":
        r = job.resources
        return Fit.EXACT, f"requests = limits (cpu {cpu_quantity(r.cpu)}, memory {memory_quantity(r.memory)})"
    if key == "volumes":
        return Fit.EXACT, "emptyDir volumes for the run's pod"
    if key == "schedule":
        return Fit.EXACT, f"CronJob schedule {job.schedule!r} in timeZone Etc/UTC, concurrencyPolicy Forbid"
    if key == "timeout":
        whole = math.ceil(job.timeout)
        how = Fit.EXACT if whole == job.timeout else Fit.LOSSY
        return how, (f"activeDeadlineSeconds {whole} ({format_duration(job.timeout)}): the Job fails with "
                     "DeadlineExceeded and its pod is stopped, for scheduled and manual runs")
    if key == "retries":
        return Fit.EXACT, f"backoffLimit {job.retries}: each retry is a new pod"
    return Fit.UNSUPPORTED, f"this provider version does not know the job field {key!r}"

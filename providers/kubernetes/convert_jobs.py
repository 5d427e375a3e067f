"""Spec jobs as ``batch/v1`` CronJobs, and the Jobs that ``cloudorch run`` creates.

- Every job is a CronJob named after it: ``schedule`` (5-field cron) with ``timeZone: Etc/UTC``,
  ``concurrencyPolicy: Forbid`` (a run still going when the next time comes is not doubled), 3
  successful and 3 failed Jobs kept for ``status``. A job without a schedule is a *suspended*
  CronJob (``suspend: true``, annotated ``cloudorch.io/on-demand``): a template that never fires
  by itself and that ``cloudorch run`` instantiates, as ``kubectl create job --from=cronjob/NAME``
  does. Its ``schedule`` field (required by the API) is then ``0 0 1 1 *`` and never used.
- The job template: ``backoffLimit`` = ``retries``, ``activeDeadlineSeconds`` = ``timeout`` (whole
  seconds, rounded up: Kubernetes then fails the Job with ``DeadlineExceeded``, for scheduled runs
  too), the pod with ``restartPolicy: Never`` (each retry is a new pod, whose exit code stays
  readable), the container named after the job with the same mapping as a service's container
  (command, args, env, secrets as ``secretKeyRef``, resources, ``emptyDir`` volumes) and the same
  secure pod defaults.
- Labels: the app's markers plus ``cloudorch.io/job: {job}`` on the CronJob, its Jobs and their pods.
- A service's one-off command (``cloudorch run SERVICE -- CMD``) is a Job built from the live
  Deployment's pod template: same image, env, secrets, resources and volumes; the main container's
  command replaced; no probes or ports; ``restartPolicy: Never``, ``backoffLimit: 0``; labelled
  ``cloudorch.io/job: {service}-admin`` and *without* the service label, so the service's Service
  never sends it traffic. It is owned by the Deployment (deleted with it).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from cloudorch.spec.models import Job
from cloudorch_providers.kubernetes.convert_workload import container, literal
from cloudorch_providers.kubernetes.meta import DEFAULT_CONTAINER_KEY, SERVICE_KEY, Target

JOB_KEY = "cloudorch.io/job"
ON_DEMAND_KEY = "cloudorch.io/on-demand"
NEVER = "0 0 1 1 *"
HISTORY = 3


def job_labels(target: Target, name: str) -> dict[str, str]:
    labels = {k: v for k, v in target.labels(name).items() if k != SERVICE_KEY}
    labels[JOB_KEY] = name
    return labels


def job_pod_spec(target: Target, name: str, job: Job) -> dict[str, Any]:
    body = container(target, name, job)  # a Job is a Container: same mapping as a sidecar's
    body.pop("ports", None)
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [body],
    }
    if job.volumes:
        pod["volumes"] = [{"name": v.name, "emptyDir": {}} for v in job.volumes]
    return pod


def job_spec(target: Target, name: str, job: Job) -> dict[str, Any]:
    spec: dict[str, Any] = {"backoffLimit": job.retries}
    if job.timeout:
        spec["activeDeadlineSeconds"] = max(1, math.ceil(job.timeout))
    spec["template"] = {"metadata": {"labels": job_labels(target, name),
                                     "annotations": {DEFAULT_CONTAINER_KEY: name}},
                        "spec": job_pod_spec(target, name, job)}
    return spec


def cronjob(target: Target, name: str, job: Job, scheduled: bool = True) -> dict[str, Any]:
    """The CronJob of ``job``; ``scheduled=False``: suspended (no schedule, or the provider was told to
    deploy it on demand only)."""
    meta = target.metadata(name, name)
    meta["labels"] = job_labels(target, name)
    active = bool(job.schedule) and scheduled
    if not active:
        meta["annotations"] = {ON_DEMAND_KEY: "true"}
    spec = {"schedule": job.schedule if active else NEVER, "timeZone": "Etc/UTC", "concurrencyPolicy": "Forbid",
            "suspend": not active, "successfulJobsHistoryLimit": HISTORY, "failedJobsHistoryLimit": HISTORY,
            "jobTemplate": {"metadata": {"labels": job_labels(target, name)},
                            "spec": job_spec(target, name, job)}}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": spec}


def run_from_cronjob(cron: dict[str, Any], run_name: str, command: list[str] | None) -> dict[str, Any]:
    """A Job instantiated from a (live) CronJob's template, as ``kubectl create job --from=cronjob``."""
    template = copy.deepcopy(cron["spec"]["jobTemplate"])
    meta = cron["metadata"]
    labels = dict((template.get("metadata") or {}).get("labels") or meta.get("labels") or {})
    spec = template["spec"]
    if command:
        main = spec["template"]["spec"]["containers"][0]
        main["command"] = [literal(a) for a in command]
        main.pop("args", None)
    owner = {"apiVersion": "batch/v1", "kind": "CronJob", "name": meta["name"], "uid": meta["uid"],
             "controller": True, "blockOwnerDeletion": True}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": run_name, "labels": labels, "ownerReferences": [owner],
                         "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}},
            "spec": spec}


def run_from_deployment(target: Target, deployment: dict[str, Any], service: str, run_name: str,
                        command: list[str]) -> dict[str, Any]:
    """A one-off Job running ``command`` with the live Deployment's pod template."""
    pod = copy.deepcopy(deployment["spec"]["template"]["spec"])
    main = next(c for c in pod["containers"] if c["name"] == service)
    for key in ("livenessProbe", "readinessProbe", "startupProbe", "ports", "args"):
        main.pop(key, None)
    main["command"] = [literal(a) for a in command]
    pod["containers"] = [main]  # sidecars serve the service, not a one-off command
    pod["restartPolicy"] = "Never"
    name = f"{service}-admin"
    labels = job_labels(target, name)
    meta = deployment["metadata"]
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"], "uid": meta["uid"],
             "controller": False, "blockOwnerDeletion": False}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": run_name, "labels": labels, "ownerReferences": [owner]},
            "spec": {"backoffLimit": 0, "template": {
                "metadata": {"labels": labels, "annotations": {DEFAULT_CONTAINER_KEY: service}}, "spec": pod}}}


"""The Job and CronJob controllers of kube-controller-manager, one pass at a time
(https://kubernetes.io/docs/concepts/workloads/controllers/job/, .../cron-jobs/).

Job: one pod at a time (``parallelism`` / ``completions`` 1, what cloudorch renders) named
``{job}-{rand5}``; a failed pod is replaced after a back-off (``crash_period``) until ``failed`` exceeds
``backoffLimit``; the status counts ``active`` / ``ready`` / ``succeeded`` / ``failed``, sets
``startTime`` / ``completionTime``, and ends with the conditions ``SuccessCriteriaMet`` + ``Complete``, or
``FailureTarget`` + ``Failed`` (reason ``BackoffLimitExceeded``, or ``DeadlineExceeded`` once
``activeDeadlineSeconds`` have passed since ``startTime``: the active pods are deleted). A suspended Job
starts nothing.

CronJob: on each schedule time (5-field cron, in ``timeZone`` or UTC) after ``lastScheduleTime`` (or
the CronJob's creation) it creates the Job ``{cronjob}-{minutes since the epoch}`` from
``jobTemplate``, owned by the CronJob and annotated ``batch.kubernetes.io/cronjob-scheduled-timestamp``;
only the most recent missed time runs (as upstream when several were missed). ``concurrencyPolicy:
Forbid`` skips a time while a Job is active, ``Replace`` deletes the active one first; ``suspend``
stops it. ``status.active``, ``lastScheduleTime`` and ``lastSuccessfulTime`` follow, and finished
Jobs beyond ``successfulJobsHistoryLimit`` / ``failedJobsHistoryLimit`` are deleted, oldest first.

The schedule runs on the emulator's clock: real time plus ``clock_offset``, which the admin endpoint
``POST /_cloudorch/clock {"advance": SECONDS}`` moves forward so a test can reach a schedule time.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.errors import ApiError
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"
JOB_COMPONENT = "job-controller"
CRON_COMPONENT = "cronjob-controller"


def finished(job: dict[str, Any]) -> str | None:
    """"Complete" or "Failed" once the Job has ended, else None."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return condition["type"]
    return None


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class JobControllers:
    """Runs inside :class:`~.controller.Controller` (``ctl``), whose pod creation and events it uses."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.registry, self.store = ctl.registry, ctl.registry.store
        self.failed_at: dict[str, float] = {}  # job uid -> when its last pod failed (back-off)

    def tick(self, now: float) -> None:
        for cronjob in self.store.list(r.CRONJOBS):
            self.sync_cronjob(cronjob, now + self.ctl.clock_offset)
        for job in self.store.list(r.JOBS):
            self.sync_job(job, now)

    # -- Jobs ----------------------------------------------------------------------------------------
    def sync_job(self, job: dict[str, Any], now: float) -> None:
        meta, spec = job["metadata"], job.get("spec") or {}
        if finished(job) or spec.get("suspend"):
            return
        ns, uid = meta["namespace"], meta["uid"]
        pods = self.ctl._owned(r.PODS, ns, uid)
        phase = [(p.get("status") or {}).get("phase") for p in pods]
        active = [p for p, ph in zip(pods, phase, strict=True) if ph not in ("Succeeded", "Failed")]
        succeeded, failed = phase.count("Succeeded"), phase.count("Failed")
        status = copy.deepcopy(job.get("status") or {})
        status.setdefault("startTime", rfc3339(now))
        conditions = status.setdefault("conditions", [])
        deadline = spec.get("activeDeadlineSeconds")
        end: tuple[str, str, str] | None = None
        if succeeded >= spec.get("completions", 1):
            end = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        elif failed > spec.get("backoffLimit", 6):
            end = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif deadline is not None and now - _parse(status["startTime"]).timestamp() >= deadline:
            end = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        if end is not None:
            for pod in active:
                self.registry.delete(r.PODS, ns, pod["metadata"]["name"])
            active = []
            stamp = rfc3339(now)
            first = "SuccessCriteriaMet" if end[0] == "Complete" else "FailureTarget"
            for kind in (first, end[0]):
                conditions.append({"type": kind, "status": "True", "reason": end[1], "message": end[2],
                                   "lastProbeTime": stamp, "lastTransitionTime": stamp})
            if end[0] == "Complete":
                status["completionTime"] = stamp
            self.ctl.event(job, end[1] if end[0] == "Failed" else "Completed", end[2], JOB_COMPONENT,
                           warning=end[0] == "Failed")
        elif not active and now - self.failed_at.get(uid, 0.0) >= self.ctl.crash_period:
            if failed and uid not in self.failed_at:
                self.failed_at[uid] = now  # back off before the replacement, as the job controller does
            else:
                self.failed_at.pop(uid, None)
                active = [self.ctl._create_pod(job, JOB_COMPONENT)]
        for key, value in (("active", len(active)), ("succeeded", succeeded), ("failed", failed),
                           ("ready", sum(1 for p in active if _ready(p)))):
            if value or key == "ready":
                status[key] = value
            else:
                status.pop(key, None)
        status.setdefault("terminating", 0)
        status.setdefault("uncountedTerminatedPods", {})
        if not conditions:
            status.pop("conditions")
        if status != job.get("status"):
            self._write(r.JOBS, ns, meta["name"], status)

    def _write(self, rt: r.ResourceType, ns: str, name: str, status: dict[str, Any]) -> None:
        try:
            self.registry.mutate(rt, ns, name, lambda o, s=status: o.__setitem__("status", s),
                                 JOB_COMPONENT if rt is r.JOBS else CRON_COMPONENT, "status")
        except ApiError:
            pass  # deleted meanwhile

    # -- CronJobs ------------------------------------------------------------------------------------
    def sync_cronjob(self, cronjob: dict[str, Any], clock: float) -> None:
        from cronsim import CronSim, CronSimError

        meta, spec = cronjob["metadata"], cronjob.get("spec") or {}
        ns, uid = meta["namespace"], meta["uid"]
        jobs = self.ctl._owned(r.JOBS, ns, uid)
        running = [j for j in jobs if not finished(j)]
        status = copy.deepcopy(cronjob.get("status") or {})
        successes = [j for j in jobs if finished(j) == "Complete"]
        if successes:
            last = max((j.get("status") or {}).get("completionTime", "") for j in successes)
            if last and last > status.get("lastSuccessfulTime", ""):
                status["lastSuccessfulTime"] = last
        if not spec.get("suspend"):
            since = _parse(status.get("lastScheduleTime") or meta["creationTimestamp"])
            zone = spec.get("timeZone") or "UTC"
            try:
                import zoneinfo

                times = CronSim(spec.get("schedule", ""), since.astimezone(zoneinfo.ZoneInfo(zone)))
            except (CronSimError, ValueError):
                times = iter(())
            due = None
            for _, when in zip(range(100), times, strict=False):
                if when.timestamp() > clock:
                    break
                due = when
            if due is not None:
                policy = spec.get("concurrencyPolicy", "Allow")
                if running and policy == "Forbid":
                    self.ctl.event(cronjob, "JobAlreadyActive", "Not starting job because prior execution is "
                                   "running and concurrency policy is Forbid", CRON_COMPONENT,
                                   once=(uid, "forbid", str(due.timestamp())))
                else:
                    if policy == "Replace":
                        for job in running:
                            self.registry.delete(r.JOBS, ns, job["metadata"]["name"])
                        running = []
                    job = self._create_job(cronjob, due)
                    if job is not None:
                        running.append(job)
                    status["lastScheduleTime"] = rfc3339(due.timestamp())
        refs = [{"apiVersion": "batch/v1", "kind": "Job", "name": j["metadata"]["name"], "namespace": ns,
                 "uid": j["metadata"]["uid"], "resourceVersion": j["metadata"].get("resourceVersion", "")}
                for j in running]
        if refs:
            status["active"] = refs
        else:
            status.pop("active", None)
        self._trim(spec, jobs)
        if status != (cronjob.get("status") or {}):
            self._write(r.CRONJOBS, ns, meta["name"], status)

    def _create_job(self, cronjob: dict[str, Any], due: dt.datetime) -> dict[str, Any] | None:
        from cloudorch_providers.kubernetes.emulation.controller import owner_reference

        meta, template = cronjob["metadata"], copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
        name = f"{meta['name']}-{int(due.timestamp() // 60)}"
        job_meta = template.get("metadata") or {}
        body = {"metadata": {"name": name, "labels": job_meta.get("labels") or {},
                             "annotations": {**(job_meta.get("annotations") or {}),
                                             SCHEDULED_AT: rfc3339(due.timestamp())},
                             "ownerReferences": [owner_reference(cronjob)]},
                "spec": template.get("spec") or {}}
        try:
            job = self.registry.create(r.JOBS, meta["namespace"], body, CRON_COMPONENT)
        except ApiError as exc:
            self.ctl.event(cronjob, "FailedCreate", f"Error creating job: {exc}", CRON_COMPONENT, warning=True,
                           once=(meta["uid"], "failedcreate", name))
            return None
        self.ctl.event(cronjob, "SuccessfulCreate", f"Created job {name}", CRON_COMPONENT)
        return job

    def _trim(self, spec: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
        for outcome, key, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                      ("Failed", "failedJobsHistoryLimit", 1)):
            done = sorted((j for j in jobs if finished(j) == outcome),
                          key=lambda j: j["metadata"]["creationTimestamp"])
            for job in done[:max(len(done) - spec.get(key, default), 0)]:
                self.registry.delete(r.JOBS, job["metadata"]["namespace"], job["metadata"]["name"])


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])

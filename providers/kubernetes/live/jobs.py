"""Job runs on Kubernetes, mixed into the provider as :class:`KubernetesJobOperations`.

- ``start_run``: a Job from the job's CronJob template (``{job}-run-{rand5}``), or, for a service's
  one-off command, from its Deployment's pod template (``{service}-admin-{rand5}``); see
  :mod:`cloudorch_providers.kubernetes.convert_jobs`. The run id is the Job's name.
- ``run_state``: the Job's ``Complete`` / ``Failed`` condition, and the exit code of its newest pod's
  main container (``state.terminated.exitCode``); ``DeadlineExceeded`` has no exit code (the pod was
  stopped), an image that cannot be pulled is reported as the reason while the Job waits.
- ``stop_run``: sets the Job's ``activeDeadlineSeconds`` to 1, so the Job controller stops its pods
  and fails it with ``DeadlineExceeded``; the Job stays as the record of the run.
- ``job_statuses``: each job's CronJob, and its newest Job (scheduled or manual) as the last run.
"""

from __future__ import annotations

import datetime as dt
import secrets as random
import string
from collections.abc import Sequence
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import JobRun, JobStatus, LogLine, RunState

SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
_ALPHABET = string.ascii_lowercase + string.digits


def _time(stamp: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _condition(job: dict[str, Any], *kinds: str) -> dict[str, Any] | None:
    return next((c for c in (job.get("status") or {}).get("conditions") or []
                 if c.get("type") in kinds and c.get("status") == "True"), None)


def run_of(job: dict[str, Any], pods: list[dict[str, Any]]) -> JobRun:
    """A JobRun from a Job and its pods (as the API returns them)."""
    from cloudorch_providers.kubernetes.convert_jobs import JOB_KEY

    meta, status = job["metadata"], job.get("status") or {}
    newest = sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp", ""))[-1:] if pods else []
    main = ((newest[0].get("status") or {}).get("containerStatuses") or [{}])[0] if newest else {}
    state = main.get("state") or {}
    code = (state.get("terminated") or {}).get("exitCode")
    waiting = (state.get("waiting") or {}).get("reason", "")
    run = JobRun(meta["name"], (meta.get("labels") or {}).get(JOB_KEY, meta["name"]), RunState.PENDING,
                 started=_time(status.get("startTime")),
                 trigger="scheduled" if SCHEDULED_AT in (meta.get("annotations") or {}) else "manual")
    done = _condition(job, "Complete", "Failed")
    if done is not None and done["type"] == "Complete":
        run.state, run.exit_code = RunState.SUCCEEDED, 0
        run.finished = _time(status.get("completionTime") or done.get("lastTransitionTime"))
    elif done is not None:
        run.state, run.finished = RunState.FAILED, _time(done.get("lastTransitionTime"))
        if done.get("reason") == "DeadlineExceeded":
            run.reason = "stopped: ran longer than its timeout (activeDeadlineSeconds)"
        else:
            run.exit_code = code
            run.reason = f"{done.get('reason', 'Failed')}: {done.get('message', '')}".rstrip(": ")
    elif status.get("active"):
        run.state = RunState.RUNNING if state.get("running") else RunState.PENDING
        if waiting in ("ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"):
            run.reason = f"{waiting}: {(state.get('waiting') or {}).get('message', '')}".rstrip(": ")
    return run


class KubernetesJobOperations:
    """Needs what :class:`~cloudorch_providers.kubernetes.live.operations.KubernetesLiveOperations` has."""

    def _job_pods(self, kube, run_id: str) -> list[dict[str, Any]]:
        return kube.call(f"listing the pods of Job {run_id} in namespace {self.namespace}", "core",
                         "list_namespaced_pod", self.namespace,
                         label_selector=f"{JOB_NAME_LABEL}={run_id}").get("items") or []

    def _owned_run(self, kube, run_id: str) -> dict[str, Any]:
        from cloudorch_providers.kubernetes import meta
        from cloudorch_providers.kubernetes.live.state import JOB, labels_of, read_object

        job = read_object(kube, JOB, self.namespace, run_id)
        if job is None:
            raise ProviderError(f"no run {run_id} (Job) in namespace {self.namespace}; finished runs beyond the "
                                "kept history are deleted")
        meta.MARKERS.ensure("Job", run_id, labels_of(job), self.app.name, where=f"in namespace {self.namespace}",
                            fix="pick a run of this app (`cloudorch status` lists the last ones)")
        return job

    def start_run(self, name: str, command: Sequence[str] | None = None, *, deadline: Deadline) -> str:
        from cloudorch_providers.kubernetes import meta
        from cloudorch_providers.kubernetes.convert_jobs import run_from_cronjob, run_from_deployment
        from cloudorch_providers.kubernetes.live.plan import FIX
        from cloudorch_providers.kubernetes.live.state import CRONJOB, labels_of, read_object

        kube = self._kube(deadline)
        suffix = "".join(random.choice(_ALPHABET) for _ in range(5))
        if name in self.app.jobs:
            cron = read_object(kube, CRONJOB, self.namespace, name)
            if cron is None:
                raise ProviderError(f"CronJob {name} does not exist in namespace {self.namespace}: run "
                                    f"`cloudorch deploy {self.spec.file_options} -p {self.name}` first")
            meta.MARKERS.ensure("CronJob", name, labels_of(cron), self.app.name,
                                where=f"in namespace {self.namespace}", fix=FIX)
            run_id = f"{name}-run-{suffix}"
            body = run_from_cronjob(cron, run_id, list(command) if command else None)
        else:
            deployment = self._owned_deployment(kube, name)
            run_id = f"{name}-admin-{suffix}"
            body = run_from_deployment(self.target(), deployment, name, run_id, list(command or []))
        kube.call(f"creating Job {run_id} in namespace {self.namespace}", "batch", "create_namespaced_job",
                  self.namespace, body)
        return run_id

    def run_state(self, run_id: str, *, deadline: Deadline) -> JobRun:
        kube = self._kube(deadline)
        return run_of(self._owned_run(kube, run_id), self._job_pods(kube, run_id))

    def run_logs(self, run_id: str, since: dt.datetime | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.kubernetes.live.logs import parse_lines

        kube = self._kube(deadline)
        lines: list[LogLine] = []
        for pod in self._job_pods(kube, run_id):
            name = pod["metadata"]["name"]
            container = (pod.get("spec") or {}).get("containers", [{}])[0].get("name", "")
            phase_ok = any((c.get("state") or {}).get("running") or (c.get("state") or {}).get("terminated")
                           for c in (pod.get("status") or {}).get("containerStatuses") or [])
            if not phase_ok:
                continue
            text = kube.call(f"reading the logs of pod {name} in namespace {self.namespace}", "core",
                             "read_namespaced_pod_log", name, self.namespace, container=container, text=True,
                             timestamps=True, missing_ok=True)
            lines += parse_lines(text or "", run_id, name[len(run_id) + 1:] or name, container)
        return sorted(line for line in lines if since is None or line.time > since)

    def stop_run(self, run_id: str, reason: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.kubernetes.live.clients import FIELD_MANAGER, MERGE_PATCH

        kube = self._kube(deadline)
        self._owned_run(kube, run_id)
        kube.call(f"stopping Job {run_id} in namespace {self.namespace} ({reason})", "batch",
                  "patch_namespaced_job", run_id, self.namespace, {"spec": {"activeDeadlineSeconds": 1}},
                  field_manager=FIELD_MANAGER, _content_type=MERGE_PATCH)

    def job_statuses(self, *, deadline: Deadline) -> list[JobStatus]:
        from cloudorch_providers.kubernetes.convert_jobs import JOB_KEY, ON_DEMAND_KEY
        from cloudorch_providers.kubernetes.live.state import CRONJOB, JOB, list_owned, read_namespace

        kube = self._kube(deadline)
        if read_namespace(kube, self.namespace) is None:
            return [JobStatus(n, j.schedule, message="not deployed") for n, j in self.app.jobs.items()]
        crons = list_owned(kube, CRONJOB, self.namespace, self.app.name)
        runs = list_owned(kube, JOB, self.namespace, self.app.name)
        pods = kube.call(f"listing the job pods of app {self.app.name}", "core", "list_namespaced_pod",
                         self.namespace, label_selector=JOB_KEY).get("items") or []
        found = []
        for name, job in self.app.jobs.items():
            cron = crons.get(name)
            mine = sorted((j for j in runs.values() if (j["metadata"].get("labels") or {}).get(JOB_KEY) == name),
                          key=lambda j: j["metadata"].get("creationTimestamp", ""))
            last = None
            if mine:
                newest = mine[-1]
                last = run_of(newest, [p for p in pods if (p["metadata"].get("labels") or {}).get(
                    JOB_NAME_LABEL) == newest["metadata"]["name"]])
            message = "not deployed" if cron is None else (
                "on demand only (`cloudorch run`)" if (cron["metadata"].get("annotations") or {}).get(ON_DEMAND_KEY)
                else "")
            found.append(JobStatus(name, job.schedule, cron is not None, last, message))
        return found

"""Job runs on Docker Swarm, mixed into the provider as :class:`SwarmJobOperations`.

Swarm has no scheduler for jobs and no stored job definition: a job is deployed as nothing, and each
run is a *replicated-job* service (``Mode: {ReplicatedJob: {MaxConcurrent: 1, TotalCompletions: 1}}``,
Engine API 1.41) named ``{app}_{job}-run-{rand5}``, built from the job the way a service's container is
(:func:`cloudorch_providers.swarm.convert.container_spec`: command, args, env, secrets by reference,
resources as limits, scratch volumes), on the app's network, with ``RestartPolicy: {Condition: none}``
(one attempt; ``run --wait`` starts a failed run again up to ``retries`` times), labelled with the
ownership markers and ``cloudorch.job``. A service's one-off command is such a run made from the
service's own ServiceSpec with the command replaced (no ports, no health check, no sidecars).

The run's task ends ``complete`` (exit 0) or ``failed`` with ``Status.ContainerStatus.ExitCode``;
``stop_run`` kills the run's container and removes its service (Swarm cannot stop a job task and keep
it). Run services stay
as the record of the last runs (``status``) until the next run of the same job removes the older ones
beyond :data:`KEEP`, or destroy removes them all; deploy's plan leaves them alone.
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

JOB_LABEL = "cloudorch.job"
KEEP = 3
_ALPHABET = string.ascii_lowercase + string.digits


def is_run(service: dict[str, Any]) -> bool:
    return JOB_LABEL in ((service.get("Spec") or {}).get("Labels") or {})


def _time(stamp: str | None) -> dt.datetime | None:
    if not stamp or stamp.startswith("0001"):
        return None
    from cloudorch_providers.swarm.live.status import _time as parse

    return parse(stamp)


def run_of(service: dict[str, Any], tasks: list[dict[str, Any]]) -> JobRun:
    labels = (service.get("Spec") or {}).get("Labels") or {}
    run = JobRun(service["Spec"]["Name"], labels.get(JOB_LABEL, ""), RunState.PENDING,
                 started=_time(service.get("CreatedAt")))
    if not tasks:
        return run
    task = max(tasks, key=lambda t: t.get("CreatedAt", ""))
    status = task.get("Status") or {}
    state = status.get("State", "")
    code = (status.get("ContainerStatus") or {}).get("ExitCode")
    if state == "complete":
        run.state, run.exit_code = RunState.SUCCEEDED, 0
        run.finished = _time(status.get("Timestamp"))
    elif state in ("failed", "rejected", "shutdown", "orphaned", "remove"):
        run.state, run.finished = RunState.FAILED, _time(status.get("Timestamp"))
        run.exit_code = code if state == "failed" else None
        run.reason = status.get("Err") or status.get("Message") or state
    elif state == "running":
        run.state = RunState.RUNNING
    return run


def remove_run(engine, service_id: str, name: str) -> None:
    """Kill the run's running containers this engine holds, then remove the run's service."""
    import docker.errors

    from cloudorch_providers.swarm.live.apply import delete_service
    from cloudorch_providers.swarm.live.state import read_tasks

    for task in read_tasks(engine, [service_id]):
        container = ((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID")
        if container and (task.get("Status") or {}).get("State") == "running":
            try:
                engine.api.kill(container)
            except docker.errors.APIError:
                pass  # on another node, or already gone
    delete_service(engine, service_id, name)


class SwarmJobOperations:
    """Needs what :class:`~cloudorch_providers.swarm.live.operations.SwarmLiveOperations` has."""

    def _run_body(self, name: str, command: Sequence[str] | None, live) -> dict[str, Any]:
        from cloudorch_providers.swarm.convert import (
            NS,
            container_spec,
            labels,
            service_body,
            service_name,
        )
        from cloudorch_providers.swarm.live.plan import resolve

        suffix = "".join(random.choice(_ALPHABET) for _ in range(5))
        if name in self.app.jobs:
            job = self.app.jobs[name]
            spec = container_spec(self.app, self.settings, self.markers(), job, job.volumes, None)
            resources = {"NanoCPUs": int(round(job.resources.cpu * NS)),
                         "MemoryBytes": job.resources.memory * 1024 * 1024}
            template = {"ContainerSpec": spec, "Resources": {"Limits": resources},
                        "Networks": [{"Target": self.settings.network_for(self.app.name), "Aliases": [name]}]}
            kind = "run"
        else:
            template = service_body(self.app, name, self.settings, self.markers())["TaskTemplate"]
            template["ContainerSpec"].pop("Healthcheck", None)
            template["ContainerSpec"]["Command"] = list(command or [])
            template["ContainerSpec"].pop("Args", None)
            kind = "admin"
        if command and name in self.app.jobs:
            template["ContainerSpec"]["Command"] = list(command)
            template["ContainerSpec"].pop("Args", None)
        template["RestartPolicy"] = {"Condition": "none"}
        body = {"Name": f"{service_name(self.app.name, name)}-{kind}-{suffix}",
                "Labels": labels(self.app, self.markers(), **{JOB_LABEL: name}),
                "TaskTemplate": template,
                "Mode": {"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}},
                "UpdateConfig": {}, "RollbackConfig": {}, "EndpointSpec": {}}
        return resolve(body, live, live.network["Id"] if live.network else None)

    def _runs(self, live, job: str | None = None) -> list[dict[str, Any]]:
        from cloudorch_providers.swarm.live.state import owned

        return sorted((s for s in live.services.values() if is_run(s) and owned(s["Spec"].get("Labels"), self.app.name)
                       and (job is None or s["Spec"]["Labels"][JOB_LABEL] == job)),
                      key=lambda s: s.get("CreatedAt", ""))

    def start_run(self, name: str, command: Sequence[str] | None = None, *, deadline: Deadline) -> str:
        from cloudorch_providers.swarm.live.apply import delete_service
        from cloudorch_providers.swarm.live.clients import docker_errors

        engine = self._engine(deadline)
        live = self._read(engine)
        if live.network is None:
            raise ProviderError(f"network {self.settings.network_for(self.app.name)} does not exist: run "
                                f"`cloudorch deploy {self.spec.file_options} -p swarm` first")
        if name in self.app.services:
            self._owned(live, self._swarm_names(name)[0])
        for old in self._runs(live, name)[:-(KEEP - 1) or None]:
            delete_service(engine, old["ID"], old["Spec"]["Name"])
        body = self._run_body(name, command, live)
        with docker_errors(f"creating job service {body['Name']}", engine):
            engine.api.create_service(body["TaskTemplate"], name=body["Name"], labels=body["Labels"],
                                      mode=body["Mode"])
        return body["Name"]

    def _run_service(self, engine, run_id: str) -> dict[str, Any]:
        import docker.errors

        from cloudorch_providers.swarm.live.clients import docker_errors
        from cloudorch_providers.swarm.live.plan import FIX, MARKERS

        with docker_errors(f"reading job service {run_id}", engine):
            try:
                service = engine.api.inspect_service(run_id)
            except docker.errors.NotFound:
                raise ProviderError(f"no run {run_id}: its service was removed (destroy, a newer run, or a stop)") \
                    from None
        MARKERS.ensure("service", run_id, service["Spec"].get("Labels"), self.app.name, fix=FIX)
        return service

    def run_state(self, run_id: str, *, deadline: Deadline) -> JobRun:
        from cloudorch_providers.swarm.live.state import read_tasks

        engine = self._engine(deadline)
        service = self._run_service(engine, run_id)
        return run_of(service, read_tasks(engine, [service["ID"]]))

    def run_logs(self, run_id: str, since: dt.datetime | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.swarm.live.clients import docker_errors
        from cloudorch_providers.swarm.live.logs import parse

        engine = self._engine(deadline)
        service = self._run_service(engine, run_id)
        job = service["Spec"]["Labels"][JOB_LABEL]
        lines = []
        with docker_errors(f"reading the logs of service {run_id}", engine):
            for frame in engine.api.service_logs(service["ID"], details=True, stdout=True, stderr=True,
                                                 timestamps=True, follow=False):
                for when, replica, message in parse(frame, {}):
                    if since is None or when > since:
                        lines.append(LogLine(when, job, replica[:8], job, message))
        return sorted(lines)

    def stop_run(self, run_id: str, reason: str, *, deadline: Deadline) -> None:
        """Kill the run's running container where this engine holds it, then remove the run's service.
        (Removing a replicated-job service alone leaves a running task's container running: the
        engine marks job tasks ``complete``, not ``shutdown``. A container on another node of a
        multi-node swarm is not reachable from here and runs to its end.)"""
        engine = self._engine(deadline)
        service = self._run_service(engine, run_id)
        remove_run(engine, service["ID"], run_id)

    def job_statuses(self, *, deadline: Deadline) -> list[JobStatus]:
        from cloudorch_providers.swarm.live.state import read_tasks

        engine = self._engine(deadline)
        live = self._read(engine, secrets=False)
        found = []
        for name, job in self.app.jobs.items():
            runs = self._runs(live, name)
            last = run_of(runs[-1], read_tasks(engine, [runs[-1]["ID"]])) if runs else None
            found.append(JobStatus(name, job.schedule, live.network is not None, last,
                                   "on demand only: Swarm has no job scheduler" if job.schedule else ""))
        return found

"""Job runs on Azure Container Instances, mixed into the provider as :class:`AzureJobOperations`.

ACI has no job resource and no scheduler: a job is deployed as nothing, and each run is a container
group with ``restartPolicy: Never`` named ``{app}-{job}-{rand5}`` (at most 63 characters), holding one
container mapped like a service's (:func:`cloudorch_providers.azure.convert.container`: command + args,
env, secrets as secure values read at run time, resources, scratch volumes), in the app's subnet when
the app has its private network (so it reaches the services by name), else without an IP address. It
is tagged with the ownership markers and ``cloudorch-job`` (never ``cloudorch-service``: deploy's plan
and status leave runs alone; destroy deletes them). A service's one-off command is a group made from
the service's own group body (replica 0) with the main container's command replaced, no probes, no
ports, no public address.

The group's ``instanceView.state`` ends ``Succeeded`` or ``Failed``; the main container's
``currentState.exitCode`` is the run's exit code. ``stop_run`` stops the group (ACI's stop: the
container is killed, the group kept as the run's record, with no exit code). Finished runs are kept:
each new run of a job deletes that job's runs beyond the newest :data:`KEEP`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets as random
import string
from collections.abc import Sequence
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import JobRun, JobStatus, LogLine, RunState

JOB_TAG = "cloudorch-job"
KEEP = 3
MAX_NAME = 63
_ALPHABET = string.ascii_lowercase + string.digits


def run_name(app: str, name: str) -> str:
    suffix = "".join(random.choice(_ALPHABET) for _ in range(5))
    base = f"{app}-{name}"
    if len(base) + 6 > MAX_NAME:
        base = base[:MAX_NAME - 13].rstrip("-") + "-" + hashlib.sha256(base.encode()).hexdigest()[:6]
    return f"{base}-{suffix}"


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def run_of(group: dict[str, Any]) -> JobRun:
    props = group.get("properties") or {}
    tags = group.get("tags") or {}
    main = (props.get("containers") or [{}])[0]
    state = ((main.get("properties") or {}).get("instanceView") or {}).get("currentState") or {}
    view = props.get("instanceView") or {}
    run = JobRun(group["name"], tags.get(JOB_TAG, ""), RunState.PENDING, started=_time(state.get("startTime")))
    group_state = view.get("state")
    if props.get("provisioningState") == "Failed":
        events = view.get("events") or []
        run.state, run.reason = RunState.FAILED, (events[-1].get("message") if events else "provisioning failed")
    elif group_state == "Succeeded":
        run.state, run.exit_code, run.finished = RunState.SUCCEEDED, 0, _time(state.get("finishTime"))
    elif group_state == "Failed":
        run.state, run.finished = RunState.FAILED, _time(state.get("finishTime"))
        run.exit_code = state.get("exitCode")
        run.reason = state.get("detailStatus") or ""
    elif group_state == "Stopped":
        run.state, run.finished = RunState.FAILED, _time(state.get("finishTime"))
        run.reason = "stopped before it ended (its group was stopped)"
    elif state.get("state") == "Running":
        run.state = RunState.RUNNING
    return run


class AzureJobOperations:
    """Needs what :class:`~cloudorch_providers.azure.live.operations.AzureLiveOperations` has."""

    def _run_body(self, name: str, command: Sequence[str] | None) -> dict[str, Any]:
        from cloudorch_providers.azure.convert import REPLICA_TAG, SERVICE_TAG, container, group_body, tags
        from cloudorch_providers.azure.network import group_network, is_private

        if name in self.app.jobs:
            job = self.app.jobs[name]
            main = container(name, job, [], job.volumes, None, self.settings)
            props: dict[str, Any] = {"containers": [main], "osType": self.settings.os_type, "sku": "Standard"}
            if job.volumes:
                props["volumes"] = [{"name": v.name, "emptyDir": {}} for v in job.volumes]
            if is_private(self.app, self.settings):
                props.update(group_network(self._names, []))
            body = {"location": self.settings.location, "properties": props}
        else:
            body = copy.deepcopy(group_body(self.app, name, 0, self.settings, self.markers(),
                                            self._session.subscription, overrides=False))
            props = body["properties"]
            props["containers"] = props["containers"][:1]
            main = props["containers"][0]["properties"]
            for key in ("livenessProbe", "readinessProbe", "ports"):
                main.pop(key, None)
            if (props.get("ipAddress") or {}).get("type") == "Public":
                del props["ipAddress"]
            elif props.get("ipAddress"):
                props["ipAddress"].pop("ports", None)
        if command:
            body["properties"]["containers"][0]["properties"]["command"] = list(command)
        body["properties"]["restartPolicy"] = "Never"
        found = {k: v for k, v in tags(self.app, name, 0, self.markers()).items()
                 if k not in (SERVICE_TAG, REPLICA_TAG)}
        body["tags"] = {**found, JOB_TAG: name}
        return body

    def _runs(self, az, job: str | None = None) -> list[dict[str, Any]]:
        from cloudorch_providers.azure.live.state import list_groups, owned, tags_of

        groups = [g for g in list_groups(az, self.resource_group)
                  if owned(tags_of(g), self.app.name) and JOB_TAG in tags_of(g)
                  and (job is None or tags_of(g)[JOB_TAG] == job)]
        return sorted(groups, key=lambda g: g["name"])

    def _context(self, az, deadline: Deadline):
        from cloudorch_providers.azure.live.apply import Context

        return Context(az, self.resource_group, self.app.name, self._secrets, deadline)

    def start_run(self, name: str, command: Sequence[str] | None = None, *, deadline: Deadline) -> str:
        from cloudorch_providers.azure.live.apply import delete_group, put_group
        from cloudorch_providers.azure.live.secret_values import placeholders
        from cloudorch_providers.azure.live.state import read_resource_group

        az = self._az(deadline)
        if read_resource_group(az, self.resource_group) is None:
            raise ProviderError(f"resource group {self.resource_group} does not exist: run "
                                f"`cloudorch deploy {self.spec.file_options} -p azure` first")
        ctx = self._context(az, deadline)
        old = self._runs(az, name)
        for group in old[:max(len(old) - (KEEP - 1), 0)]:
            delete_group(ctx, group["name"])
        body = self._run_body(name, command)
        self._secrets.resolve(placeholders(body))
        group = run_name(self.app.name, name)
        put_group(ctx, group, body)
        return group

    def run_state(self, run_id: str, *, deadline: Deadline) -> JobRun:
        return run_of(self._owned_run(self._az(deadline), run_id))

    def _owned_run(self, az, run_id: str) -> dict[str, Any]:
        from cloudorch.live.ownership import Markers
        from cloudorch_providers.azure.live.state import get_group, tags_of

        group = get_group(az, self.resource_group, run_id)
        if group is None:
            raise ProviderError(f"no run {run_id} (container group) in resource group {self.resource_group}")
        Markers().ensure("container group", run_id, tags_of(group), self.app.name,
                         where=f"in resource group {self.resource_group}")
        return group

    def run_logs(self, run_id: str, since: dt.datetime | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.azure.live.logs import container_lines

        az = self._az(deadline)
        group = self._owned_run(az, run_id)
        job = (group.get("tags") or {}).get(JOB_TAG, run_id)
        main = ((group.get("properties") or {}).get("containers") or [{}])[0].get("name", job)
        lines = [LogLine(line.time, job, run_id[-5:], main, line.message)
                 for line in container_lines(az, self.resource_group, group, main, None)]
        return [line for line in lines if since is None or line.time > since]

    def stop_run(self, run_id: str, reason: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.azure.live.apply import stop_group

        az = self._az(deadline)
        self._owned_run(az, run_id)
        stop_group(self._context(az, deadline), run_id)

    def job_statuses(self, *, deadline: Deadline) -> list[JobStatus]:
        from cloudorch_providers.azure.live.state import get_group, read_resource_group

        az = self._az(deadline)
        deployed = read_resource_group(az, self.resource_group) is not None
        runs = self._runs(az) if deployed else []
        found = []
        for name, job in self.app.jobs.items():
            mine = [g for g in runs if (g.get("tags") or {}).get(JOB_TAG) == name]
            details = [d for d in (get_group(az, self.resource_group, g["name"]) for g in mine) if d is not None]
            newest = max(details, key=lambda g: str(run_of(g).started or ""), default=None)
            message = "on demand only: ACI has no job scheduler" if job.schedule else ""
            found.append(JobStatus(name, job.schedule, deployed, run_of(newest) if newest else None, message))
        return found

"""Containers of a group with ``restartPolicy: Never`` (or ``OnFailure``) that run to completion: how ACI
reports them, by the stand-ins of :mod:`cloudorch.sandbox.standins` (``exit N``, ``sleep N`` and
``echo TEXT`` in the container's ``command``; ``crashloop`` images exit 1).

The container waits (``ContainerCreating``) until the run is ready, runs as long as its command says
(``delay`` without a ``sleep``), then is ``Terminated`` with ``detailStatus`` ``Completed`` or ``Error``
and its ``exitCode``; the group's ``instanceView.state`` becomes ``Succeeded`` when every container
exited 0, else ``Failed`` (https://learn.microsoft.com/azure/container-instances/container-instances-restart-policy).
Images that cannot be pulled, and stopped groups, are reported as for any group (:mod:`.lifecycle`).
``OnFailure`` is treated like ``Never``: a failed container is not restarted in place.
"""

from __future__ import annotations

from cloudorch.sandbox.standins import behaviour
from cloudorch_providers.azure.emulation.lifecycle import (
    ContainerStatus,
    Run,
    Timing,
    _event,
    _state,
    container_status,
    image_behaviour,
)
from cloudorch_providers.azure.emulation.lifecycle import log_lines as service_log_lines

COMPLETING = ("Never", "OnFailure")


def completes(policy: str, image: str) -> bool:
    return policy in COMPLETING and image_behaviour(image) != "pull-failure"


def status_for(container: dict, policy: str, run: Run, timing: Timing, now: float) -> ContainerStatus:
    props = container["properties"]
    image = props["image"]
    if not completes(policy, image) or run.is_stopped(now):
        return container_status(image, policy, run, timing, now)
    how = behaviour(image, props.get("command") or [], timing.delay)
    events = [_event("Pulling", f'pulling image "{image}"', "Normal", run.started)]
    view: dict = {"restartCount": 0, "events": events}
    if now < run.ready:
        view["currentState"] = _state("Waiting", "ContainerCreating")
        return ContainerStatus(view, "pending")
    events.append(_event("Started", "Started container", "Normal", run.ready))
    ends = run.ready + how.seconds
    if now < ends:
        view["currentState"] = _state("Running", "", run.ready)
        return ContainerStatus(view, "running")
    view["currentState"] = _state("Terminated", "Completed" if how.exit_code == 0 else "Error", run.ready, ends,
                                  exit_code=how.exit_code)
    return ContainerStatus(view, "succeeded" if how.exit_code == 0 else "failed")


def group_state(phases: list[str], stopped: bool, fallback: str) -> str:
    if not stopped and phases and all(p in ("succeeded", "failed") for p in phases) and "succeeded" in phases:
        return "Succeeded" if all(p == "succeeded" for p in phases) else "Failed"
    return fallback


def log_lines(name: str, container: dict, policy: str, run: Run, timing: Timing, now: float
              ) -> list[tuple[float, str]]:
    props = container["properties"]
    image = props["image"]
    if not completes(policy, image):
        return service_log_lines(name, image, policy, run, timing, now)
    end = run.end(now)
    if end < run.ready:
        return []
    how = behaviour(image, props.get("command") or [], timing.delay)
    lines = [(run.ready, f"{name}: starting {image}")]
    lines += [(run.ready + 0.001 * (i + 1), text) for i, text in enumerate(how.echoes)]
    if end >= run.ready + how.seconds and not run.is_stopped(now):
        lines.append((run.ready + how.seconds, f"{name}: exiting with status {how.exit_code}"))
    return lines

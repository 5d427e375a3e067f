"""The simulated life of a container group, computed from timestamps when it is read.

Every PUT, start and restart begins a :class:`Run`. Until ``run.ready`` (start + delay) the group is
being provisioned and its containers wait for their images; afterwards what happens depends on the
image name:

- an ordinary image runs and writes a log line every ``log_interval`` seconds;
- an image whose name contains ``crashloop`` exits with code 1 every ``crash_interval`` seconds and is
  restarted (restartCount grows, state Terminated/Waiting "CrashLoopBackOff", never Running), or stays
  Terminated when the restart policy is Never;
- an image whose name contains ``notfound``, ``doesnotexist`` or ``inaccessible`` cannot be pulled:
  provisioning fails with an ``InaccessibleImage`` error.

``stop`` ends the run (containers Terminated, group Stopped). Nothing runs in the background, so what a
reader sees depends only on the clock: deterministic under an injected clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cloudorch_providers.azure.emulation.arm import iso

CRASH_MARKERS = ("crashloop",)
PULL_FAILURE_MARKERS = ("notfound", "doesnotexist", "inaccessible")
MAX_LOG_LINES = 5000
_EXIT_AFTER = 0.01  # seconds a crashing container lives before it exits


@dataclass(frozen=True)
class Timing:
    delay: float
    log_interval: float
    crash_interval: float


@dataclass
class Run:
    """One start of a group's containers: by ``create``, ``update`` (PUT), ``start`` or ``restart``."""

    kind: str
    started: float
    ready: float
    stopped: float | None = None

    def end(self, now: float) -> float:
        return now if self.stopped is None else min(now, self.stopped)

    def is_stopped(self, now: float) -> bool:
        return self.stopped is not None and now >= self.stopped


def image_behaviour(image: str) -> str:
    """``pull-failure``, ``crash`` or ``ok`` for an image reference."""
    lowered = image.lower()
    if any(marker in lowered for marker in PULL_FAILURE_MARKERS):
        return "pull-failure"
    if any(marker in lowered for marker in CRASH_MARKERS):
        return "crash"
    return "ok"


def _event(name: str, message: str, kind: str, first: float, last: float | None = None, count: int = 1) -> dict:
    return {
        "count": count,
        "firstTimestamp": iso(first),
        "lastTimestamp": iso(first if last is None else last),
        "name": name,
        "message": message,
        "type": kind,
    }


def _state(
    state: str,
    detail: str,
    start: float | None = None,
    finish: float | None = None,
    exit_code: int | None = None,
) -> dict:
    out: dict = {"state": state, "detailStatus": detail}
    if start is not None:
        out["startTime"] = iso(start)
    if finish is not None:
        out["finishTime"] = iso(finish)
    if exit_code is not None:
        out["exitCode"] = exit_code
    return out


def _crash_attempts(run: Run, timing: Timing, now: float) -> int:
    """How many times a crashing container has been started by ``now`` (>= 1 once ready)."""
    end = run.end(now)
    if end < run.ready:
        return 0
    return int(math.floor((end - run.ready) / timing.crash_interval)) + 1


@dataclass
class ContainerStatus:
    instance_view: dict
    phase: str  # pending | running | crashing | failed | stopped


def container_status(image: str, restart_policy: str, run: Run, timing: Timing, now: float) -> ContainerStatus:
    behaviour = image_behaviour(image)
    events = [_event("Pulling", f'pulling image "{image}"', "Normal", run.started)]
    pulled_at = run.started + (run.ready - run.started) / 2
    stopped = run.is_stopped(now)
    end = run.end(now)
    view: dict = {"restartCount": 0, "events": events}

    if end < run.ready:
        view["currentState"] = _state("Waiting", "ContainerCreating")
        phase = "pending"
    elif behaviour == "pull-failure":
        events.append(
            _event(
                "Failed",
                f'Failed to pull image "{image}": manifest unknown (InaccessibleImage)',
                "Warning",
                run.ready,
            )
        )
        view["currentState"] = _state("Waiting", "ErrImagePull")
        phase = "failed"
    elif behaviour == "crash":
        attempts = 1 if restart_policy == "Never" else _crash_attempts(run, timing, now)
        last_start = run.ready + (attempts - 1) * timing.crash_interval
        events.append(_event("Pulled", f'Successfully pulled image "{image}"', "Normal", pulled_at))
        events.append(_event("Started", "Started container", "Normal", run.ready, last_start, attempts))
        exited = _state("Terminated", "Error", last_start, last_start + _EXIT_AFTER, exit_code=1)
        view["restartCount"] = attempts - 1
        if restart_policy == "Never":
            view["currentState"] = exited
            phase = "failed"
        else:
            events.append(
                _event(
                    "BackOff",
                    "Back-off restarting failed container",
                    "Warning",
                    run.ready + _EXIT_AFTER,
                    last_start + _EXIT_AFTER,
                    attempts,
                )
            )
            view["previousState"] = exited
            in_backoff = end - last_start >= timing.crash_interval / 2
            view["currentState"] = (
                _state("Waiting", "CrashLoopBackOff: Back-off restarting failed container") if in_backoff else exited
            )
            phase = "crashing"
    else:
        events.append(_event("Pulled", f'Successfully pulled image "{image}"', "Normal", pulled_at))
        events.append(_event("Started", "Started container", "Normal", run.ready))
        view["currentState"] = _state("Running", "", run.ready)
        phase = "running"

    if stopped:
        started = view["currentState"].get("startTime")
        events.append(_event("Killing", "Killing container", "Normal", run.stopped))
        view["currentState"] = {
            "state": "Terminated",
            "detailStatus": "Stopped",
            "exitCode": 0,
            "finishTime": iso(run.stopped),
        }
        if started:
            view["currentState"]["startTime"] = started
        phase = "stopped"
    return ContainerStatus(view, phase)


def group_state(phases: list[str], stopped: bool) -> str:
    """The group's ``instanceView.state``."""
    if stopped:
        return "Stopped"
    if "pending" in phases:
        return "Pending"
    if "failed" in phases:
        return "Failed"
    if "crashing" in phases:
        return "Pending"  # restarting, never Running
    return "Running"


def provisioning_state(run: Run, images: list[str], now: float) -> str:
    if run.end(now) < run.ready and not run.is_stopped(now):
        return {"create": "Creating", "update": "Updating", "start": "Pending"}.get(run.kind, "Succeeded")
    if run.end(now) >= run.ready and any(image_behaviour(i) == "pull-failure" for i in images):
        return "Failed"
    return "Succeeded"


def pull_failure(images: list[str]) -> str | None:
    """The first image that cannot be pulled, if any."""
    return next((i for i in images if image_behaviour(i) == "pull-failure"), None)


def log_lines(
    name: str, image: str, restart_policy: str, run: Run, timing: Timing, now: float
) -> list[tuple[float, str]]:
    """``(timestamp, line)`` of what a container of the current run has written by ``now``."""
    behaviour = image_behaviour(image)
    end = run.end(now)
    if end < run.ready or behaviour == "pull-failure":
        return []
    if behaviour == "crash":
        attempts = 1 if restart_policy == "Never" else _crash_attempts(run, timing, now)
        start = run.ready + (attempts - 1) * timing.crash_interval
        return [
            (start, f"{name}: starting {image}"),
            (start + _EXIT_AFTER / 2, f"{name}: fatal: {image} cannot start, exiting with code 1"),
        ][: 1 if end < start + _EXIT_AFTER / 2 else 2]
    count = int(math.floor((end - run.ready) / timing.log_interval)) + 1
    first = max(0, count - MAX_LOG_LINES)
    lines = []
    for index in range(first, count):
        at = run.ready + index * timing.log_interval
        text = f"{name}: starting {image}" if index == 0 else f"{name}: {image} is running, log line {index}"
        lines.append((at, text))
    return lines


def render_logs(lines: list[tuple[float, str]], tail: int | None, timestamps: bool) -> str:
    if tail is not None:
        lines = lines[-tail:] if tail > 0 else []
    if timestamps:
        return "".join(f"{iso(at)} {text}\n" for at, text in lines)
    return "".join(f"{text}\n" for _, text in lines)

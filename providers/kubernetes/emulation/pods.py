"""What the kubelet would report: pod status as a function of the image and the time since the pod was
created, and the log lines its containers write.

- An image containing ``notfound`` never pulls: Pending, ``ErrImagePull`` then ``ImagePullBackOff``.
- An image containing ``crashloop`` starts, exits with status 1 every ``crash_period`` seconds and sits
  in ``CrashLoopBackOff`` with a growing restartCount; it is never ready.
- A container whose Secret or ConfigMap reference cannot be resolved waits in ``CreateContainerConfigError``;
  a pod whose secret or configMap volume cannot be mounted stays ``ContainerCreating`` (:mod:`.podconfig`).
- Any other image is Pending (``ContainerCreating``) for ``ready_delay`` seconds, then Running and Ready,
  and writes a log line every ``LOG_INTERVAL`` seconds naming its pod and container.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cloudorch_providers.kubernetes.emulation.errors import bad_request
from cloudorch_providers.kubernetes.emulation.podconfig import PodConfig
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

LOG_INTERVAL = 0.5
NODE_NAME = "sandbox-node"
NODE_IP = "10.0.0.10"


@dataclass(frozen=True)
class ContainerPhase:
    state: str  # "creating", "pullfail", "running", "crashing", "configerror"
    since: float  # when the current state (or, crashing: the current attempt) began
    restarts: int = 0


def container_phase(image: str, born: float, now: float, ready_delay: float, crash_period: float) -> ContainerPhase:
    started = born + ready_delay
    if now < started:
        return ContainerPhase("pullfail" if "notfound" in image and now >= born + ready_delay / 2 else "creating",
                              born)
    if "notfound" in image:
        return ContainerPhase("pullfail", born + ready_delay / 2)
    if "crashloop" in image:
        attempts = int((now - started) / crash_period)
        return ContainerPhase("crashing", started + attempts * crash_period, attempts + 1)
    return ContainerPhase("running", started)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _container_status(pod_name: str, uid: str, container: dict[str, Any], phase: ContainerPhase,
                      crash_period: float, config_error: str = "") -> dict[str, Any]:
    name, image = container.get("name", ""), container.get("image", "")
    status: dict[str, Any] = {"name": name, "image": image, "imageID": "", "ready": False,
                              "restartCount": phase.restarts, "started": False, "lastState": {}}
    if phase.state == "creating":
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif phase.state == "configerror":
        status["state"] = {"waiting": {"reason": "CreateContainerConfigError", "message": config_error}}
    elif phase.state == "pullfail":
        status["state"] = {"waiting": {"reason": "ImagePullBackOff",
                                       "message": f'Back-off pulling image "{image}"'}}
    else:
        status["imageID"] = f"{image.split(':')[0]}@sha256:{_digest(image)}"
        status["containerID"] = f"containerd://{_digest(f'{uid}/{name}/{phase.restarts}')}"
        if phase.state == "running":
            status.update(ready=True, started=True, state={"running": {"startedAt": rfc3339(phase.since)}})
        else:
            backoff = min(10 * 2 ** (phase.restarts - 1), 300)
            status["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": (
                f"back-off {backoff}s restarting failed container={name} pod={pod_name}_{uid}")}}
            status["lastState"] = {"terminated": {
                "exitCode": 1, "reason": "Error", "startedAt": rfc3339(phase.since - crash_period / 2),
                "finishedAt": rfc3339(phase.since),
                "containerID": f"containerd://{_digest(f'{uid}/{name}/{phase.restarts - 1}')}"}}
    return status


def _condition(kind: str, ok: bool, at: float, reason: str | None = None, message: str | None = None
               ) -> dict[str, Any]:
    condition: dict[str, Any] = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                                 "lastTransitionTime": rfc3339(at)}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def qos_class(spec: dict[str, Any]) -> str:
    resources = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all((r.get("limits") or {}).get(k) and (r.get("requests") or r.get("limits") or {}).get(k)
                     == (r.get("limits") or {}).get(k) for r in resources for k in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"


def _phase_with_config(container: dict[str, Any], config: PodConfig, born: float, now: float,
                       ready_delay: float, crash_period: float) -> ContainerPhase:
    phase = container_phase(container.get("image", ""), born, now, ready_delay, crash_period)
    if config.mount_error:  # nothing starts before the volumes are set up
        return ContainerPhase("creating", born)
    if container.get("name", "") in config.containers and phase.state != "pullfail":
        return ContainerPhase("configerror", born)  # the image is pulled, the container cannot be created
    return phase


def pod_status(pod: dict[str, Any], born: float, now: float, ready_delay: float, crash_period: float,
               pod_ip: str, config: PodConfig | None = None) -> dict[str, Any]:
    """The status a kubelet would report for ``pod`` at ``now``; ``born`` is when its containers could
    start being created (later than its creation when a Secret it needed appeared later)."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    containers = spec.get("containers") or []
    config = config or PodConfig()
    phases = [_phase_with_config(c, config, born, now, ready_delay, crash_period) for c in containers]
    statuses = [_container_status(meta["name"], meta.get("uid", ""), c, p, crash_period,
                                  config.containers.get(c.get("name", ""), ""))
                for c, p in zip(containers, phases, strict=True)]
    started = any(p.state in ("running", "crashing") for p in phases)
    ready = bool(phases) and all(p.state == "running" for p in phases)
    unready = [s["name"] for s in statuses if not s["ready"]]
    reason, message = (None, None) if ready else (
        "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
    changed_at = max(p.since for p in phases) if ready else born
    status: dict[str, Any] = {
        "phase": "Running" if started else "Pending",
        "conditions": [
            _condition("PodReadyToStartContainers", now >= born + ready_delay / 2, born + ready_delay / 2
                       if now >= born + ready_delay / 2 else born),
            _condition("Initialized", True, born),
            _condition("Ready", ready, changed_at, reason, message),
            _condition("ContainersReady", ready, changed_at, reason, message),
            _condition("PodScheduled", True, born),
        ],
        "hostIP": NODE_IP, "hostIPs": [{"ip": NODE_IP}], "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(born), "containerStatuses": statuses, "qosClass": qos_class(spec),
    }
    return status


# -- logs ----------------------------------------------------------------------------------------------
def log_lines(pod: dict[str, Any], container: dict[str, Any], born: float, now: float, ready_delay: float,
              crash_period: float, previous: bool = False, config: PodConfig | None = None
              ) -> list[tuple[float, str]]:
    """(time, text) of every line the container wrote by ``now``; a 400 as upstream when it has no logs."""
    pod_name, name, image = pod["metadata"]["name"], container.get("name", ""), container.get("image", "")
    phase = _phase_with_config(container, config or PodConfig(), born, now, ready_delay, crash_period)
    if phase.state == "configerror":
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: '
                          "CreateContainerConfigError")
    if previous:
        if phase.state != "crashing" or phase.restarts < 2:
            raise bad_request(f'previous terminated container "{name}" in pod "{pod_name}" not found')
        start = phase.since - crash_period * 1.5
        return _crash_lines(pod_name, name, image, start, phase.restarts - 1)
    if phase.state == "creating":
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: ContainerCreating')
    if phase.state == "pullfail":
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: trying and failing '
                          "to pull image")
    if phase.state == "crashing":
        return _crash_lines(pod_name, name, image, phase.since - crash_period / 2, phase.restarts)
    lines = [(phase.since, f"pod {pod_name} container {name}: started (image {image})")]
    count = int((now - phase.since) / LOG_INTERVAL)
    for n in range(1, count + 1):
        lines.append((phase.since + n * LOG_INTERVAL,
                      f"pod {pod_name} container {name}: heartbeat {n}, serving requests"))
    return lines


def _crash_lines(pod: str, name: str, image: str, start: float, attempt: int) -> list[tuple[float, str]]:
    return [(start, f"pod {pod} container {name}: starting (image {image}, attempt {attempt})"),
            (start + 0.001, f"pod {pod} container {name}: fatal: configuration error, exiting with status 1")]

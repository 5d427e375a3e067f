"""What the kubelet reports for pods that run to completion (``restartPolicy: Never`` or ``OnFailure``,
the pods of Jobs), and what their containers write.

The emulator runs no process, so the container's behaviour is read from its image and command, the
same stand-ins for every provider's emulator:

- an image containing ``notfound`` never pulls (Pending, ``ImagePullBackOff``) until something stops it;
- an image containing ``crashloop`` exits with status 1;
- otherwise the last ``exit N`` in the command (``sh -c "...; exit 3"``) is the exit status (0 without);
- ``sleep N`` in the command makes the container run N seconds (else ``ready_delay``);
- each ``echo TEXT`` in the command is a log line, after a first line naming the pod and container.

The container is created for ``ready_delay`` seconds (Pending, ``ContainerCreating``), runs, then ends:
the pod's phase becomes ``Succeeded`` or ``Failed`` and the container's state ``terminated`` with its
``exitCode`` and reason ``Completed`` or ``Error``. ``OnFailure`` is treated like ``Never`` (a failed
container is not restarted in place; the Job controller starts a new pod).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cloudorch.sandbox.standins import Behaviour
from cloudorch.sandbox.standins import behaviour as standin
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339


def runs_to_completion(pod: dict[str, Any]) -> bool:
    return (pod.get("spec") or {}).get("restartPolicy") in ("Never", "OnFailure")


def behaviour(container: dict[str, Any], ready_delay: float) -> Behaviour:
    """The stand-in behaviour of a container (:mod:`cloudorch.sandbox.standins`)."""
    argv = (container.get("command") or []) + (container.get("args") or [])
    return standin(str(container.get("image", "")), argv, ready_delay)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def container_status(pod: dict[str, Any], container: dict[str, Any], born: float, now: float,
                     ready_delay: float) -> tuple[dict[str, Any], str]:
    """(containerStatus, "waiting" | "running" | "succeeded" | "failed")."""
    name, image = container.get("name", ""), container.get("image", "")
    how = behaviour(container, ready_delay)
    status: dict[str, Any] = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                              "started": False, "lastState": {}}
    started = born + ready_delay
    if now < started or not how.pulls:
        reason = "ImagePullBackOff" if not how.pulls and now >= born + ready_delay / 2 else "ContainerCreating"
        status["state"] = {"waiting": {"reason": reason}}
        return status, "waiting"
    uid = pod["metadata"].get("uid", "")
    status["imageID"] = f"{image.split(':')[0]}@sha256:{_digest(image)}"
    status["containerID"] = f"containerd://{_digest(f'{uid}/{name}/0')}"
    ends = started + how.seconds
    if now < ends:
        status.update(ready=True, started=True, state={"running": {"startedAt": rfc3339(started)}})
        return status, "running"
    status["state"] = {"terminated": {
        "exitCode": how.exit_code, "reason": "Completed" if how.exit_code == 0 else "Error",
        "startedAt": rfc3339(started), "finishedAt": rfc3339(ends), "containerID": status["containerID"]}}
    return status, "succeeded" if how.exit_code == 0 else "failed"


def pod_status(pod: dict[str, Any], born: float, now: float, ready_delay: float, pod_ip: str,
               qos: str) -> dict[str, Any]:
    containers = (pod.get("spec") or {}).get("containers") or []
    results = [container_status(pod, c, born, now, ready_delay) for c in containers]
    states = [state for _, state in results]
    if states and all(s in ("succeeded", "failed") for s in states):
        phase = "Succeeded" if all(s == "succeeded" for s in states) else "Failed"
    elif any(s in ("running", "succeeded", "failed") for s in states):
        phase = "Running"
    else:
        phase = "Pending"
    ready = phase == "Running" and all(s == "running" for s in states)
    done = phase in ("Succeeded", "Failed")

    def condition(kind: str, ok: bool, reason: str | None = None) -> dict[str, Any]:
        found = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                 "lastTransitionTime": rfc3339(born)}
        if reason:
            found["reason"] = reason
        return found

    unready = "PodCompleted" if done else None if ready else "ContainersNotReady"
    return {"phase": phase,
            "conditions": [condition("PodReadyToStartContainers", now >= born + ready_delay / 2 and not done),
                           condition("Initialized", True, "PodCompleted" if done else None),
                           condition("Ready", ready, unready), condition("ContainersReady", ready, unready),
                           condition("PodScheduled", True)],
            "hostIP": "10.0.0.10", "hostIPs": [{"ip": "10.0.0.10"}], "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "startTime": rfc3339(born), "containerStatuses": [s for s, _ in results], "qosClass": qos}


def log_lines(pod: dict[str, Any], container: dict[str, Any], born: float, now: float,
              ready_delay: float) -> list[tuple[float, str]]:
    """(time, text) of what the container wrote by ``now``; a 400 as upstream before it started."""
    from cloudorch_providers.kubernetes.emulation.errors import bad_request

    pod_name, name = pod["metadata"]["name"], container.get("name", "")
    how = behaviour(container, ready_delay)
    started = born + ready_delay
    if now < started or not how.pulls:
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: ContainerCreating')
    lines = [(started, f"pod {pod_name} container {name}: started (image {container.get('image', '')})")]
    lines += [(started + 0.001 * (i + 1), text) for i, text in enumerate(how.echoes)]
    ends = started + how.seconds
    if now >= ends:
        lines.append((ends, f"pod {pod_name} container {name}: exiting with status {how.exit_code}"))
    return lines

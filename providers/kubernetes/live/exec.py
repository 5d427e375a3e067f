"""Kubernetes exec and events.

exec: the ``pods/{name}/exec`` subresource over WebSocket, through the official client's
``kubernetes.stream`` (``v5.channel.k8s.io``, falling back to ``v4.channel.k8s.io``: channels 0 stdin,
1 stdout, 2 stderr, 3 the final Status carrying the exit code, 4 resize; v5 can end stdin, v4 cannot, so
with a v4-only apiserver a command reading stdin to its end waits until the connection closes).

events: the namespace's Events whose object is one of the app's (Deployments, ReplicaSets, Pods,
Services, HorizontalPodAutoscalers), by name, each placed under its spec service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from cloudorch.errors import ProviderError, UsageError
from cloudorch.remote import STDERR, STDOUT, Event, ExecChannel, ExecRequest
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.clients import Kube
from cloudorch_providers.kubernetes.live.logs import parse_time
from cloudorch_providers.kubernetes.live.state import owner_selector


def _running(pod: dict[str, Any], container: str) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return (pod.get("status") or {}).get("phase") == "Running" and any(
        s.get("name") == container and "running" in (s.get("state") or {}) for s in statuses)


def _main_container(pod: dict[str, Any]) -> str:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    containers = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    return annotations.get(meta.DEFAULT_CONTAINER_KEY) or (containers[0] if containers else "")


def pick_pod(kube: Kube, app: str, namespace: str, request: ExecRequest) -> tuple[dict[str, Any], str]:
    """The pod (named by ``--replica``: the pod's name, or its name without the ``{service}-`` prefix; else
    the first running one by name) and container the command runs in."""
    pods = kube.call(f"listing the pods of service {request.service} in namespace {namespace}", "core",
                     "list_namespaced_pod", namespace,
                     label_selector=f"{owner_selector(app)},{meta.SERVICE_KEY}={request.service}").get("items") or []
    pods = sorted((p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["name"])
    names = [p["metadata"]["name"] for p in pods]
    if request.replica:
        pods = [p for p in pods if request.replica in (p["metadata"]["name"],
                                                         p["metadata"]["name"].removeprefix(f"{request.service}-"))]
        if not pods:
            raise UsageError(f"service {request.service} has no replica {request.replica!r} in namespace "
                             f"{namespace} (pods: {', '.join(names) or 'none'})")
    for pod in pods:
        containers = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
        container = request.container or _main_container(pod)
        if container not in containers:
            raise UsageError(f"pod {pod['metadata']['name']} has no container {container!r} "
                             f"(containers: {', '.join(containers)})")
        if _running(pod, container):
            return pod, container
    if request.replica:
        raise ProviderError(f"pod {names and pods[0]['metadata']['name']} of service {request.service} is not "
                            "running; see `cloudorch status` and `cloudorch events`")
    raise ProviderError(f"service {request.service} has no running replica in namespace {namespace} "
                        f"({len(names)} pods); see `cloudorch status` and `cloudorch events`")


class KubeExecChannel(ExecChannel):
    """The client's WSClient, read channel by channel."""

    def __init__(self, client: Any, where: str):
        self.client, self.where = client, where
        self._code: int | None = None

    def output(self) -> Iterator[tuple[int, bytes]]:
        while True:
            open_ = self.client.is_open()
            if open_:
                self.client.update(timeout=0.5)
            for channel, stream in ((1, STDOUT), (2, STDERR)):
                if channel in self.client._channels:  # read without waiting (read_channel would poll again)
                    data = self.client._channels.pop(channel)
                    yield stream, data.encode() if isinstance(data, str) else data
            if not open_:
                break
        self._code = self._status()

    def _status(self) -> int:
        raw = self.client._channels.pop(3, b"")
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            raise ProviderError(f"the connection to {self.where} closed before the command reported how it ended")
        status = json.loads(text)
        if status.get("status") == "Success":
            return 0
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                return int(cause.get("message", "1"))
        raise ProviderError(f"{self.where}: {status.get('message') or status.get('reason') or 'exec failed'}")

    def send_stdin(self, data: bytes) -> None:
        self.client.write_channel(0, data)

    def close_stdin(self) -> None:
        self.client.close_channel(0)  # v5.channel.k8s.io only (a v4 apiserver cannot be told)

    def resize(self, width: int, height: int) -> None:
        self.client.write_channel(4, json.dumps({"Width": width, "Height": height}).encode())

    @property
    def exit_code(self) -> int | None:
        return self._code

    def close(self) -> None:
        self.client.close()


def open_exec(kube: Kube, app: str, namespace: str, request: ExecRequest) -> KubeExecChannel:
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    pod, container = pick_pod(kube, app, namespace, request)
    name = pod["metadata"]["name"]
    where = f"pod {name}, container {container}"
    try:
        client = stream(kube.api("core").connect_get_namespaced_pod_exec, name, namespace,
                        command=list(request.command),
                        container=container, stdin=request.stdin, stdout=True, stderr=not request.tty,
                        tty=request.tty, _preload_content=False, binary=True,
                        _request_timeout=kube.deadline.remaining(30.0))
    except ApiException as exc:
        raise ProviderError(f"cannot exec in {where}: {_handshake_message(str(exc.reason))}") from None
    channel = KubeExecChannel(client, where)
    if request.tty:
        channel.resize(request.width, request.height)
    return channel


def _handshake_message(reason: str) -> str:
    """The apiserver's Status message out of websocket-client's ``Handshake status ...`` text."""
    found = re.search(r"b'(\{.*\})'", reason, re.S)
    if found:
        try:
            return json.loads(found.group(1).encode().decode("unicode_escape")).get("message") or reason
        except ValueError:
            pass
    first = reason.split(" -+-+- ")[0]
    found = re.search(r"-\+-\+- b'(.*)'$", reason, re.S)
    return f"{first}: {found.group(1)}" if found else first


def read_events(kube: Kube, app: str, namespace: str, services: list[str]) -> list[Event]:
    """The app's objects' Events; an object named ``{service}`` or ``{service}-...`` belongs to that service."""
    events = kube.call(f"listing the events in namespace {namespace}", "core", "list_namespaced_event",
                       namespace).get("items") or []
    found = []
    by_length = sorted(services, key=len, reverse=True)
    for event in events:
        involved = event.get("involvedObject") or {}
        name = involved.get("name", "")
        if involved.get("kind") not in ("Deployment", "ReplicaSet", "Pod", "Service", "HorizontalPodAutoscaler"):
            continue
        service = next((s for s in by_length if name == s or name.startswith(f"{s}-")), None)
        if service is None:
            continue
        stamp = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp") \
            or (event.get("metadata") or {}).get("creationTimestamp")
        when = parse_time(stamp) if stamp else None
        if when is None:
            continue
        message = event.get("message", "")
        if (event.get("count") or 1) > 1:
            message += f" (x{event['count']})"
        found.append(Event(when, service, f"{involved.get('kind')}/{name}", event.get("reason", ""), message,
                           event.get("type") or "Normal"))
    return found

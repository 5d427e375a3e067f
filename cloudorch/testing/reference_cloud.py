"""The reference cloud: a small in-memory container cloud that the reference provider drives.

It behaves like the clouds cloudorch targets, with a clock instead of machines:

- a service holds a body (image, env, secret references, ports, health, volumes, sidecars), a desired
  replica count, an optional autoscaler, tags, and numbered revisions (a changed body is a new one);
- a replica is ``pending`` for ``start_delay`` seconds, then ``running``, or ``failed`` when its image
  name contains ``crashloop`` (it crash-loops) or a secret it reads does not exist in the store;
- an update is rolling: the old revision's replicas keep serving until every replica of the new one
  runs; when the new revision's replicas are still failing ``rollback_after`` seconds later, the
  service rolls back to the revision before and remembers why (like ECS's circuit breaker);
- a restart rolls the replicas like an update (a new revision with the same body);
- every running container writes a log line every ``log_interval`` seconds.

It is served over HTTP by :mod:`cloudorch.testing.reference_emulator` (the sandbox), and can be
used directly in-process (unit tests): both offer the same methods.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any


class CloudError(Exception):
    """A refused request: ``status`` is the HTTP status the emulator answers with."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Replica:
    id: str
    revision: int
    created: float


@dataclass
class Service:
    app: str
    name: str
    tags: dict[str, str]
    revisions: list[dict[str, Any]]  # bodies, revision N is revisions[N - 1]
    serving: int  # the revision the service runs (or rolls out)
    desired: int
    autoscaler: dict[str, int] | None = None
    replicas: list[Replica] = field(default_factory=list)
    rollout_started: float = 0.0
    rolled_back: str = ""  # why the last update was rolled back ("" when it was not)
    counter: int = 0
    times: list[float] = field(default_factory=list)  # when each revision was made (Unix time)


class ReferenceCloud:
    """Thread-safe in-memory state; every method takes and returns plain JSON-able data."""

    def __init__(self, start_delay: float = 0.3, rollback_after: float = 1.0, log_interval: float = 0.5,
                 clock=time.monotonic, wall=time.time):
        self.start_delay, self.rollback_after, self.log_interval = start_delay, rollback_after, log_interval
        self.clock, self.wall = clock, wall
        self.epoch = wall() - clock()
        self.lock = threading.Lock()
        self.services: dict[tuple[str, str], Service] = {}
        self.secrets: dict[str, str] = {}

    def reset(self) -> None:
        with self.lock:
            self.services.clear()
            self.secrets.clear()

    # -- secrets -------------------------------------------------------------------------------
    def put_secret(self, name: str, value: str) -> dict[str, Any]:
        with self.lock:
            self.secrets[name] = value
        return {"name": name}

    def list_secrets(self) -> list[str]:
        with self.lock:
            return sorted(self.secrets)

    # -- services ------------------------------------------------------------------------------
    def put_service(self, app: str, name: str, body: dict[str, Any], tags: dict[str, str],
                    replicas: int) -> dict[str, Any]:
        """Create the service, or roll out ``body`` as a new revision when it differs."""
        if not body.get("image"):
            raise CloudError(400, "InvalidParameter", f"service {app}/{name}: image is required")
        if replicas < 0:
            raise CloudError(400, "InvalidParameter", f"service {app}/{name}: replicas cannot be negative")
        with self.lock:
            now = self.clock()
            svc = self.services.get((app, name))
            if svc is None:
                svc = Service(app, name, dict(tags), [copy.deepcopy(body)], 1, replicas, rollout_started=now,
                              times=[self.wall()])
                self.services[(app, name)] = svc
            else:
                if svc.tags != tags:
                    svc.tags = dict(tags)
                if body != svc.revisions[svc.serving - 1]:
                    self._new_revision(svc, body, now)
                if svc.autoscaler is None:
                    svc.desired = replicas
            self._tick(svc, now)
            return self._view(svc, now)

    def set_replicas(self, app: str, name: str, replicas: int) -> dict[str, Any]:
        with self.lock:
            svc = self._get(app, name)
            if svc.autoscaler and not svc.autoscaler["min"] <= replicas <= svc.autoscaler["max"]:
                raise CloudError(400, "InvalidParameter",
                                 f"service {app}/{name}: {replicas} replicas is outside its autoscaler's "
                                 f"bounds {svc.autoscaler['min']}..{svc.autoscaler['max']}")
            svc.desired = replicas
            now = self.clock()
            self._tick(svc, now)
            return self._view(svc, now)

    def set_autoscaler(self, app: str, name: str, policy: dict[str, int] | None) -> dict[str, Any]:
        with self.lock:
            svc = self._get(app, name)
            svc.autoscaler = dict(policy) if policy else None
            if policy:  # the autoscaler owns the count from now on; without load it sits at its minimum
                svc.desired = min(max(svc.desired, policy["min"]), policy["max"])
            now = self.clock()
            self._tick(svc, now)
            return self._view(svc, now)

    def restart_service(self, app: str, name: str) -> dict[str, Any]:
        """Roll the service's replicas: a new revision with the same body (replicas re-read secrets)."""
        with self.lock:
            svc = self._get(app, name)
            now = self.clock()
            self._new_revision(svc, svc.revisions[svc.serving - 1], now)
            self._tick(svc, now)
            return self._view(svc, now)

    def revisions(self, app: str, name: str) -> list[dict[str, Any]]:
        """Every revision of the service, oldest first: number, body, time, and whether it serves."""
        with self.lock:
            svc = self._get(app, name)
            return [{"revision": i, "body": copy.deepcopy(body), "time": svc.times[i - 1], "serving": i == svc.serving}
                    for i, body in enumerate(svc.revisions, 1)]

    def rollback(self, app: str, name: str, revision: int) -> dict[str, Any]:
        """Roll out revision ``revision``'s body again, as a new revision (as Kubernetes does)."""
        with self.lock:
            svc = self._get(app, name)
            if not 1 <= revision <= len(svc.revisions):
                raise CloudError(404, "NotFound", f"service {app}/{name} has no revision {revision}")
            now = self.clock()
            self._new_revision(svc, svc.revisions[revision - 1], now)
            self._tick(svc, now)
            return self._view(svc, now)

    def _new_revision(self, svc: Service, body: dict[str, Any], now: float) -> None:
        svc.revisions.append(copy.deepcopy(body))
        svc.times.append(self.wall())
        svc.serving, svc.rollout_started, svc.rolled_back = len(svc.revisions), now, ""

    def delete_service(self, app: str, name: str) -> dict[str, Any]:
        with self.lock:
            self._get(app, name)
            del self.services[(app, name)]
            return {"deleted": f"{app}/{name}"}

    def list_services(self, app: str) -> list[dict[str, Any]]:
        with self.lock:
            now = self.clock()
            found = [svc for (a, _), svc in sorted(self.services.items()) if a == app]
            for svc in found:
                self._tick(svc, now)
            return [self._view(svc, now) for svc in found]

    def logs(self, app: str, services: list[str], since: float | None = None) -> list[dict[str, Any]]:
        """Lines of the running replicas' containers, oldest first; ``since`` is a Unix time."""
        with self.lock:
            now = self.clock()
            lines = []
            for name in services:
                svc = self.services.get((app, name))
                if svc is None:
                    continue
                self._tick(svc, now)
                for replica in svc.replicas:
                    body = svc.revisions[replica.revision - 1]
                    if self._failure(body):
                        continue
                    up = replica.created + self.start_delay
                    count = int(max(0.0, now - up) / self.log_interval) + (now >= up)
                    containers = [("main", body["image"])] + [(s["name"], s["image"]) for s in body.get("sidecars", [])]
                    for k in range(count):
                        stamp = self.epoch + up + k * self.log_interval
                        if since is not None and stamp < since:
                            continue
                        for container, image in containers:
                            lines.append({"time": stamp, "service": name, "replica": replica.id,
                                          "container": container, "message": f"{image} line {k}"})
            return sorted(lines, key=lambda line: (line["time"], line["service"], line["replica"], line["container"]))

    # -- lifecycle -----------------------------------------------------------------------------
    def _get(self, app: str, name: str) -> Service:
        svc = self.services.get((app, name))
        if svc is None:
            raise CloudError(404, "NotFound", f"service {app}/{name} does not exist")
        return svc

    def _failure(self, body: dict[str, Any]) -> str:
        """Why a replica of ``body`` cannot run ("" when it can)."""
        for container in [body, *body.get("sidecars", [])]:
            for env, secret in sorted(container.get("secrets", {}).items()):
                if secret not in self.secrets:
                    return f"secret {secret!r} (for {env}) does not exist"
        if "crashloop" in body["image"]:
            return "CrashLoopBackOff: the container exits with code 1 right after it starts"
        return ""

    def _state(self, svc: Service, replica: Replica, now: float) -> str:
        if now - replica.created < self.start_delay:
            return "pending"
        return "failed" if self._failure(svc.revisions[replica.revision - 1]) else "running"

    def _tick(self, svc: Service, now: float) -> None:
        """Bring the replicas towards the serving revision at the desired count."""
        current = [r for r in svc.replicas if r.revision == svc.serving]
        while len(current) < svc.desired:
            svc.counter += 1
            token = hashlib.sha256(f"{svc.app}/{svc.name}/{svc.counter}".encode()).hexdigest()[:5]
            replica = Replica(f"{svc.name}-{svc.serving}-{token}", svc.serving, now)
            svc.replicas.append(replica)
            current.append(replica)
        for extra in current[svc.desired:]:
            svc.replicas.remove(extra)
        current = current[:svc.desired]
        states = [self._state(svc, r, now) for r in current]
        if all(s == "running" for s in states):  # the new revision serves: the old one goes
            svc.replicas = list(current)
        elif "failed" in states and svc.serving > 1 and now - svc.rollout_started >= self.rollback_after \
                and any(r.revision != svc.serving for r in svc.replicas):
            reason = self._failure(svc.revisions[svc.serving - 1])
            svc.rolled_back = f"revision {svc.serving} failed ({reason}); rolled back to revision {svc.serving - 1}"
            svc.replicas = [r for r in svc.replicas if r.revision != svc.serving]
            svc.serving -= 1
            svc.revisions.pop()
            svc.times.pop()
            self._tick(svc, now)

    def _view(self, svc: Service, now: float) -> dict[str, Any]:
        replicas = [{"id": r.id, "revision": r.revision, "image": svc.revisions[r.revision - 1]["image"],
                     "state": self._state(svc, r, now), "reason": self._failure(svc.revisions[r.revision - 1])}
                    for r in svc.replicas]
        body = svc.revisions[svc.serving - 1]
        public = [p["port"] for p in body.get("ports", []) if p.get("public")]
        address = int(hashlib.sha256(f"{svc.app}/{svc.name}".encode()).hexdigest()[:2], 16) % 250 + 1
        return {"app": svc.app, "name": svc.name, "tags": dict(svc.tags), "body": copy.deepcopy(body),
                "revision": svc.serving, "desired": svc.desired, "autoscaler": svc.autoscaler,
                "replicas": replicas, "rolled_back": svc.rolled_back,
                "endpoints": [f"198.51.100.{address}:{port}" for port in public]}

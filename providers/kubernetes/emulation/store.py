"""Objects in memory, the global resourceVersion counter, and a change log that feeds watches.

Every write takes the next resourceVersion (one counter for all kinds, as etcd's revision). The store
hands out deep copies, so callers may mutate what they get."""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloudorch_providers.kubernetes.emulation.resources import ResourceType

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects


@dataclass
class Change:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    rt: ResourceType
    obj: dict[str, Any]


class TooOld(Exception):
    """A watch asked for a resourceVersion older than the change log remembers."""


class Store:
    def __init__(self, history: int = 10000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[ResourceType, dict[Key, dict[str, Any]]] = {}
        self._rv = 1000
        self._log: deque[Change] = deque(maxlen=history)

    def clear(self) -> None:
        with self.lock:
            self._objects.clear()
            self._log.clear()
            self.changed.notify_all()

    @property
    def resource_version(self) -> str:
        with self.lock:
            return str(self._rv)

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self._objects.get(rt, {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, rt: ResourceType, namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects of a type (in ``namespace`` when given), ordered by namespace and name."""
        with self.lock:
            items = self._objects.get(rt, {})
            keys = sorted(k for k in items if namespace is None or k[0] == namespace)
            return [copy.deepcopy(items[k]) for k in keys]

    def scan(self, rt: ResourceType) -> list[dict[str, Any]]:
        """The stored objects themselves, not copies: for read-only passes under ``lock``."""
        with self.lock:
            return list(self._objects.get(rt, {}).values())

    def put(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` (added or modified) under the next resourceVersion; returns a copy as stored."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        with self.lock:
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            bucket = self._objects.setdefault(rt, {})
            kind = "MODIFIED" if key in bucket else "ADDED"
            stored = bucket[key] = copy.deepcopy(obj)  # never changed in place: the log shares it
            self._log.append(Change(self._rv, kind, rt, stored))
            self.changed.notify_all()
            return copy.deepcopy(stored)

    def remove(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self._objects.get(rt, {}).pop((namespace, name), None)
            if obj is None:
                return None
            obj = copy.deepcopy(obj)  # the stored one is shared with the change log
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._log.append(Change(self._rv, "DELETED", rt, obj))
            self.changed.notify_all()
            return copy.deepcopy(obj)

    def changes_since(self, rv: int, keep: Callable[[Change], bool]) -> tuple[list[Change], int]:
        """Logged changes after ``rv`` that ``keep`` accepts, and the resourceVersion they reach (the
        cursor for the next call); :class:`TooOld` when ``rv`` has been compacted away."""
        with self.lock:
            start = self._log[0].rv if self._log else self._rv + 1
            if rv < start - 1:
                raise TooOld(rv)
            return [copy.deepcopy(c) for c in self._log if c.rv > rv and keep(c)], self._rv

    def wait(self, rv: int, timeout: float) -> None:
        """Block until something is written after ``rv`` or ``timeout`` passes."""
        with self.lock:
            if self._rv <= rv:
                self.changed.wait(timeout)

    def wake(self) -> None:
        with self.lock:
            self.changed.notify_all()

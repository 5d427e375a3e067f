"""What the kubelet checks before it starts a pod's containers: the Secrets and ConfigMaps they read.

As upstream (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables,
https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/):

- a container whose ``env[].valueFrom.secretKeyRef`` / ``configMapKeyRef`` or ``envFrom[].secretRef`` /
  ``configMapRef`` names a missing object or key is not created: it waits with reason
  ``CreateContainerConfigError`` and the kubelet's message (``secret "db" not found``, ``couldn't find key
  password in Secret shop/db``), and the kubelet emits a ``Failed`` event ``Error: <message>``;
- a ``secret`` / ``configMap`` volume whose object (or an ``items[].key``) is missing cannot be mounted: the
  pod stays ``ContainerCreating`` and the kubelet emits ``FailedMount`` events
  (``MountVolume.SetUp failed for volume "creds" : secret "db" not found``);
- references marked ``optional: true`` never block;
- the kubelet retries, so the containers start once the object or key appears.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: (kind "Secret" | "ConfigMap", namespace, name) -> the object or None
Lookup = Callable[[str, str, str], "dict[str, Any] | None"]

_SOURCES = {"secretKeyRef": "Secret", "configMapKeyRef": "ConfigMap"}
_FROM = {"secretRef": "Secret", "configMapRef": "ConfigMap"}


@dataclass
class PodConfig:
    """Why a pod's containers cannot start yet: a volume that cannot be mounted, or per container the
    CreateContainerConfigError message."""

    mount_error: str | None = None
    containers: dict[str, str] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.mount_error or self.containers)


def _missing(kind: str, name: str) -> str:
    return f'{kind.lower()} "{name}" not found'


def _keys(obj: dict[str, Any]) -> set[str]:
    return set(obj.get("data") or {}) | set(obj.get("stringData") or {}) | set(obj.get("binaryData") or {})


def container_error(container: dict[str, Any], namespace: str, lookup: Lookup) -> str | None:
    """The kubelet's message for the first reference (envFrom first, then env, in order) it cannot
    resolve, or None."""
    for source in container.get("envFrom") or []:
        for key, kind in _FROM.items():
            ref = source.get(key)
            if ref is not None and not ref.get("optional") and lookup(kind, namespace, ref.get("name", "")) is None:
                return _missing(kind, ref.get("name", ""))
    for var in container.get("env") or []:
        for key, kind in _SOURCES.items():
            ref = (var.get("valueFrom") or {}).get(key)
            if ref is None or ref.get("optional"):
                continue
            obj = lookup(kind, namespace, ref.get("name", ""))
            if obj is None:
                return _missing(kind, ref.get("name", ""))
            if ref.get("key") not in _keys(obj):
                return f"couldn't find key {ref.get('key')} in {kind} {namespace}/{ref.get('name', '')}"
    return None


def mount_error(volume: dict[str, Any], namespace: str, lookup: Lookup) -> str | None:
    """``MountVolume.SetUp failed ...`` for a secret or configMap volume that cannot be set up, or None."""
    for key, kind, name_field in (("secret", "Secret", "secretName"), ("configMap", "ConfigMap", "name")):
        source = volume.get(key)
        if source is None or source.get("optional"):
            continue
        name = source.get(name_field, "")
        prefix = f'MountVolume.SetUp failed for volume "{volume.get("name", "")}" : '
        obj = lookup(kind, namespace, name)
        if obj is None:
            return prefix + _missing(kind, name)
        for item in source.get("items") or []:
            if item.get("key") not in _keys(obj):
                what = "secret key" if kind == "Secret" else "config key"
                return prefix + f"{'' if kind == 'Secret' else 'configmap '}references non-existent {what}: " \
                                f"{item.get('key')}"
    return None


def check(pod: dict[str, Any], lookup: Lookup) -> PodConfig:
    namespace, spec = pod["metadata"].get("namespace", ""), pod.get("spec") or {}
    result = PodConfig()
    for volume in spec.get("volumes") or []:
        result.mount_error = mount_error(volume, namespace, lookup)
        if result.mount_error:
            return result
    for container in spec.get("containers") or []:
        message = container_error(container, namespace, lookup)
        if message:
            result.containers[container.get("name", "")] = message
    return result

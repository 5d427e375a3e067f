"""The spec's secrets as keys of Kubernetes Secrets: storing a value, saying where each one lives, and
restarting a Deployment so its pods read them again.

- Where: ``providers.kubernetes.secrets.NAME`` (``{secret, key}``), by default the key NAME of the Secret
  ``{app}-secrets`` in the app's namespace; an ``image_pull_secret`` is a whole Secret of type
  ``kubernetes.io/dockerconfigjson`` (key ``.dockerconfigjson``), as kubelet reads it
  (https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/).
- Storing: a missing Secret is created with the app's ownership labels (and the app's namespace, as deploy
  would create it, when that is missing too); an existing one, ours or the user's, gets only that key
  changed (a merge patch of ``data``), its labels and other keys untouched: it is the Secret the pods read.
- Restarting: as ``kubectl rollout restart``, the pod template annotation ``kubectl.kubernetes.io/restartedAt``
  set to now (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/kubectl_rollout_restart/):
  the Deployment rolls its pods within its maxSurge / maxUnavailable, and new pods read the Secret anew.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cloudorch.errors import ProviderError, UsageError
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.apply import server_side_apply
from cloudorch_providers.kubernetes.live.clients import FIELD_MANAGER, MERGE_PATCH, Kube
from cloudorch_providers.kubernetes.live.state import NAMESPACE, read_namespace, terminating

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
PULL_SECRET_TYPE, PULL_SECRET_KEY = "kubernetes.io/dockerconfigjson", ".dockerconfigjson"


@dataclass(frozen=True)
class SecretRef:
    """Where one spec secret lives: key ``key`` of Secret ``secret`` in ``namespace``."""

    namespace: str
    secret: str
    key: str
    pull: bool = False  # an image pull secret: the whole Secret, of type dockerconfigjson

    def describe(self) -> str:
        return f"Kubernetes Secret {self.namespace}/{self.secret} key {self.key}"


def secret_ref(app: Any, settings: Any, namespace: str, name: str) -> SecretRef:
    """Where spec secret ``name`` lives: an env secret's key, or an image pull secret's Secret."""
    env = any(name in s.secrets.values() or any(name in c.secrets.values() for c in s.sidecars)
              for s in app.services.values())
    if not env and any(s.image_pull_secret == name for s in app.services.values()):
        return SecretRef(namespace, settings.pull_secret(name), PULL_SECRET_KEY, pull=True)
    secret, key = settings.secret_ref(app.name, name)
    return SecretRef(namespace, secret, key)


def _read(kube: Kube, ref: SecretRef) -> dict[str, Any] | None:
    return kube.call(f"reading Secret {ref.secret} in namespace {ref.namespace}", "core", "read_namespaced_secret",
                     ref.secret, ref.namespace, missing_ok=True)


def _ensure_namespace(kube: Kube, namespace: str, document: dict[str, Any] | None) -> None:
    found = read_namespace(kube, namespace)
    if terminating(found):
        raise ProviderError(f"namespace {namespace} is being deleted; wait until it is gone, then store the "
                            "secret again")
    if found is None:
        if document is None:
            raise ProviderError(f"namespace {namespace} does not exist; create it (the spec uses it without "
                                "owning it) and store the secret again")
        server_side_apply(kube, NAMESPACE.kind, namespace, "", document,
                          doing=f"creating namespace {namespace} for the app's secrets")


def store(kube: Kube, app: str, ref: SecretRef, value: str, namespace_document: dict[str, Any] | None) -> str:
    """Store ``value`` at ``ref`` and say where (never the value)."""
    if ref.pull:
        try:
            valid = isinstance(json.loads(value).get("auths"), dict)
        except (ValueError, AttributeError):
            valid = False
        if not valid:
            raise UsageError(f"an image pull secret is a Docker config JSON ({{\"auths\": {{...}}}}), as "
                             f"`kubectl create secret docker-registry {ref.secret} --dry-run=client -o "
                             "jsonpath='{.data.\\.dockerconfigjson}' | base64 -d` prints; the value given is not")
    _ensure_namespace(kube, ref.namespace, namespace_document)
    encoded = base64.b64encode(value.encode()).decode()
    current = _read(kube, ref)
    if current is None:
        body = {"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": ref.secret, "namespace": ref.namespace,
                             "labels": {meta.OWNER_KEY: app, meta.TOOL_KEY: meta.TOOL_VALUE}},
                "type": PULL_SECRET_TYPE if ref.pull else "Opaque", "data": {ref.key: encoded}}
        kube.call(f"creating Secret {ref.secret} in namespace {ref.namespace}", "core", "create_namespaced_secret",
                  ref.namespace, body, field_manager=FIELD_MANAGER, errors=_created_meanwhile)
        return f"{ref.describe()} (created)"
    if ref.pull and current.get("type") != PULL_SECRET_TYPE:
        raise ProviderError(f"Secret {ref.secret} in namespace {ref.namespace} has type {current.get('type')}, "
                            f"not {PULL_SECRET_TYPE}; kubelet cannot pull with it: delete it or point "
                            "providers.kubernetes.secrets at another Secret")
    kube.call(f"updating key {ref.key} of Secret {ref.secret} in namespace {ref.namespace}", "core",
              "patch_namespaced_secret", ref.secret, ref.namespace, {"data": {ref.key: encoded}},
              field_manager=FIELD_MANAGER, _content_type=MERGE_PATCH)
    return ref.describe()


def _created_meanwhile(exc: Any) -> ProviderError | None:
    if exc.status == 409:
        return ProviderError("a Secret of that name was created meanwhile by someone else; store the secret again")
    return None


def exists(kube: Kube, ref: SecretRef) -> bool:
    """Whether the Secret holds the key (its keys are looked at, values never used)."""
    found = _read(kube, ref)
    return found is not None and ref.key in ((found.get("data") or {}) | (found.get("stringData") or {}))


def restart(kube: Kube, name: str, namespace: str, now: dt.datetime | None = None) -> None:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    kube.call(f"restarting Deployment {name} in namespace {namespace}", "apps", "patch_namespaced_deployment",
              name, namespace, patch, field_manager="cloudorch-restart", _content_type=MERGE_PATCH)

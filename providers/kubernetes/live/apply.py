"""The calls a plan's steps make (:class:`cloudorch.live.plan.Step`, see :mod:`.plan`), each taking the
operation's client (``kube``, bound to its deadline) first.

Server-side apply runs under the field manager ``cloudorch`` and is forced only with
``deploy --force-conflicts``. A 409 conflict means another field manager (``kubectl``, a
``kubectl edit``, a controller) owns a field cloudorch would change: it is reported as one line naming
the object, the fields and the managers, and nothing is taken over.
"""

from __future__ import annotations

import re
from typing import Any

from cloudorch.errors import CloudorchError, ProviderError
from cloudorch_providers.kubernetes.live.clients import APPLY_PATCH, FIELD_MANAGER, MERGE_PATCH, Kube, status_body
from cloudorch_providers.kubernetes.live.state import DEPLOYMENT, KINDS, NAMESPACE

HANDOVER_MANAGER = "cloudorch-handover"

_MANAGER = re.compile(r'conflicts? with "([^"]+)"(?: with subresource "([^"]+)")?')


def where(kind: str, name: str, namespace: str) -> str:
    return f"{kind} {name}" + (f" in namespace {namespace}" if namespace else "")


def conflict_error(kind: str, name: str, namespace: str, exc: Any) -> CloudorchError | None:
    """One line for a server-side apply conflict (None: not a field-manager conflict)."""
    if exc.status != 409:
        return None
    body = status_body(exc)
    causes = [c for c in ((body.get("details") or {}).get("causes") or [])
              if c.get("type") == "FieldManagerConflict"]
    if not causes:
        return None
    fields = sorted({c.get("field", "?") for c in causes})
    managers = []
    for cause in causes:
        found = _MANAGER.search(cause.get("message") or "")
        if found:
            label = found.group(1) + (f" (subresource {found.group(2)})" if found.group(2) else "")
            if label not in managers:
                managers.append(label)
    return ProviderError(
        f"{where(kind, name, namespace)}: field{'s' if len(fields) > 1 else ''} {', '.join(fields)} "
        f"{'are' if len(fields) > 1 else 'is'} managed by {', '.join(managers) or 'another field manager'}, "
        "not cloudorch (server-side apply conflict); nothing was changed: undo that change in the cluster, "
        "or run `cloudorch deploy --force-conflicts` to take those fields over"
    )


def _args(kind: str, name: str, namespace: str) -> tuple[str, ...]:
    return (name,) if kind == NAMESPACE.kind else (name, namespace)


def server_side_apply(kube: Kube, kind: str, name: str, namespace: str, body: dict[str, Any],
                      manager: str = FIELD_MANAGER, doing: str | None = None) -> dict[str, Any]:
    """Apply ``body`` as ``manager``; conflicts are forced only when the operation says so (``kube.force``)."""
    k = KINDS[kind]
    options: dict[str, Any] = {"field_manager": manager, "_content_type": APPLY_PATCH}
    if kube.force:
        options["force"] = True
    return kube.call(doing or f"applying {where(kind, name, namespace)}", k.api, k.method("patch"),
                     *_args(kind, name, namespace), body, errors=lambda exc: conflict_error(kind, name, namespace, exc),
                     **options)


def scale_deployment(kube: Kube, name: str, namespace: str, replicas: int) -> None:
    kube.call(f"scaling Deployment {name} in namespace {namespace} to {replicas}", "apps",
              "patch_namespaced_deployment_scale", name, namespace, {"spec": {"replicas": replicas}},
              field_manager=FIELD_MANAGER, _content_type=MERGE_PATCH)


def delete_object(kube: Kube, kind: str, name: str, namespace: str, uid: str | None) -> None:
    """Delete by exact name; with ``uid``, only that very object (a same-named replacement created
    since the plan is left alone). Already gone is fine."""
    k = KINDS[kind]
    options: dict[str, Any] = {"propagationPolicy": "Background"}
    if uid:
        options["preconditions"] = {"uid": uid}

    def replaced(exc: Any) -> CloudorchError | None:
        if exc.status == 409 and uid:
            return ProviderError(f"{where(kind, name, namespace)} was replaced by another object since the plan "
                                 "was made; it was left alone: run the command again")
        return None

    kube.call(f"deleting {where(kind, name, namespace)}", k.api, k.method("delete"), *_args(kind, name, namespace),
              body=options, missing_ok=True, errors=replaced)


def hand_over_replicas(kube: Kube, name: str, namespace: str, replicas: int) -> None:
    """Apply the current count under the field manager ``cloudorch-handover``, which keeps it until
    the HorizontalPodAutoscaler takes it over (see :mod:`.plan`)."""
    body = {"apiVersion": DEPLOYMENT.api_version, "kind": DEPLOYMENT.kind,
            "metadata": {"name": name, "namespace": namespace}, "spec": {"replicas": replicas}}
    server_side_apply(kube, DEPLOYMENT.kind, name, namespace, body, HANDOVER_MANAGER,
                      f"handing the replicas of {where(DEPLOYMENT.kind, name, namespace)} to its autoscaler")

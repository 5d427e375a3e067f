"""The Kubernetes plan: each rendered manifest against the live object of the same kind and exact name.

No-op or update is decided client-side, with no request that could count as a write: the manifest's
labels, annotations and spec must be a subset of the live object (:func:`cloudorch.diff.differences`),
and no field cloudorch applied before may be missing from it (:mod:`.managed`, which a value diff
cannot see). A server-side dry-run apply would answer the same question, but it is a PATCH that the
API server (and the emulator's request log) treats as a write, and it costs one request per object;
the diff costs none beyond the reads. So an unchanged spec plans to all no-ops and deploy sends
nothing; only objects that differ are applied.

A Change's payload is a list of steps that :mod:`.apply` runs in order:

- ``apply``: server-side apply of the whole manifest under the field manager ``cloudorch``;
- ``scale``: set a Deployment's count through its scale subresource first, when the spec fixes a
  count that differs from the live one (left by ``cloudorch scale``, ``kubectl scale`` or a removed
  HorizontalPodAutoscaler, whose writes own ``spec.replicas``): an update takes the field without a
  conflict, and the apply that follows then agrees with the live value;
- ``handover``: when the spec turns autoscaling on, the Deployment manifest stops setting
  ``replicas``; applying it as is would make the API server drop the field and reset the count to 1.
  As the Kubernetes documentation recommends, the current count is first applied by a separate field
  manager (``cloudorch-handover``) that keeps it until the HorizontalPodAutoscaler takes it over;
- ``delete``: delete by exact name with a uid precondition (never a same-named replacement).

Ownership: a same-named object without this app's markers is refused, never adopted. Orphans are the
objects carrying the app's markers (found by label) that the spec no longer renders: a removed
service, a HorizontalPodAutoscaler the spec dropped, a Service of a service with no ports left.
The namespace is created when missing (and then carries the markers); an existing namespace without
them is used as it is and never adopted, changed or deleted.
"""

from __future__ import annotations

from typing import Any

from cloudorch.diff import differences
from cloudorch.errors import ProviderError
from cloudorch.provider import Action, Change, Document, Plan
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.managed import applied_fields, removed_fields
from cloudorch_providers.kubernetes.live.state import HPA, KINDS, NAMESPACE, SERVICE, Key, Live, labels_of, owned_by, terminating

HANDOVER_MANAGER = "cloudorch-handover"
#: deletion order of one service's objects: the autoscaler before its target, the Deployment last
DELETE_ORDER = {HPA.kind: 0, SERVICE.kind: 1}


def not_ours(kind: str, name: str, namespace: str, obj: dict[str, Any], app: str) -> ProviderError:
    owner = labels_of(obj).get(meta.OWNER_KEY)
    why = (f"it belongs to cloudorch app {owner!r}" if owner and owner != app
           else f"it has no {meta.OWNER_KEY}={app} / {meta.TOOL_KEY}={meta.TOOL_VALUE} labels")
    return ProviderError(
        f"{kind} {name} in namespace {namespace} exists but is not managed by cloudorch for app {app!r} ({why}); "
        "refusing to adopt or change it: rename the service, use another namespace, or remove it yourself"
    )


def step(op: str, kind: str, name: str, namespace: str, **extra: Any) -> dict[str, Any]:
    return {"op": op, "kind": kind, "name": name, "namespace": namespace, **extra}


def delete_step(kind: str, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    return step("delete", kind, obj["metadata"]["name"], namespace, uid=obj["metadata"].get("uid"))


def compared(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a manifest that plan compares (list replies carry no kind or apiVersion)."""
    metadata = body.get("metadata") or {}
    want: dict[str, Any] = {"metadata": {"labels": metadata.get("labels") or {},
                                         "annotations": metadata.get("annotations") or {}}}
    for key, value in body.items():
        if key not in ("apiVersion", "kind", "metadata"):
            want[key] = value
    # an empty desired map would mean "must be empty"; annotations others add are not ours to judge
    want["metadata"] = {k: v for k, v in want["metadata"].items() if v}
    return want


class Planner:
    def __init__(self, provider: str, app: Any, namespace: str, live: Live):
        self.provider, self.app, self.namespace, self.live = provider, app, namespace, live
        self.changes: list[Change] = []

    def add(self, action: Action, kind: str, name: str, service: str | None, steps: list[dict] = (),
            fields: list[str] = (), reason: str = "") -> None:
        self.changes.append(Change(action, kind, name, service, list(fields), reason, payload=list(steps)))

    def plan(self, docs: list[Document]) -> Plan:
        for doc in docs:
            if doc.kind == NAMESPACE.kind:
                self._namespace(doc)
            else:
                self._object(doc)
        self._orphans({(d.kind, d.name) for d in docs})
        return Plan(self.app.name, self.provider, self.changes)

    # -- the namespace -----------------------------------------------------------------------------
    def _namespace(self, doc: Document) -> None:
        live, name = self.live.namespace, doc.name
        apply = step("apply", NAMESPACE.kind, name, "", body=doc.body)
        if live is None:
            self.add(Action.CREATE, NAMESPACE.kind, name, None, [apply])
            return
        if terminating(live):
            raise ProviderError(f"namespace {name} is being deleted (a previous destroy); wait until it is gone "
                                f"(kubectl get namespace {name}), then deploy again")
        if not owned_by(live, self.app.name):
            self.add(Action.NOOP, NAMESPACE.kind, name, None,
                     reason="exists without cloudorch's labels: used as it is, never adopted or deleted")
            return
        fields = differences(compared(doc.body), live) + removed_fields(live, doc.body)
        if fields:
            self.add(Action.UPDATE, NAMESPACE.kind, name, None, [apply], fields)
        else:
            self.add(Action.NOOP, NAMESPACE.kind, name, None)

    # -- the app's objects -------------------------------------------------------------------------
    def _object(self, doc: Document) -> None:
        kind, name, ns = doc.kind, doc.name, self.namespace
        live = self.live.objects.get((kind, name))
        apply = step("apply", kind, name, ns, body=doc.body)
        if live is None:
            self.add(Action.CREATE, kind, name, doc.service, [apply])
            return
        if not owned_by(live, self.app.name):
            raise not_ours(kind, name, ns, live, self.app.name)
        if terminating(live):
            raise ProviderError(f"{kind} {name} in namespace {ns} is being deleted; wait until it is gone "
                                "and deploy again")
        fields = differences(compared(doc.body), live) + removed_fields(live, doc.body)
        if not fields:
            self.add(Action.NOOP, kind, name, doc.service)
            return
        steps = []
        reason = ""
        if kind == "Deployment":
            wanted = doc.body["spec"].get("replicas")
            current = (live.get("spec") or {}).get("replicas")
            if wanted is not None and current != wanted:
                steps.append(step("scale", kind, name, ns, replicas=wanted))
            if wanted is None and "f:replicas" in ((applied_fields(live) or {}).get("f:spec") or {}):
                steps.append(step("handover", kind, name, ns, replicas=current if current is not None else 1))
                reason = "replicas handed over to the HorizontalPodAutoscaler"
        steps.append(apply)
        self.add(Action.UPDATE, kind, name, doc.service, steps, fields, reason)

    def _orphans(self, rendered: set[Key]) -> None:
        orphans = [(key, obj) for key, obj in self.live.objects.items()
                   if key not in rendered and key[0] in KINDS and owned_by(obj, self.app.name)]
        for (kind, name), obj in sorted(orphans, key=_deletion_order):
            service = labels_of(obj).get(meta.SERVICE_KEY) or name
            if service not in self.app.services:
                reason = "its service is no longer in the spec"
            elif kind == HPA.kind:
                reason = f"the spec has no autoscale for {service}"
            elif kind == SERVICE.kind:
                reason = f"{service} has no ports in the spec"
            else:
                reason = "no longer rendered from the spec"
            self.add(Action.DELETE, kind, name, service, [delete_step(kind, obj, self.namespace)], reason=reason)


def _deletion_order(item: tuple[Key, dict[str, Any]]) -> tuple[str, int, str]:
    (kind, name), obj = item
    return labels_of(obj).get(meta.SERVICE_KEY) or name, DELETE_ORDER.get(kind, 2), name


def destroy_plan(provider: str, app: Any, live: Live, others: list[str]) -> Plan:
    """DELETE for every object carrying the app's markers (found by label, deleted by exact name and
    uid); the namespace too when it is ours and ``others`` (what is in it that is not the app's) is
    empty, else a no-op saying why it stays."""
    planner = Planner(provider, app, live.namespace_name, live)
    planner._orphans(set())
    for change in planner.changes:
        change.reason = ""
    namespace = live.namespace
    if namespace is not None and owned_by(namespace, app.name) and not terminating(namespace):
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            planner.add(Action.NOOP, NAMESPACE.kind, live.namespace_name, None,
                        reason=f"kept: it also holds objects that are not this app's ({shown})")
        else:
            planner.add(Action.DELETE, NAMESPACE.kind, live.namespace_name, None,
                        [delete_step(NAMESPACE.kind, namespace, "")])
    return Plan(app.name, provider, planner.changes)

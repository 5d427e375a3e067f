"""The Kubernetes plan: each rendered manifest against the live object of the same kind and exact name.

No-op or update is decided client-side, with no request that could count as a write: the manifest's
labels, annotations and spec must be a subset of the live object (:func:`cloudorch.diff.differences`),
and no field cloudorch applied before may be missing from it (:mod:`.managed`, which a value diff
cannot see). A server-side dry-run apply would answer the same question, but it is a PATCH that the
API server (and the emulator's request log) treats as a write, and it costs one request per object;
the diff costs none beyond the reads. So an unchanged spec plans to all no-ops and deploy sends
nothing; only objects that differ are applied.

A Change's payload is a list of :class:`cloudorch.live.plan.Step` (calls of :mod:`.apply`), run in
order by ``apply``:

- ``server_side_apply``: server-side apply of the whole manifest under the field manager ``cloudorch``;
- ``scale_deployment``: set a Deployment's count through its scale subresource first, when the spec fixes a
  count that differs from the live one (left by ``cloudorch scale``, ``kubectl scale`` or a removed
  HorizontalPodAutoscaler, whose writes own ``spec.replicas``): an update takes the field without a
  conflict, and the apply that follows then agrees with the live value;
- ``hand_over_replicas``: when the spec turns autoscaling on, the Deployment manifest stops setting
  ``replicas``; applying it as is would make the API server drop the field and reset the count to 1.
  As the Kubernetes documentation recommends, the current count is first applied by a separate field
  manager (``cloudorch-handover``) that keeps it until the HorizontalPodAutoscaler takes it over;
- ``delete_object``: delete by exact name with a uid precondition (never a same-named replacement).

The create / update / no-op decision, the "not ours" refusal, the orphan sweep and the namespace's
"kept: it also holds..." rule are the kit's (:class:`cloudorch.live.plan.PlanBuilder`).

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
from cloudorch.live.plan import Owned, PlanBuilder, Step
from cloudorch.provider import Action, Document, Plan
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.apply import (
    delete_object,
    hand_over_replicas,
    scale_deployment,
    server_side_apply,
    where,
)
from cloudorch_providers.kubernetes.live.managed import applied_fields, removed_fields
from cloudorch_providers.kubernetes.live.state import HPA, KINDS, NAMESPACE, SERVICE, Live, labels_of, terminating

#: deletion order of one service's objects: the autoscaler before its target, the Deployment last
DELETE_ORDER = (HPA.kind, SERVICE.kind)
FIX = "rename the service, use another namespace, or remove it yourself"


def delete_step(kind: str, obj: dict[str, Any], namespace: str) -> Step:
    name = obj["metadata"]["name"]
    return Step(delete_object, (kind, name, namespace, obj["metadata"].get("uid")), on=where(kind, name, namespace))


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


def owned_objects(live: Live, app: str) -> list[Owned]:
    """The live objects carrying the app's markers, as the kit's orphan sweep sees them."""
    return [Owned(kind, name, labels_of(obj).get(meta.SERVICE_KEY) or name, obj)
            for (kind, name), obj in live.objects.items()
            if kind in KINDS and meta.MARKERS.owns(labels_of(obj), app)]


def orphan_reason(o: Owned) -> str:
    if o.kind == HPA.kind:
        return f"the spec has no autoscale for {o.service}"
    if o.kind == SERVICE.kind:
        return f"{o.service} has no ports in the spec"
    if o.kind == "CronJob":
        return f"the spec has no job {o.name}"
    return ""


class Planner:
    def __init__(self, provider: str, app: Any, namespace: str, live: Live):
        self.app, self.namespace, self.live = app, namespace, live
        self.builder = PlanBuilder(app, provider, meta.MARKERS)

    def apply_step(self, kind: str, name: str, namespace: str, body: dict[str, Any]) -> Step:
        return Step(server_side_apply, (kind, name, namespace, body), on=where(kind, name, namespace))

    def plan(self, docs: list[Document]) -> Plan:
        for doc in docs:
            if doc.kind == NAMESPACE.kind:
                self._namespace(doc)
            else:
                self._object(doc)
        self.builder.sweep(owned_objects(self.live, self.app.name), {(d.kind, d.name) for d in docs},
                           lambda o: [delete_step(o.kind, o.obj, self.namespace)], DELETE_ORDER, orphan_reason)
        return self.builder.build()

    # -- the namespace -----------------------------------------------------------------------------
    def _namespace(self, doc: Document) -> None:
        live, name = self.live.namespace, doc.name
        apply = self.apply_step(NAMESPACE.kind, name, "", doc.body)
        if live is not None and terminating(live):
            raise ProviderError(f"namespace {name} is being deleted (a previous destroy); wait until it is gone "
                                f"(kubectl get namespace {name}), then deploy again")
        if live is not None and not meta.MARKERS.owns(labels_of(live), self.app.name):
            self.builder.add(Action.NOOP, NAMESPACE.kind, name, None,
                             reason="exists without cloudorch's labels: used as it is, never adopted or deleted")
            return
        self.builder.resource(NAMESPACE.kind, name, None, live=live, tags=labels_of(live), create=[apply],
                              fields=lambda: differences(compared(doc.body), live) + removed_fields(live, doc.body),
                              update=lambda fields: [apply], documents=lambda: (compared(doc.body), live))

    # -- the app's objects -------------------------------------------------------------------------
    def _object(self, doc: Document) -> None:
        kind, name, ns = doc.kind, doc.name, self.namespace
        live = self.live.objects.get((kind, name))
        apply = self.apply_step(kind, name, ns, doc.body)
        if live is not None and meta.MARKERS.owns(labels_of(live), self.app.name) and terminating(live):
            raise ProviderError(f"{kind} {name} in namespace {ns} is being deleted; wait until it is gone "
                                "and deploy again")
        reason = ""
        if kind == "Deployment" and live is not None and doc.body["spec"].get("replicas") is None \
                and "f:replicas" in ((applied_fields(live) or {}).get("f:spec") or {}):
            reason = "replicas handed over to the HorizontalPodAutoscaler"
        self.builder.resource(kind, name, doc.service, live=live, tags=labels_of(live), create=[apply],
                              fields=lambda: differences(compared(doc.body), live) + removed_fields(live, doc.body),
                              update=lambda fields: self._update_steps(doc, live) + [apply],
                              where=f"in namespace {ns}", fix=FIX, reason=reason,
                              documents=lambda: (compared(doc.body), live))

    def _update_steps(self, doc: Document, live: dict[str, Any]) -> list[Step]:
        """What must happen before a Deployment's apply: its count set, or handed to the autoscaler."""
        if doc.kind != "Deployment":
            return []
        name, ns = doc.name, self.namespace
        wanted = doc.body["spec"].get("replicas")
        current = (live.get("spec") or {}).get("replicas")
        if wanted is not None and current != wanted:
            return [Step(scale_deployment, (name, ns, wanted), on=where(doc.kind, name, ns))]
        if wanted is None and "f:replicas" in ((applied_fields(live) or {}).get("f:spec") or {}):
            return [Step(hand_over_replicas, (name, ns, current if current is not None else 1),
                         on=where(doc.kind, name, ns))]
        return []


def destroy_plan(provider: str, app: Any, live: Live, others: list[str]) -> Plan:
    """DELETE for every object carrying the app's markers (found by label, deleted by exact name and
    uid); the namespace too when it is ours and ``others`` (what is in it that is not the app's) is
    empty, else a no-op saying why it stays."""
    builder = PlanBuilder(app, provider, meta.MARKERS)
    builder.sweep(owned_objects(live, app.name), (), lambda o: [delete_step(o.kind, o.obj, live.namespace_name)],
                  DELETE_ORDER, destroying=True)
    namespace = live.namespace
    if namespace is not None and not terminating(namespace):
        builder.container(NAMESPACE.kind, live.namespace_name, tags=labels_of(namespace), others=others,
                          delete=[delete_step(NAMESPACE.kind, namespace, "")])
    return builder.build()

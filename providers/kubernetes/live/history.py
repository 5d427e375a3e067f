"""A Deployment's revisions, as the cluster keeps them: one ReplicaSet per pod template, numbered by
its ``deployment.kubernetes.io/revision`` annotation, as many as the Deployment's
``revisionHistoryLimit`` keeps (10 by default), owned by the Deployment (ownerReferences uid).

A rollback does what ``kubectl rollout undo`` does, the cloudorch way: the Deployment's pod template
becomes the chosen ReplicaSet's (without its ``pod-template-hash`` label), applied server-side by
cloudorch's field manager so that the next ``deploy`` owns the same fields again and restores the spec
without a conflict. The controller then rolls out that template; the ReplicaSet it reuses takes the
next revision number, as with kubectl.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from cloudorch.provider import Revision
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.clients import Kube

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"


def template_of(replicaset: dict[str, Any]) -> dict[str, Any]:
    """The ReplicaSet's pod template as the Deployment had it (the hash label the controller adds removed)."""
    template = copy.deepcopy((replicaset.get("spec") or {}).get("template") or {})
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return template


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def revisions(kube: Kube, app: str, namespace: str, service: str, deployment: dict[str, Any]) -> list[Revision]:
    """The Deployment's ReplicaSets, oldest revision first; the one its revision annotation names is current."""
    uid = deployment["metadata"].get("uid")
    found = kube.call(f"listing the ReplicaSets of Deployment {service} in namespace {namespace}", "apps",
                      "list_namespaced_replica_set", namespace,
                      label_selector=f"{meta.OWNER_KEY}={app},{meta.SERVICE_KEY}={service}",
                      missing_ok=True) or {}
    current = ((deployment["metadata"].get("annotations") or {}).get(REVISION))
    out = []
    for rs in found.get("items") or []:
        metadata = rs.get("metadata") or {}
        if not any(ref.get("uid") == uid and ref.get("kind") == "Deployment"
                   for ref in metadata.get("ownerReferences") or []):
            continue  # another Deployment's (or an orphan) ReplicaSet with the same labels
        number = (metadata.get("annotations") or {}).get(REVISION)
        if not number:
            continue
        template = template_of(rs)
        containers = ((template.get("spec") or {}).get("containers")) or [{}]
        out.append(Revision(number, _time(metadata.get("creationTimestamp")), containers[0].get("image", ""),
                            number == current, document=template, payload=template))
    return sorted(out, key=lambda r: int(r.revision))


def _named(items: Any) -> dict[str, Any] | None:
    if isinstance(items, list) and all(isinstance(i, dict) and "name" in i for i in items):
        return {i["name"]: i for i in items}
    return None


def without_defaults(old: Any, live: Any, rendered: Any) -> Any:
    """``old`` without what the API server filled in: each field the spec's manifest does not set and the
    live template holds with the same value (``terminationMessagePath``, ``dnsPolicy``...). Applied, such
    fields would become cloudorch's, and the next deploy would list them as removed; left out, defaulting
    gives them the same values. What the older revision set that today's does not stays."""
    if isinstance(old, dict) and isinstance(live, dict):
        want = rendered if isinstance(rendered, dict) else {}
        return {k: without_defaults(v, live.get(k), want.get(k)) for k, v in old.items()
                if k in want or live.get(k) != v}
    named, live_named = _named(old), _named(live)
    if named is not None and live_named is not None:
        want = _named(rendered) or {}
        return [without_defaults(item, live_named.get(name), want.get(name)) for name, item in named.items()]
    return old


def rollback_body(rendered: dict[str, Any], deployment: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """The apply body that puts ``template`` back: the spec's own Deployment manifest with the older pod
    template (and the live replica count, which a rollback leaves alone)."""
    body = copy.deepcopy(rendered)
    live_template = (deployment.get("spec") or {}).get("template") or {}
    body["spec"]["template"] = without_defaults(copy.deepcopy(template), live_template, rendered["spec"]["template"])
    live_replicas = (deployment.get("spec") or {}).get("replicas")
    if body["spec"].get("replicas") is not None and live_replicas is not None:
        body["spec"]["replicas"] = live_replicas
    return body

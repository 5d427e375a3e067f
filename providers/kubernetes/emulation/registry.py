"""The verbs on stored objects, with the apiserver's bookkeeping: names, uids, timestamps, generation,
resourceVersion preconditions, defaulting, validation, managed fields, no-op detection and cascading
deletion. The HTTP layer and the controllers both go through here."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable
from typing import Any

from cloudorch_providers.kubernetes.emulation import fields, objects
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.errors import (
    ApiError,
    already_exists,
    bad_request,
    invalid,
    not_found,
    stale,
)
from cloudorch_providers.kubernetes.emulation.merge import json_patch, merge_patch, strategic_merge
from cloudorch_providers.kubernetes.emulation.resources import ResourceType
from cloudorch_providers.kubernetes.emulation.selectors import parse_fields, parse_labels, selector_to_string
from cloudorch_providers.kubernetes.emulation.store import Store
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PATCH_TYPES = (APPLY, MERGE, STRATEGIC, JSON_PATCH)
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_SYSTEM_KEYS = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds")



def random_suffix(length: int = 5) -> str:
    return "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=length))


def success_status(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    details = {"name": obj["metadata"]["name"], "kind": rt.plural, "uid": obj["metadata"].get("uid")}
    if rt.group:
        details["group"] = rt.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


class Registry:
    def __init__(self, store: Store):
        self.store = store

    # -- reads ---------------------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        obj = self.store.get(rt, namespace if rt.namespaced else "", name)
        if obj is None:
            raise not_found(rt, name)
        return obj

    def list(self, rt: ResourceType, namespace: str | None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]:
        labels, picks = parse_labels(label_selector), parse_fields(field_selector, rt.plural)
        return [o for o in self.store.list(rt, namespace if rt.namespaced else None)
                if labels((o.get("metadata") or {}).get("labels") or {}) and picks(o)]

    # -- helpers -------------------------------------------------------------------------------------
    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self.store.get(r.NAMESPACES, "", namespace)
        if ns is None:
            raise ApiError(404, f'namespaces "{namespace}" not found',
                           details={"name": namespace, "kind": "namespaces"})
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiError(403, f'{rt.qualified} "{name}" is forbidden: unable to create new content in '
                                f"namespace {namespace} because it is being terminated", "Forbidden",
                           {"name": name, "kind": rt.plural, **({"group": rt.group} if rt.group else {}),
                            "causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                        "message": f"namespace {namespace} is being terminated"}]})

    def _prepare(self, rt: ResourceType, namespace: str, body: Any, name: str | None = None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body of the request was in an unknown format")
        obj = copy.deepcopy(body)
        if obj.get("kind") not in (None, "", rt.kind):
            raise bad_request(f"the kind in the data ({obj['kind']}) does not match the expected kind "
                              f"({rt.kind})")
        if obj.get("apiVersion") not in (None, "", rt.api_version):
            raise bad_request(f"the API version in the data ({obj['apiVersion']}) does not match the expected "
                              f"API version ({rt.api_version})")
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        meta = obj.get("metadata")
        if meta is None:
            meta = obj["metadata"] = {}
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if name is not None and meta.get("name") and meta["name"] != name:
            raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                              f"({name})")
        if name is not None:
            meta["name"] = name
        elif not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + random_suffix()
        return obj

    def _used_ips(self) -> set[str]:
        return {(s.get("spec") or {}).get("clusterIP") for s in self.store.list(r.SERVICES)} - {None}

    def _used_node_ports(self) -> set[int]:
        return {p.get("nodePort") for s in self.store.list(r.SERVICES)
                for p in (s.get("spec") or {}).get("ports") or [] if p.get("nodePort")}

    def _finish(self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        objects.check_types(rt, obj)
        objects.default(rt, obj, old, self._used_ips, self._used_node_ports)
        causes = objects.validate(rt, obj, old)
        if causes:
            raise invalid(rt, obj["metadata"].get("name", ""), causes)

    # -- create --------------------------------------------------------------------------------------
    def create(self, rt: ResourceType, namespace: str, body: Any, manager: str, dry_run: bool = False,
               keep_status: bool = False, managed: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST. ``keep_status`` lets controllers create objects with a status; ``managed`` is a merged
        apply result whose managedFields are already computed."""
        obj = self._prepare(rt, namespace, managed if managed is not None else body)
        meta = obj["metadata"]
        name = meta.get("name") or ""
        with self.store.lock:
            if name and self.store.get(rt, namespace if rt.namespaced else "", name) is not None:
                raise already_exists(rt, name)
            if name:
                self._check_namespace(rt, namespace, name)
            for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                meta.pop(key, None)
            if managed is None:
                meta.pop("managedFields", None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = rfc3339()
            if rt.has_generation:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            if rt.has_status and not keep_status:
                obj.pop("status", None)
                if objects.initial_status(rt) is not None:
                    obj["status"] = objects.initial_status(rt)
            self._finish(rt, obj, None)
            if managed is None:
                fields.record_update(None, obj, manager, "", rt.api_version)
            if dry_run:
                return obj
            return self.store.put(rt, obj)

    # -- update --------------------------------------------------------------------------------------
    def _commit(self, rt: ResourceType, old: dict[str, Any], new: dict[str, Any], manager: str,
                subresource: str = "", dry_run: bool = False, managed: bool = False) -> dict[str, Any]:
        """Store ``new`` in place of ``old`` unless nothing changed (then nothing is written and the
        resourceVersion stays). ``managed``: new's managedFields are already computed (apply)."""
        if subresource == "status":
            status = new.get("status")
            new = copy.deepcopy(old)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
        elif rt.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        meta = new.setdefault("metadata", {})
        for key in _SYSTEM_KEYS + ("name", "namespace", "resourceVersion"):
            if key in old["metadata"]:
                meta[key] = old["metadata"][key]
            else:
                meta.pop(key, None)
        if not managed:
            meta.pop("managedFields", None)
            if old["metadata"].get("managedFields"):
                meta["managedFields"] = copy.deepcopy(old["metadata"]["managedFields"])
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        self._finish(rt, new, old)
        if rt.has_generation and new.get("spec") != old.get("spec"):
            meta["generation"] = old["metadata"].get("generation", 1) + 1
        if not managed:
            fields.record_update(old, new, manager, subresource, rt.api_version)
        if new == old or dry_run:
            return new
        return self.store.put(rt, new)

    def update(self, rt: ResourceType, namespace: str, name: str, body: Any, manager: str,
               subresource: str = "", dry_run: bool = False) -> dict[str, Any]:
        """PUT, on the object or its status / scale subresource."""
        with self.store.lock:
            old = self.get(rt, namespace, name)
            if subresource == "scale":
                return self._scale(rt, old, body, manager, dry_run)
            new = self._prepare(rt, namespace, body, name)
            wanted = new["metadata"].get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise stale(rt, name)
            return self._commit(rt, old, new, manager, subresource, dry_run)

    # -- patch ---------------------------------------------------------------------------------------
    def patch(self, rt: ResourceType, namespace: str, name: str, patch_type: str, patch: Any, manager: str,
              subresource: str = "", dry_run: bool = False, force: bool = False) -> dict[str, Any]:
        if patch_type == APPLY:
            if subresource:
                raise bad_request(f"apply is not supported on the {subresource} subresource here")
            return self.apply(rt, namespace, name, patch, manager, force, dry_run)
        if force:
            raise bad_request("force may not be set for non-apply patch requests")
        with self.store.lock:
            old = self.get(rt, namespace, name)
            target = scale_view(rt, old) if subresource == "scale" else old
            patched = self._patched(target, patch_type, patch)
            if subresource == "scale":
                return self._scale(rt, old, patched, manager, dry_run)
            wanted = (patched.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise stale(rt, name)
            if (patched.get("metadata") or {}).get("name") != name:
                raise bad_request("metadata.name may not be changed by a patch")
            return self._commit(rt, old, patched, manager, subresource, dry_run)

    @staticmethod
    def _patched(target: dict[str, Any], patch_type: str, patch: Any) -> dict[str, Any]:
        if patch_type == JSON_PATCH:
            if not isinstance(patch, list):
                raise bad_request("a JSON patch must be a list of operations")
            result = json_patch(target, patch)
        elif not isinstance(patch, dict):
            raise bad_request("the patch must be a JSON object")
        elif patch_type == MERGE:
            result = merge_patch(target, patch)
        else:
            result = strategic_merge(target, patch)
        if not isinstance(result, dict):
            raise bad_request("the patch did not produce an object")
        return result

    def _scale(self, rt: ResourceType, old: dict[str, Any], scale: Any, manager: str,
               dry_run: bool) -> dict[str, Any]:
        if rt not in (r.DEPLOYMENTS, r.REPLICASETS):
            raise not_found(rt, old["metadata"]["name"])
        if not isinstance(scale, dict):
            raise bad_request("the body must be a Scale object")
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise stale(rt, old["metadata"]["name"])
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise bad_request("json: cannot unmarshal into Go struct field ScaleSpec.spec.replicas of type int32")
        if replicas < 0:
            raise ApiError(422, f'Scale.autoscaling "{old["metadata"]["name"]}" is invalid: spec.replicas: '
                                f"Invalid value: {replicas}: must be greater than or equal to 0", "Invalid")
        new = copy.deepcopy(old)
        new.setdefault("spec", {})["replicas"] = replicas
        return scale_view(rt, self._commit(rt, old, new, manager, "scale", dry_run))

    # -- server-side apply ---------------------------------------------------------------------------
    def apply(self, rt: ResourceType, namespace: str, name: str, body: Any, manager: str, force: bool,
              dry_run: bool = False) -> dict[str, Any]:
        if not manager:
            raise ApiError(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                                "required for apply patch", "Invalid")
        if not isinstance(body, dict):
            raise bad_request("the applied configuration must be an object")
        if not body.get("apiVersion") or not body.get("kind"):
            raise bad_request("invalid object type: the applied configuration needs apiVersion and kind")
        body = self._prepare(rt, namespace, body, name)
        with self.store.lock:
            old = self.store.get(rt, namespace if rt.namespaced else "", name)
            merged = fields.apply(rt, old, body, manager, force)
            if old is None:
                return self.create(rt, namespace, None, manager, dry_run, managed=merged)
            wanted = (body.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise stale(rt, name)
            return self._commit(rt, old, merged, manager, "", dry_run, managed=True)

    # -- delete --------------------------------------------------------------------------------------
    def delete(self, rt: ResourceType, namespace: str, name: str, options: dict[str, Any] | None = None,
               dry_run: bool = False) -> dict[str, Any]:
        options = options or {}
        with self.store.lock:
            old = self.get(rt, namespace, name)
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"]["uid"]:
                raise ApiError(409, f"Precondition failed: UID in precondition: {pre['uid']}, UID in object "
                                    f"meta: {old['metadata']['uid']}", "Conflict")
            if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise ApiError(409, f"Precondition failed: ResourceVersion in precondition: "
                                    f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                                    f"{old['metadata']['resourceVersion']}", "Conflict")
            if rt is r.NAMESPACES:
                return self._terminate_namespace(old, dry_run)
            if dry_run:
                return old if rt is r.PODS else success_status(rt, old)
            policy = options.get("propagationPolicy") or "Background"
            if options.get("orphanDependents") is True:
                policy = "Orphan"
            self._cascade(old, policy)
            removed = self.store.remove(rt, old["metadata"].get("namespace", ""), name) or old
            return removed if rt is r.PODS else success_status(rt, removed)

    def _cascade(self, owner: dict[str, Any], policy: str) -> None:
        """Dependents (by ownerReferences) are deleted, or orphaned with policy Orphan."""
        uid, namespace = owner["metadata"]["uid"], owner["metadata"].get("namespace")
        if namespace is None:
            return
        for rt in r.RESOURCES:
            if not rt.namespaced:
                continue
            for dependent in self.store.list(rt, namespace):
                refs = dependent["metadata"].get("ownerReferences") or []
                if not any(ref.get("uid") == uid for ref in refs):
                    continue
                if policy == "Orphan":
                    def orphan(obj: dict[str, Any], owner_uid: str = uid) -> None:
                        obj["metadata"]["ownerReferences"] = [
                            ref for ref in obj["metadata"].get("ownerReferences", []) if ref.get("uid") != owner_uid]

                    self.mutate(rt, namespace, dependent["metadata"]["name"], orphan, "kube-controller-manager")
                else:
                    self._cascade(dependent, policy)
                    self.store.remove(rt, namespace, dependent["metadata"]["name"])

    def _terminate_namespace(self, ns: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        name = ns["metadata"]["name"]
        if name in PROTECTED_NAMESPACES:
            raise ApiError(403, f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                           "Forbidden", {"name": name, "kind": "namespaces"})
        if ns["metadata"].get("deletionTimestamp") or dry_run:
            return ns
        ns["metadata"]["deletionTimestamp"] = rfc3339()
        ns["metadata"]["deletionGracePeriodSeconds"] = 0
        ns.setdefault("status", {})["phase"] = "Terminating"
        return self.store.put(r.NAMESPACES, ns)

    def finalize_namespace(self, name: str) -> None:
        """Delete everything in a terminating namespace, then the namespace (the namespace controller)."""
        with self.store.lock:
            for rt in r.RESOURCES:
                if rt.namespaced:
                    for obj in self.store.list(rt, name):
                        self.store.remove(rt, name, obj["metadata"]["name"])
            self.store.remove(r.NAMESPACES, "", name)

    def delete_collection(self, rt: ResourceType, namespace: str, label_selector: str | None,
                          field_selector: str | None, options: dict[str, Any] | None = None,
                          dry_run: bool = False) -> dict[str, Any]:
        with self.store.lock:
            for obj in self.list(rt, namespace, label_selector, field_selector):
                self.delete(rt, namespace, obj["metadata"]["name"], options, dry_run)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}

    # -- controllers ---------------------------------------------------------------------------------
    def mutate(self, rt: ResourceType, namespace: str, name: str, change: Callable[[dict[str, Any]], Any],
               manager: str, subresource: str = "") -> dict[str, Any] | None:
        """Read-modify-write under the store lock (no conflicts possible); writes only on a change."""
        with self.store.lock:
            old = self.store.get(rt, namespace if rt.namespaced else "", name)
            if old is None:
                return None
            new = copy.deepcopy(old)
            change(new)
            return self._commit(rt, old, new, manager, subresource)


def scale_view(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale of a deployment or replicaset."""
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": selector_to_string((obj.get("spec") or {}).get("selector"))}}

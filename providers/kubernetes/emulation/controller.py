"""The control loop: what kube-controller-manager, the scheduler, the kubelet and a cloud load-balancer
controller would do, one pass every ``period`` seconds.

- Deployments own one ReplicaSet per pod template (``{deployment}-{hash}``); a template change rolls out
  within ``maxSurge`` / ``maxUnavailable`` (Recreate: old first), and the deployment's status and its
  Available / Progressing conditions follow the pods, including ``ProgressDeadlineExceeded`` after
  ``spec.progressDeadlineSeconds`` without progress (:mod:`.rollout`).
- ReplicaSets create and delete pods (``{replicaset}-{rand5}``) to match their replicas.
- Pods move through their lifecycle (:mod:`.pods`), waiting for the Secrets and ConfigMaps they read
  (:mod:`.podconfig`).
- HorizontalPodAutoscalers keep their target's replicas within [minReplicas, maxReplicas] through the
  scale subresource (so the HPA's manager owns ``.spec.replicas``, as upstream).
- LoadBalancer services get an ingress IP ``lb_delay`` seconds after they become LoadBalancers.
- Terminating namespaces are emptied and removed; dependents of vanished owners are deleted.
Every write goes through the registry, so resourceVersions and managedFields stay truthful, and nothing
is written when nothing changed.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import logging
import threading
import time
import uuid
from typing import Any

from cloudorch_providers.kubernetes.emulation import completion, podconfig, rollout
from cloudorch_providers.kubernetes.emulation import pods as kubelet
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.errors import ApiError
from cloudorch_providers.kubernetes.emulation.registry import Registry, random_suffix
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339

log = logging.getLogger(__name__)

CONTROLLER = "kube-controller-manager"
REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")
LB_NETWORK = ipaddress.ip_network("203.0.113.0/24")


def template_hash(template: dict[str, Any]) -> str:
    """A short, stable, label-safe hash of a pod template (the pod-template-hash label)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:10])


def controller_uid(obj: dict[str, Any]) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


def owner_reference(owner: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def set_condition(conditions: list[dict[str, Any]], kind: str, ok: bool, reason: str, message: str,
                  now: str, update_time: bool = True) -> None:
    """Set a condition in place, keeping lastTransitionTime while its status stays the same."""
    status = "True" if ok else "False"
    old = next((c for c in conditions if c.get("type") == kind), None)
    if old and (old.get("status"), old.get("reason"), old.get("message")) == (status, reason, message):
        return
    new = {"type": kind, "status": status, "reason": reason, "message": message}
    if update_time:
        new["lastUpdateTime"] = now
    new["lastTransitionTime"] = old["lastTransitionTime"] if old and old.get("status") == status else now
    if old:
        conditions[conditions.index(old)] = new
    else:
        conditions.append(new)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set an omitempty field: zero values are left out, as the apiserver serialises them."""
    if value:
        target[key] = value
    else:
        target.pop(key, None)


class Controller:
    def __init__(self, registry: Registry, period: float = 0.2, ready_delay: float = 1.0,
                 crash_period: float | None = None, lb_delay: float | None = None):
        self.registry = registry
        self.store = registry.store
        self.period = period
        self.ready_delay = ready_delay
        self.crash_period = crash_period if crash_period is not None else max(ready_delay, 0.2)
        self.lb_delay = lb_delay if lb_delay is not None else ready_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        from cloudorch_providers.kubernetes.emulation.jobs_controller import JobControllers

        self.batch = JobControllers(self)
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------------------
    def reset(self) -> None:
        self.born: dict[str, float] = {}  # pod uid -> creation time (finer than creationTimestamp)
        self.unblocked: dict[str, float] = {}  # pod uid -> when its Secrets and ConfigMaps were all found
        self.pod_ips: dict[str, str] = {}
        self.lb_since: dict[str, float] = {}
        self.progress: dict[str, float] = {}  # deployment uid -> when its rollout last made progress
        self.reported: set[tuple[str, ...]] = set()
        #: seconds the CronJob clock runs ahead of real time (``POST /_cloudorch/clock``)
        self.clock_offset = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kube-emulator-controller", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.tick()
            except ApiError as exc:  # a pass racing a reset or a namespace deletion: the next pass settles
                log.debug("kube emulator controller pass skipped: %s", exc)
            except Exception:  # keep the loop alive whatever a pass meets
                log.exception("kube emulator controller pass failed")

    def tick(self) -> None:
        now = time.time()
        self.namespaces()
        self.garbage_collect()
        self.autoscalers(now)
        for deployment in self.store.list(r.DEPLOYMENTS):
            self.sync_deployment(deployment, now)
        for replicaset in self.store.list(r.REPLICASETS):
            self.sync_replicaset(replicaset)
        self.batch.tick(now)
        self.kubelet(now)
        self.load_balancers(now)

    # -- events --------------------------------------------------------------------------------------
    def event(self, obj: dict[str, Any], reason: str, message: str, component: str, warning: bool = False,
              once: tuple[str, ...] | None = None) -> None:
        """Record an Event about ``obj``; with ``once``, only the first time that key is seen, later
        occurrences bumping the count of the same event."""
        meta = obj["metadata"]
        key = once or ()
        if once and key in self.reported:
            return
        if once:
            self.reported.add(key)
        stamp = rfc3339()
        event = {"metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:16]}"},
                 "involvedObject": {"kind": obj["kind"], "namespace": meta.get("namespace"),
                                    "name": meta["name"], "uid": meta.get("uid"),
                                    "apiVersion": obj["apiVersion"],
                                    "resourceVersion": meta.get("resourceVersion")},
                 "reason": reason, "message": message, "source": {"component": component},
                 "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
                 "type": "Warning" if warning else "Normal", "reportingComponent": component,
                 "reportingInstance": ""}
        try:
            self.registry.create(r.EVENTS, meta.get("namespace") or "default", event, component)
        except ApiError:
            pass  # the namespace went away meanwhile

    # -- namespaces and garbage collection -----------------------------------------------------------
    def namespaces(self) -> None:
        for ns in self.store.list(r.NAMESPACES):
            if ns["metadata"].get("deletionTimestamp"):
                self.registry.finalize_namespace(ns["metadata"]["name"])

    def garbage_collect(self) -> None:
        with self.store.lock:
            owned = [(rt, o) for rt in r.RESOURCES if rt.namespaced and rt is not r.EVENTS
                     for o in self.store.scan(rt) if o["metadata"].get("ownerReferences")]
            if not owned:
                return
            uids = {o["metadata"].get("uid") for rt in r.RESOURCES if rt.namespaced for o in self.store.scan(rt)}
            for rt, obj in owned:
                if not any(ref.get("uid") in uids for ref in obj["metadata"]["ownerReferences"]):
                    self.store.remove(rt, obj["metadata"]["namespace"], obj["metadata"]["name"])

    # -- autoscalers ---------------------------------------------------------------------------------
    def autoscalers(self, now: float) -> None:
        for hpa in self.store.list(r.HPAS):
            meta, spec = hpa["metadata"], hpa.get("spec") or {}
            ns, ref = meta["namespace"], spec.get("scaleTargetRef") or {}
            low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
            target = self.store.get(r.DEPLOYMENTS, ns, ref.get("name", "")) if ref.get("kind") == "Deployment" \
                else None
            status: dict[str, Any] = copy.deepcopy(hpa.get("status") or {})
            conditions = status.setdefault("conditions", [])
            stamp = rfc3339(now)
            if target is None:
                status["desiredReplicas"] = status.get("desiredReplicas", 0)
                set_condition(conditions, "AbleToScale", False, "FailedGetScale",
                              f"the HPA controller was unable to get the target's current scale: "
                              f'{ref.get("kind", "").lower()}s/scale.apps "{ref.get("name")}" not found', stamp,
                              update_time=False)
            else:
                current = (target.get("spec") or {}).get("replicas", 1)
                desired = min(max(current, low), high)
                if desired != current:
                    self.registry.mutate(r.DEPLOYMENTS, ns, ref["name"],
                                         lambda d, n=desired: d["spec"].__setitem__("replicas", n), CONTROLLER,
                                         "scale")
                    status["lastScaleTime"] = stamp
                    why = "below Spec.MinReplicas" if desired > current else "above Spec.MaxReplicas"
                    self.event(hpa, "SuccessfulRescale", f"New size: {desired}; reason: Current number of "
                               f"replicas {why}", "horizontal-pod-autoscaler")
                status["desiredReplicas"] = desired
                _put(status, "currentReplicas", (target.get("status") or {}).get("replicas", 0))
                set_condition(conditions, "AbleToScale", True, "ReadyForNewScale",
                              "recommended size matches current size", stamp, update_time=False)
                set_condition(conditions, "ScalingActive", True, "ValidMetricFound",
                              "the HPA was able to successfully calculate a replica count from cpu resource "
                              "utilization (percentage of request)", stamp, update_time=False)
                limited = current < low or current > high
                set_condition(conditions, "ScalingLimited", limited,
                              ("TooFewReplicas" if current < low else "TooManyReplicas") if limited
                              else "DesiredWithinRange",
                              "the desired replica count is " + (
                                  "less than the minimum replica count" if current < low else
                                  "more than the maximum replica count" if current > high else
                                  "within the acceptable range"), stamp, update_time=False)
            status["observedGeneration"] = meta.get("generation", 1)
            if status == hpa.get("status"):
                continue
            self.registry.mutate(r.HPAS, ns, meta["name"], lambda h, s=status: h.__setitem__("status", s),
                                 CONTROLLER, "status")

    # -- deployments ---------------------------------------------------------------------------------
    def _owned(self, rt: r.ResourceType, namespace: str, uid: str) -> list[dict[str, Any]]:
        """Copies of the objects ``uid`` controls, by name (only those are copied: a pass over 50
        deployments copying every pod for each one was quadratic)."""
        with self.store.lock:
            found = [o for o in self.store.scan(rt)
                     if o["metadata"].get("namespace") == namespace and controller_uid(o) == uid]
            return [copy.deepcopy(o) for o in sorted(found, key=lambda o: o["metadata"]["name"])]

    def _scale_replicaset(self, deployment: dict[str, Any], rs: dict[str, Any], replicas: int) -> None:
        before = rs["spec"].get("replicas", 0)
        if before == replicas:
            return
        self.registry.mutate(r.REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"],
                             lambda o: o["spec"].__setitem__("replicas", replicas), CONTROLLER)
        rs["spec"]["replicas"] = replicas
        way = "up" if replicas > before else "down"
        self.event(deployment, "ScalingReplicaSet", f"Scaled {way} replica set {rs['metadata']['name']} from "
                   f"{before} to {replicas}", "deployment-controller")

    def _new_replicaset(self, deployment: dict[str, Any], pod_hash: str, revision: int) -> dict[str, Any]:
        meta, spec = deployment["metadata"], deployment["spec"]
        template = copy.deepcopy(spec["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = copy.deepcopy(spec["selector"])
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        body = {"metadata": {"name": f"{meta['name']}-{pod_hash}", "labels": template["metadata"]["labels"],
                             "annotations": {"deployment.kubernetes.io/desired-replicas": str(spec["replicas"]),
                                             REVISION: str(revision)},
                             "ownerReferences": [owner_reference(deployment)]},
                "spec": {"replicas": 0, "selector": selector, "template": template,
                         **({"minReadySeconds": spec["minReadySeconds"]} if "minReadySeconds" in spec else {})}}
        return self.registry.create(r.REPLICASETS, meta["namespace"], body, CONTROLLER)

    def sync_deployment(self, deployment: dict[str, Any], now: float) -> None:
        meta, spec = deployment["metadata"], deployment.get("spec") or {}
        ns, uid, desired = meta["namespace"], meta["uid"], spec.get("replicas", 1)
        pod_hash = template_hash(spec.get("template") or {})
        replicasets = self._owned(r.REPLICASETS, ns, uid)
        revisions = [int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)) for rs in replicasets]
        new = next((rs for rs in replicasets if rs["metadata"].get("labels", {}).get(HASH_LABEL) == pod_hash), None)
        created = new is None
        if new is None:
            try:
                new = self._new_replicaset(deployment, pod_hash, max(revisions, default=0) + 1)
            except ApiError:
                return  # e.g. the namespace is terminating
        elif int(new["metadata"].get("annotations", {}).get(REVISION, 0)) < max(revisions, default=0):
            revision = str(max(revisions) + 1)  # rolled back to an older template
            self.registry.mutate(r.REPLICASETS, ns, new["metadata"]["name"],
                                 lambda o: o["metadata"].setdefault("annotations", {}).__setitem__(REVISION,
                                                                                                    revision),
                                 CONTROLLER)
            new["metadata"]["annotations"][REVISION] = revision
        old = [rs for rs in replicasets if rs["metadata"]["uid"] != new["metadata"]["uid"]]
        pods = {rs["metadata"]["uid"]: self._owned(r.PODS, ns, rs["metadata"]["uid"]) for rs in replicasets + [new]}

        def view(rs: dict[str, Any]) -> rollout.RS:
            return rollout.RS(rs["metadata"]["name"], rs["spec"].get("replicas", 0),
                              sum(1 for p in pods[rs["metadata"]["uid"]] if _ready(p)),
                              int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)))

        if (spec.get("strategy") or {}).get("type") == "Recreate":
            for rs in old:
                self._scale_replicaset(deployment, rs, 0)
            if not any(pods[rs["metadata"]["uid"]] for rs in old):
                self._scale_replicaset(deployment, new, desired)
        else:  # one step per pass, as the deployment controller: scale up first, else scale down
            surge, unavailable = rollout.fenceposts(spec)
            size = rollout.new_replicas(desired, surge, [view(rs) for rs in old + [new]], view(new))
            if size != new["spec"].get("replicas", 0):
                self._scale_replicaset(deployment, new, size)
            else:
                by_name = {rs["metadata"]["name"]: rs for rs in old}
                for name, replicas in rollout.old_scale_down(desired, unavailable, [view(rs) for rs in old],
                                                             view(new)).items():
                    self._scale_replicaset(deployment, by_name[name], replicas)
        self._trim_history(spec.get("revisionHistoryLimit", 10), old)

        revision = new["metadata"].get("annotations", {}).get(REVISION)
        if (meta.get("annotations") or {}).get(REVISION) != revision:
            self.registry.mutate(r.DEPLOYMENTS, ns, meta["name"], lambda d: d["metadata"].setdefault(
                "annotations", {}).__setitem__(REVISION, revision), CONTROLLER)
        self._deployment_status(deployment, new, pods, now, created)

    def _trim_history(self, limit: int, old: list[dict[str, Any]]) -> None:
        idle = sorted((rs for rs in old if not rs["spec"].get("replicas") and not rs.get("status", {}).get("replicas")),
                      key=lambda rs: int(rs["metadata"].get("annotations", {}).get(REVISION, 0)))
        for rs in idle[:max(len(idle) - limit, 0)]:
            self.store.remove(r.REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])

    def _deployment_status(self, deployment: dict[str, Any], new: dict[str, Any],
                           pods: dict[str, list[dict[str, Any]]], now: float, created: bool) -> None:
        meta = deployment["metadata"]
        everyone = [p for group in pods.values() for p in group]
        ready = sum(1 for p in everyone if _ready(p))
        counts = {"replicas": len(everyone), "updated": len(pods[new["metadata"]["uid"]]), "ready": ready,
                  "available": ready}
        seen = self.progress.get(meta["uid"])
        status, progressed = rollout.deployment_status(deployment, new["metadata"]["name"], created, counts, now,
                                                       rfc3339(now), seen)
        self.progress[meta["uid"]] = progressed
        if status == deployment.get("status"):
            return
        self.registry.mutate(r.DEPLOYMENTS, meta["namespace"], meta["name"],
                             lambda d: d.__setitem__("status", status), CONTROLLER, "status")

    # -- replicasets ---------------------------------------------------------------------------------
    def sync_replicaset(self, rs: dict[str, Any]) -> None:
        meta, spec = rs["metadata"], rs.get("spec") or {}
        ns, want = meta["namespace"], spec.get("replicas", 1)
        pods = self._owned(r.PODS, ns, meta["uid"])
        for _ in range(want - len(pods)):
            pods.append(self._create_pod(rs))
        if len(pods) > want:
            # delete the least useful first: not ready before ready, newest before oldest
            ranked = sorted(pods, key=lambda p: (_ready(p), -self.born.get(p["metadata"]["uid"], 0.0)))
            for pod in ranked[:len(pods) - want]:
                self.registry.delete(r.PODS, ns, pod["metadata"]["name"])
                self.event(rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", "replicaset-controller")
                pods.remove(pod)
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
                  "observedGeneration": meta.get("generation", 1)}
        ready = sum(1 for p in pods if _ready(p))
        _put(status, "readyReplicas", ready)
        _put(status, "availableReplicas", ready)
        _put(status, "fullyLabeledReplicas", len(pods))
        if status == rs.get("status"):
            return
        self.registry.mutate(r.REPLICASETS, ns, meta["name"], lambda o: o.__setitem__("status", status), CONTROLLER,
                             "status")

    def _create_pod(self, rs: dict[str, Any], component: str = "replicaset-controller") -> dict[str, Any]:
        """A pod from the owner's (a ReplicaSet's or a Job's) template, owned by it."""
        template = copy.deepcopy(rs["spec"]["template"])
        name = f"{rs['metadata']['name']}-{random_suffix()}"
        spec = template.get("spec") or {}
        spec.update(nodeName=kubelet.NODE_NAME, serviceAccountName=spec.get("serviceAccountName", "default"),
                    serviceAccount=spec.get("serviceAccountName", "default"), priority=0,
                    enableServiceLinks=True, preemptionPolicy="PreemptLowerPriority")
        spec.setdefault("tolerations", [
            {"key": f"node.kubernetes.io/{taint}", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300} for taint in ("not-ready", "unreachable")])
        body = {"metadata": {"name": name, "generateName": f"{rs['metadata']['name']}-",
                             "labels": (template.get("metadata") or {}).get("labels") or {},
                             "ownerReferences": [owner_reference(rs)]},
                "spec": spec,
                "status": {"phase": "Pending", "qosClass": kubelet.qos_class(spec), "conditions": [
                    {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                     "lastTransitionTime": rfc3339()}]}}
        annotations = (template.get("metadata") or {}).get("annotations")
        if annotations:
            body["metadata"]["annotations"] = annotations
        pod = self.registry.create(r.PODS, rs["metadata"]["namespace"], body, CONTROLLER, keep_status=True)
        self.born[pod["metadata"]["uid"]] = time.time()
        self.event(rs, "SuccessfulCreate", f"Created pod: {name}", component)
        self.event(pod, "Scheduled", f"Successfully assigned {pod['metadata']['namespace']}/{name} to "
                   f"{kubelet.NODE_NAME}", "default-scheduler")
        return pod

    # -- kubelet -------------------------------------------------------------------------------------
    def pod_ip(self, uid: str) -> str:
        if uid not in self.pod_ips:
            self.pod_ips[uid] = str(POD_NETWORK.network_address + 2 + len(self.pod_ips) % 65000)
        return self.pod_ips[uid]

    def _lookup(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.store.get(r.SECRETS if kind == "Secret" else r.CONFIGMAPS, namespace, name)

    def pod_config(self, pod: dict[str, Any]) -> podconfig.PodConfig:
        return podconfig.check(pod, self._lookup)

    def start_base(self, pod: dict[str, Any], config: podconfig.PodConfig, now: float) -> float:
        """The time a pod's containers count their start from: its creation, or, when the kubelet had to
        wait for a Secret or ConfigMap, shortly before that wait ended (so they start ready_delay/2 later)."""
        uid = pod["metadata"]["uid"]
        born = self.born.setdefault(uid, now)
        if config.blocked:
            self.unblocked.pop(uid, None)
            return born
        return max(born, self.unblocked.setdefault(uid, now) - self.ready_delay / 2)

    def kubelet(self, now: float) -> None:
        alive = set()
        for pod in self.store.list(r.PODS):
            meta = pod["metadata"]
            alive.add(meta["uid"])
            config = self.pod_config(pod)
            born = self.start_base(pod, config, now)
            if completion.runs_to_completion(pod) and not config.blocked:
                status = completion.pod_status(pod, born, now, self.ready_delay, self.pod_ip(meta["uid"]),
                                               kubelet.qos_class(pod.get("spec") or {}))
            else:
                status = kubelet.pod_status(pod, born, now, self.ready_delay, self.crash_period,
                                            self.pod_ip(meta["uid"]), config)
            self._pod_events(pod, status, config)
            if status == pod.get("status"):
                continue
            self.registry.mutate(r.PODS, meta["namespace"], meta["name"], lambda p, s=status: p.__setitem__(
                "status", s), "kubelet", "status")
        for uid in set(self.born) - alive:
            self.born.pop(uid, None)
            self.unblocked.pop(uid, None)
            self.pod_ips.pop(uid, None)
        self.reported = {key for key in self.reported if key[0] in alive}

    def _pod_events(self, pod: dict[str, Any], status: dict[str, Any], config: podconfig.PodConfig) -> None:
        uid = pod["metadata"]["uid"]
        if config.mount_error:
            self.event(pod, "FailedMount", config.mount_error, "kubelet", warning=True,
                       once=(uid, "mount", config.mount_error))
        for name, message in config.containers.items():
            self.event(pod, "Failed", f"Error: {message}", "kubelet", warning=True, once=(uid, name, message))
        for container in status.get("containerStatuses") or []:
            name, image = container["name"], container["image"]
            waiting = (container.get("state") or {}).get("waiting") or {}
            if (container.get("state") or {}).get("running"):
                self.event(pod, "Pulled", f'Container image "{image}" already present on machine', "kubelet",
                           once=(uid, name, "pulled"))
                self.event(pod, "Created", f"Created container: {name}", "kubelet", once=(uid, name, "created"))
                self.event(pod, "Started", f"Started container {name}", "kubelet", once=(uid, name, "started"))
            elif waiting.get("reason") == "ImagePullBackOff":
                self.event(pod, "Failed", f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
                           f"failed to pull and unpack image: {image}: not found", "kubelet", warning=True,
                           once=(uid, name, "pullfailed"))
                self.event(pod, "BackOff", f'Back-off pulling image "{image}"', "kubelet", warning=True,
                           once=(uid, name, "pullbackoff"))
            elif waiting.get("reason") == "CrashLoopBackOff":
                self.event(pod, "BackOff", f"Back-off restarting failed container {name} in pod "
                           f"{pod['metadata']['name']}_{pod['metadata']['namespace']}({uid})", "kubelet",
                           warning=True, once=(uid, name, "crash"))

    # -- load balancers ------------------------------------------------------------------------------
    def load_balancers(self, now: float) -> None:
        for svc in self.store.list(r.SERVICES):
            meta, spec = svc["metadata"], svc.get("spec") or {}
            ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
            if spec.get("type") == "LoadBalancer":
                since = self.lb_since.setdefault(meta["uid"], now)
                if not ingress and now - since >= self.lb_delay:
                    address = str(LB_NETWORK.network_address + 10 + len(self.lb_since) % 240)
                    status = {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}
                    self.registry.mutate(r.SERVICES, meta["namespace"], meta["name"],
                                         lambda s, st=status: s.__setitem__("status", st),
                                         "cloud-controller-manager", "status")
                    self.event(svc, "EnsuredLoadBalancer", "Ensured load balancer", "service-controller")
            else:
                self.lb_since.pop(meta["uid"], None)
                if ingress:
                    self.registry.mutate(r.SERVICES, meta["namespace"], meta["name"], lambda s: s.__setitem__(
                        "status", {"loadBalancer": {}}), "cloud-controller-manager", "status")


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])

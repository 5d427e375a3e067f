"""Kubernetes status: each service's Deployment, its ReplicaSets and pods, and its Service, mapped onto
the common model. Four list calls per poll (by the app's labels), whatever the number of services.

The facts (:class:`cloudorch.live.health.Facts`; the state follows from them by the kit's one
precedence, :func:`cloudorch.live.health.classify`):

- settled: the controller has seen the latest spec (``observedGeneration >= generation``);
- running: ``availableReplicas``; present: ``replicas`` (old pods included); rolling: fewer
  ``updatedReplicas`` than desired, or more replicas than desired (old pods left);
- failures: a pod of the current revision (the newest ReplicaSet) has a container waiting in
  CrashLoopBackOff, ImagePullBackOff (or ErrImagePull, CreateContainerConfigError...), named with the
  pod, container and reason, and a missing spec secret with the command that stores it. Pods of older
  revisions do not count, so deploying a fix over a crash-looping version is not failed by the pods
  it replaces;
- gave up: the Progressing condition's reason is ProgressDeadlineExceeded;
- both, during a rollout, say that the new revision failed and which older revision (image) still
  serves, or that none does (:mod:`.diagnosis`);
- waiting: the first pod that is not ready, with why (unschedulable, ContainerCreating...).
- Endpoints: ``{ip}:{port}`` of the LoadBalancer's ingress for public ports (``{node ip}:{nodePort}``
  for ``NodePort``), ``{service}.{namespace}.svc:{port}`` for the others.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudorch.live import health
from cloudorch.provider import AppStatus, ServiceStatus, State
from cloudorch_providers.kubernetes import meta
from cloudorch_providers.kubernetes.live.clients import Kube
from cloudorch_providers.kubernetes.live.diagnosis import SecretIndex, new_revision_failed
from cloudorch_providers.kubernetes.live.state import DEPLOYMENT, SERVICE, list_owned, owner_selector, read_namespace

REVISION = "deployment.kubernetes.io/revision"
FAILING = frozenset({"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                     "CreateContainerConfigError", "CreateContainerError", "RunContainerError"})


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _owner_uids(obj: dict[str, Any]) -> set[str]:
    return {ref.get("uid") for ref in _meta(obj).get("ownerReferences") or []}


def _revision(obj: dict[str, Any]) -> int:
    try:
        return int((_meta(obj).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def failures(pod: dict[str, Any], secrets: SecretIndex | None = None) -> list[str]:
    """``pod P container C: Reason (message)`` for each container of ``pod`` that cannot run; a missing
    secret is named with the command that stores it (see :mod:`.diagnosis`)."""
    found = []
    status = pod.get("status") or {}
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in FAILING:
            detail = f" ({waiting['message']})" if waiting.get("message") else ""
            line = f"pod {_meta(pod).get('name')} container {cs.get('name')}: {waiting['reason']}{detail}"
            explained = secrets.explain(waiting.get("message", "")) if secrets else None
            found.append(f"{explained}; {line}" if explained else line)
    return found


def pending_reason(pod: dict[str, Any]) -> str:
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return f"{condition.get('reason', 'Unschedulable')}: {condition.get('message', '')}".rstrip(": ")
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            return waiting["reason"]
    return status.get("phase", "Pending")


def endpoints(name: str, namespace: str, spec: Any, service: dict[str, Any] | None,
              node_ips: list[str]) -> list[str]:
    if service is None:
        return []
    kind = (service.get("spec") or {}).get("type", "ClusterIP")
    public_ports = {p.outside for p in spec.ports if p.public} if spec is not None else set()
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    addresses = [i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")]
    found = []
    for port in (service.get("spec") or {}).get("ports") or []:
        number = port.get("port")
        if number in public_ports and kind == "LoadBalancer":
            found += [f"{address}:{number}" for address in addresses]
        elif number in public_ports and kind == "NodePort" and port.get("nodePort"):
            found += [f"{ip}:{port['nodePort']}" for ip in node_ips]
        else:
            found.append(f"{name}.{namespace}.svc:{number}")
    return found


def _address_pending(spec: Any, service: dict[str, Any] | None) -> bool:
    if spec is None or service is None or not any(p.public for p in spec.ports):
        return False
    if (service.get("spec") or {}).get("type") != "LoadBalancer":
        return False
    return not ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress")


def service_status(name: str, namespace: str, spec: Any, deployment: dict[str, Any] | None,
                   replicasets: list[dict[str, Any]], pods: list[dict[str, Any]], service: dict[str, Any] | None,
                   node_ips: list[str], secrets: SecretIndex | None = None) -> ServiceStatus:
    if deployment is None:
        return health.service_status(name, None, desired=spec.desired_replicas if spec else 0)
    dspec, dstatus, dmeta = deployment.get("spec") or {}, deployment.get("status") or {}, _meta(deployment)
    desired = int(dspec.get("replicas", 1))
    containers = ((dspec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    main = next((c for c in containers if c.get("name") == name), containers[0])
    mine = [rs for rs in replicasets if dmeta.get("uid") in _owner_uids(rs)]
    current = max(mine, key=_revision, default=None)
    rs_uids = {_meta(rs).get("uid") for rs in mine}
    alive = [p for p in pods if _owner_uids(p) & rs_uids and not _meta(p).get("deletionTimestamp")]
    fresh = [p for p in alive if current is not None and _meta(current).get("uid") in _owner_uids(p)]
    failing = [line for pod in fresh for line in failures(pod, secrets)]
    waiting = [p for p in alive if not _ready(p) and not failures(p)]
    updated, available = int(dstatus.get("updatedReplicas", 0)), int(dstatus.get("availableReplicas", 0))
    total = int(dstatus.get("replicas", 0))
    stalled = next((c for c in dstatus.get("conditions") or [] if c.get("type") == "Progressing"
                    and c.get("reason") == "ProgressDeadlineExceeded"), None)
    rolling = updated < desired or total > desired
    ready: dict[str, int] = {}
    for pod in alive:
        for uid in _owner_uids(pod):
            ready[uid] = ready.get(uid, 0) + (1 if _ready(pod) else 0)
    older_pods = any(p not in fresh for p in alive)

    def in_rollout(why: str) -> str:
        return new_revision_failed(current, mine, ready, name, why, older_pods or updated < desired)

    more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
    facts = health.Facts(
        desired=desired, running=available, pending=len(waiting),
        failed=len({line.split(" container ")[0] for line in failing}),
        failures=[in_rollout(failing[0] + more)] if failing else [],
        gave_up="" if stalled is None else
        in_rollout(f"ProgressDeadlineExceeded: {stalled.get('message', 'the rollout made no progress')}"),
        settled=int(dstatus.get("observedGeneration", 0)) >= int(dmeta.get("generation", 0)),
        rolling=rolling, present=total,
        progress=f"rolling out: {updated} of {desired} updated, {available} available" if rolling and desired else "",
        waiting=f"pod {_meta(waiting[0]).get('name')}: {pending_reason(waiting[0])}" if waiting else "",
    )
    if not facts.settled:
        facts.progress = "waiting for the deployment controller"
    result = health.service_status(
        name, facts, image=main.get("image", ""), revision=str(_revision(deployment) or ""),
        endpoints=endpoints(name, namespace, spec, service, node_ips),
        extra={"namespace": namespace, "deployment": dmeta.get("name"),
               "ready": int(dstatus.get("readyReplicas", 0)), "updated": updated})
    if result.state is State.HEALTHY and _address_pending(spec, service):
        result.message = "waiting for the load balancer's address"
    return result


def app_status(kube: Kube, provider: str, app: Any, namespace: str, names: list[str],
               secrets: SecretIndex | None = None) -> AppStatus:
    def missing() -> AppStatus:
        return AppStatus(app.name, provider, [service_status(n, namespace, app.services.get(n), None, [], [], None, [])
                                              for n in names])

    ns = read_namespace(kube, namespace)
    if ns is None:
        return missing()
    selector = owner_selector(app.name)
    doing = f"reading the status of app {app.name} in namespace {namespace}"
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="kube-status") as pool:
        deployments = pool.submit(list_owned, kube, DEPLOYMENT, namespace, app.name)
        services = pool.submit(list_owned, kube, SERVICE, namespace, app.name)
        # a list answered 404 (a proxy or an apiserver restarting) reads as empty: the services look not
        # ready yet, and the next poll sees them again
        replicasets = pool.submit(kube.call, doing, "apps", "list_namespaced_replica_set", namespace,
                                  label_selector=selector, missing_ok=True)
        pods = pool.submit(kube.call, doing, "core", "list_namespaced_pod", namespace, label_selector=selector,
                           missing_ok=True)
        deployments, services = deployments.result(), services.result()
        replicasets, pods = (replicasets.result() or {}).get("items") or [], (pods.result() or {}).get("items") or []
    node_ips: list[str] = []
    if any(((s.get("spec") or {}).get("type") == "NodePort") for s in services.values()):
        nodes = kube.call("listing the cluster's nodes", "core", "list_node").get("items") or []
        for node in nodes:
            addresses = (node.get("status") or {}).get("addresses") or []
            by_type = {a.get("type"): a.get("address") for a in addresses}
            ip = by_type.get("ExternalIP") or by_type.get("InternalIP")
            if ip:
                node_ips.append(ip)

    def of(items: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
        return [i for i in items if (_meta(i).get("labels") or {}).get(meta.SERVICE_KEY) == service]

    statuses = [service_status(n, namespace, app.services.get(n), deployments.get(n), of(replicasets, n),
                               of(pods, n), services.get(n), node_ips, secrets) for n in names]
    return AppStatus(app.name, provider, statuses)

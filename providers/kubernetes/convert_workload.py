"""A spec service as an ``apps/v1`` Deployment.

- ``replicas`` -> ``spec.replicas``, except under ``autoscale``: then the field is left out, so
  the HorizontalPodAutoscaler alone owns the count and a (server-side) apply never resets it.
  Kubernetes creates such a Deployment with 1 replica and the HPA raises it to ``min`` at once.
- Updates roll: ``RollingUpdate`` with ``maxUnavailable: 0`` and ``maxSurge: 25%`` (at least one
  extra pod): no serving replica is removed before its replacement is ready.
- Containers: the service's own container (named after the service, first, and the default one
  for ``kubectl logs/exec`` through the ``kubectl.kubernetes.io/default-container`` annotation),
  then the sidecars in spec order.
- ``command`` / ``args`` -> ``command`` / ``args``: they replace the image's ENTRYPOINT / CMD
  (with ``command`` alone the image's CMD is dropped, as with Docker's ``--entrypoint``). An empty
  list means "not set". Kubernetes expands ``$(VAR)`` in command, args and env values; the spec's
  strings are literal, so every ``$`` followed by ``$`` or ``(`` is doubled (``$(HOME)`` is sent as
  ``$$(HOME)`` and reaches the process unchanged).
- ``env`` -> ``env`` entries sorted by name, ``secrets`` -> ``env[].valueFrom.secretKeyRef`` (the
  Secret and key from the provider settings; a value is never written).
- ``ports`` -> ``containerPort`` with ``protocol`` TCP (``tcp``, ``http``) or UDP and the name
  ``{protocol}-{port}`` (e.g. ``http-80``) that the Service's ports reuse.
- ``resources`` -> per container ``requests`` = ``limits`` for cpu and memory (canonical
  quantities: ``250m``, ``1``, ``512Mi``, ``2Gi``). Equal cpu limits match what ECS and ACI give a
  container (a fixed share), make the pod Guaranteed QoS (evicted last), and give the autoscaler
  its reference (utilization is a share of the cpu request).
- ``volumes`` -> ``emptyDir`` volumes mounted at their paths; a sidecar mounts the service volume
  of the same name at its own path. They live as long as the pod and survive container restarts.
- ``image_pull_secret`` -> ``imagePullSecrets`` (the Secret from the provider settings).
- Secure by default: pod ``seccompProfile: RuntimeDefault``, ``automountServiceAccountToken:
  false`` (no API credentials in the containers), ``enableServiceLinks: false`` (services find
  each other by DNS name, not by injected ``*_SERVICE_HOST`` variables), and every container
  ``allowPrivilegeEscalation: false``, ``privileged: false``. The spec's ``security`` block hardens
  the service's own container: ``runAsUser`` (+ ``runAsNonRoot: true`` when it is not 0),
  ``runAsGroup``, ``readOnlyRootFilesystem``, ``capabilities: {drop: [ALL]}``; sidecars keep
  their images' users, since they are other images.
- ``depends_on`` is recorded in the annotation ``cloudorch.io/depends-on`` (service names only,
  nothing secret); Kubernetes has no start order, the engine applies in dependency order.
"""

from __future__ import annotations

import re
from typing import Any

from cloudorch.spec.models import Container, Resources, Security, Service, Sidecar
from cloudorch.spec.units import millicores
from cloudorch_providers.kubernetes.convert_probes import probes
from cloudorch_providers.kubernetes.meta import DEFAULT_CONTAINER_KEY, DEPENDS_ON_KEY, Target

MAX_UNAVAILABLE = 0
MAX_SURGE = "25%"
_EXPANSION = re.compile(r"\$(?=[$(])")


def literal(text: str) -> str:
    """``text`` escaped so that Kubernetes' ``$(VAR)`` expansion gives it back unchanged."""
    return _EXPANSION.sub("$$", text)


def cpu_quantity(cpu: float) -> str:
    milli = millicores(cpu)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def memory_quantity(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def port_name(protocol: str, port: int) -> str:
    return f"{protocol}-{port}"


def resources(res: Resources) -> dict[str, Any]:
    amounts = {"cpu": cpu_quantity(res.cpu), "memory": memory_quantity(res.memory)}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def env(target: Target, container: Container) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [{"name": k, "value": literal(v)} for k, v in container.env.items()]
    for var, secret in container.secrets.items():
        name, key = target.settings.secret_ref(target.app.name, secret)
        entries.append({"name": var, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}})
    return sorted(entries, key=lambda e: e["name"])


def security_context(security: Security | None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"allowPrivilegeEscalation": False, "privileged": False}
    if security is None:
        return ctx
    if security.run_as_user is not None:
        ctx["runAsUser"] = security.run_as_user
        if security.run_as_user > 0:
            ctx["runAsNonRoot"] = True
    if security.run_as_group is not None:
        ctx["runAsGroup"] = security.run_as_group
    if security.read_only_root:
        ctx["readOnlyRootFilesystem"] = True
    if security.drop_capabilities:
        ctx["capabilities"] = {"drop": ["ALL"]}
    return ctx


def container(target: Target, name: str, spec: Service | Sidecar) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "image": spec.image}
    if spec.command:
        body["command"] = [literal(a) for a in spec.command]
    if spec.args:
        body["args"] = [literal(a) for a in spec.args]
    if spec.env or spec.secrets:
        body["env"] = env(target, spec)
    body["resources"] = resources(spec.resources)
    if spec.volumes:
        body["volumeMounts"] = [{"name": v.name, "mountPath": v.path} for v in spec.volumes]
    if isinstance(spec, Service):
        if spec.ports:
            body["ports"] = [
                {"name": port_name(p.protocol, p.port), "containerPort": p.port,
                 "protocol": "UDP" if p.protocol == "udp" else "TCP"}
                for p in spec.ports
            ]
        body.update(probes(spec.health))
        body["securityContext"] = security_context(spec.security)
    else:
        body["securityContext"] = security_context(None)
    return body


def pod_spec(target: Target, name: str, service: Service) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
    }
    if service.image_pull_secret:
        pod["imagePullSecrets"] = [{"name": target.settings.pull_secret(service.image_pull_secret)}]
    pod["containers"] = [container(target, name, service)] + [
        container(target, s.name, s) for s in service.sidecars
    ]
    if service.volumes:
        pod["volumes"] = [{"name": v.name, "emptyDir": {}} for v in service.volumes]
    return pod


def deployment(target: Target, name: str, service: Service) -> dict[str, Any]:
    annotations = {DEPENDS_ON_KEY: ",".join(service.depends_on)} if service.depends_on else None
    spec: dict[str, Any] = {}
    if service.autoscale is None:
        spec["replicas"] = service.replicas
    spec["selector"] = {"matchLabels": target.selector(name)}
    spec["strategy"] = {"type": "RollingUpdate",
                        "rollingUpdate": {"maxUnavailable": MAX_UNAVAILABLE, "maxSurge": MAX_SURGE}}
    spec["template"] = {
        "metadata": {"labels": target.labels(name), "annotations": {DEFAULT_CONTAINER_KEY: name}},
        "spec": pod_spec(target, name, service),
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": target.metadata(name, name, annotations), "spec": spec}

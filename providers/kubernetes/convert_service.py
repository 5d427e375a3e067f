"""A spec service's ports as a ``v1`` Service named after the service (only when it has ports).

- Type ``ClusterIP`` when no port is public: reachable inside the cluster as ``{service}`` (and
  ``{service}.{namespace}.svc``), which is how services reach each other by name.
- Type ``LoadBalancer`` (or ``NodePort``, setting ``service_type_public``) when any port is
  public. A Service has one type, so every port of the service is then reachable from outside,
  including ports not marked public; ``validate`` reports this as lossy. It keeps its cluster-
  internal name and address too.
- Each port: ``name`` ``{protocol}-{port}``, ``port`` = ``targetPort`` = the spec port,
  ``protocol`` TCP or UDP, and ``appProtocol: http`` for ``protocol: http`` (a hint that load
  balancers and service meshes use; the traffic itself is TCP). A public port with another
  ``published`` number gets a second Service port ``pub-{published}`` with that number and the same
  targetPort: the load balancer serves it there, and the app's services keep using the port itself.
- The selector is the Deployment's: ``cloudorch.io/app`` + ``cloudorch.io/service``.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import Service
from cloudorch_providers.kubernetes.convert_workload import port_name
from cloudorch_providers.kubernetes.meta import Target


def service_type(target: Target, service: Service) -> str:
    return target.settings.service_type_public if any(p.public for p in service.ports) else "ClusterIP"


def service(target: Target, name: str, spec: Service) -> dict[str, Any] | None:
    if not spec.ports:
        return None
    ports = []
    for p in spec.ports:
        port: dict[str, Any] = {"name": port_name(p.protocol, p.port), "port": p.port, "targetPort": p.port,
                                "protocol": "UDP" if p.protocol == "udp" else "TCP"}
        if p.protocol == "http":
            port["appProtocol"] = "http"
        ports.append(port)
        if p.public and p.outside != p.port:  # the published number, to the same container port
            ports.append({**port, "name": f"pub-{p.outside}", "port": p.outside})
    return {"apiVersion": "v1", "kind": "Service", "metadata": target.metadata(name, name),
            "spec": {"type": service_type(target, spec), "selector": target.selector(name), "ports": ports}}

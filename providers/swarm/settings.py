"""The ``providers.swarm`` block of a spec: which swarm manager, how services are reached, and which
Docker secrets hold the spec's secrets.

Keys and defaults:

- ``host`` (optional): the manager's Engine API, e.g. ``unix:///var/run/docker.sock`` or
  ``tcp://10.0.0.5:2376`` (with ``tls: true`` and ``DOCKER_CERT_PATH`` as the docker CLI reads it).
  Without it: the Docker context named by ``context``, else ``DOCKER_HOST``, else the docker CLI's
  current context (``DOCKER_CONTEXT`` or ``~/.docker/config.json``), else the local socket.
- ``context`` (optional): a Docker context name (``docker context ls``).
- ``endpoint_mode``: ``dnsrr`` (default) or ``vip``. A service name resolves to the addresses of its
  running tasks (DNS round robin): this needs nothing from the nodes' kernels. ``vip`` gives each
  service one virtual IP balanced by IPVS in every node's kernel; choose it where the nodes have
  IPVS (``ip_vs`` module) and you want ingress publishing.
- ``publish_mode``: ``host`` (default) or ``ingress``. Host mode binds a public port on the node that
  runs the task (one task per node can hold it); ingress publishes it on every node through the
  routing mesh, which needs ``endpoint_mode: vip``.
- ``ports``: service -> {container port: published port}; a public port not listed here is
  published on the spec's ``published`` number, else on its own number; ``0`` lets the engine pick
  a free port for each task (host mode: then several replicas of a service fit on one node;
  ``status`` shows the ports it picked).
- ``reserve``: ``true`` (default) reserves the spec's cpu and memory on a node, so a task is placed
  only where they are free; ``false`` sets the limits only (overcommit, e.g. on one small node).
- ``network``: the app's overlay network, default ``{app}_default`` (the name ``docker stack deploy``
  gives a stack's default network).
- ``secrets``: spec secret name -> the Docker secret holding it, default the spec name itself.
  Docker secrets are immutable; ``cloudorch secrets set`` stores a new value as a new version
  ``NAME.v2``, ``NAME.v3``..., and services use the newest version there is.
- ``stop_grace_period``: seconds a task gets between SIGTERM and SIGKILL, default 10.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from cloudorch.spec.models import Port, SecretName, ServiceName

# Docker object names: [a-zA-Z0-9][a-zA-Z0-9_.-]* (secrets: at most 64 characters)
DockerName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
# YAML mapping keys arrive as strings: a container port key may be written 80 or "80"
PortKey = Annotated[int, Strict(False), Field(ge=1, le=65535)]
# 0: the engine picks a free port for each task (host mode) or for the service (ingress)
PublishedPort = Annotated[int, Field(ge=0, le=65535)]
Host = Annotated[str, StringConstraints(min_length=1, max_length=1000,
                                        pattern=r"^(unix|tcp|ssh|npipe)://\S+$")]


class SwarmSettings(BaseModel):
    """``providers.swarm``: the swarm manager and how the app's services are published."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    host: Host | None = Field(None, description="Engine API address; default: context, DOCKER_HOST, current context")
    tls: bool = Field(False, description="use TLS to a tcp:// host (certificates from DOCKER_CERT_PATH)")
    context: DockerName | None = Field(None, description="a Docker context name")
    endpoint_mode: Literal["dnsrr", "vip"] = Field(
        "dnsrr", description="dnsrr: names resolve to task addresses (no IPVS needed); vip: one IPVS virtual IP")
    publish_mode: Literal["host", "ingress"] = Field(
        "host", description="host: the port on the task's node; ingress: on every node (needs vip)")
    ports: dict[ServiceName, dict[PortKey, PublishedPort]] = Field(
        {}, description="service -> {container port: published port, 0: any free port}; default the container port")
    reserve: bool = Field(True, description="reserve the spec's resources on a node (false: limits only, overcommit)")
    network: DockerName | None = Field(None, description="the app's overlay network; default {app}_default")
    secrets: dict[SecretName, DockerName] = Field(
        {}, description="spec secret -> Docker secret name (versions NAME.vN); default the spec name")
    stop_grace_period: int = Field(10, ge=0, le=3600, description="seconds between SIGTERM and SIGKILL")

    @model_validator(mode="after")
    def _modes(self) -> SwarmSettings:
        if self.publish_mode == "ingress" and self.endpoint_mode == "dnsrr":
            raise ValueError("publish_mode ingress needs endpoint_mode vip: Docker refuses ingress-published "
                             "ports on a dnsrr service")
        if self.host and self.context:
            raise ValueError("give host or context, not both")
        return self

    def network_for(self, app: str) -> str:
        return self.network or f"{app}_default"

    def secret_for(self, secret: str) -> str:
        return self.secrets.get(secret, secret)

    def published(self, service: str, port: Port) -> int:
        """The node port a public port is published on: ``ports`` here, else the spec's
        ``published``, else its own number."""
        return self.ports.get(service, {}).get(port.port, port.outside)

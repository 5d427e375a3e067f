"""Pydantic models of the cloudorch app spec (format version 1).

The models are strict: unknown keys are errors and no value is coerced across types (a quoted
``"80"`` is not a port, ``"yes"`` is not a boolean). Per-cloud settings under ``providers:`` are
validated by each provider's own settings model, so the core names no cloud.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from cloudorch.spec.units import MAX_CPU, bounded_duration, parse_cpu, parse_memory

#: the most replicas of one service: Kubernetes' documented largest cluster (150,000 pods); ECS
#: allows 5,000 tasks per service, ACI one container group per replica
MAX_REPLICAS = 150_000
#: health check timing: more than 0 (a 0s interval or timeout can never pass; the providers round
#: up to the cloud's minimum, e.g. Kubernetes' 1 s) and at most an hour (ECS allows 300 s interval,
#: 60 s timeout; nothing longer is a health check)
MAX_HEALTH_SECONDS = 3600
#: user and group ids: Linux ids are 32-bit; Kubernetes and ECS take 0..2^31-1
MAX_ID = 2**31 - 1

DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
LABEL_KEY = r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
LABEL_VALUE = r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$"
IMAGE = re.compile(
    r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)

AppName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=DNS_LABEL)]
ServiceName = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=DNS_LABEL)]
SecretName = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*$")]
EnvName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=ENV_NAME)]
LabelKey = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=LABEL_KEY)]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=LABEL_VALUE)]
PortNumber = Annotated[int, Field(ge=1, le=65535)]


def _env_value(value: Any) -> Any:
    """Env values are strings; plain numbers and booleans are written as YAML shows them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


_DURATION_SCHEMA = {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$", "examples": ["10s"]}
Duration = Annotated[float, BeforeValidator(bounded_duration(0.001, MAX_HEALTH_SECONDS)),
                     WithJsonSchema(_DURATION_SCHEMA)]
StartPeriod = Annotated[float, BeforeValidator(bounded_duration(0, MAX_HEALTH_SECONDS)),
                        WithJsonSchema(_DURATION_SCHEMA)]
Memory = Annotated[
    int,
    BeforeValidator(parse_memory),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?(Mi|Gi)$", "examples": ["512Mi", "1Gi"]}),
]
Cpu = Annotated[
    float,
    BeforeValidator(parse_cpu),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_CPU},
                   {"type": "string", "pattern": r"^\d+m$"}]}
    ),
]
EnvValue = Annotated[
    str,
    BeforeValidator(_env_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Port(Model):
    """A port the service listens on."""

    port: PortNumber
    protocol: Literal["http", "tcp", "udp"] = "tcp"
    public: bool = Field(False, description="reachable from outside (load balancer / public IP)")
    published: PortNumber | None = Field(
        None, description="the port number a public port is reached on from outside (default: port); the app's "
                          "own services still reach it on port")

    @model_validator(mode="after")
    def _published_is_public(self) -> Port:
        if self.published is not None and not self.public:
            raise ValueError("published needs public: true (a private port is reached on its own number)")
        return self

    @property
    def outside(self) -> int:
        """The number the outside reaches a public port on."""
        return self.published if self.published is not None else self.port


class Resources(Model):
    """Per-replica resources. ``memory`` is held in MiB, ``cpu`` in vCPUs."""

    cpu: Cpu = 0.25
    memory: Memory = Field(512, json_schema_extra={"default": "512Mi"})


class Autoscale(Model):
    min: int = Field(ge=1, le=MAX_REPLICAS)
    max: int = Field(ge=1, le=MAX_REPLICAS)
    cpu_percent: int = Field(70, ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> Autoscale:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class HttpCheck(Model):
    path: str = Field(pattern=r"^/\S*$")
    port: PortNumber


class TcpCheck(Model):
    port: PortNumber


class Health(Model):
    """Exactly one of ``http``, ``tcp`` or ``command``."""

    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    command: list[str] | None = Field(None, min_length=1)
    interval: Duration = Field(10.0, json_schema_extra={"default": "10s"})
    timeout: Duration = Field(5.0, json_schema_extra={"default": "5s"})
    retries: int = Field(3, ge=1, le=10)
    start_period: StartPeriod = Field(0.0, json_schema_extra={"default": "0s"})

    @model_validator(mode="after")
    def _one_kind(self) -> Health:
        kinds = [k for k in ("http", "tcp", "command") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = f"found {', '.join(kinds)}" if kinds else "found none"
            raise ValueError(f"give exactly one health check kind (http, tcp or command); {found}")
        return self


class Security(Model):
    run_as_user: int | None = Field(None, ge=0, le=MAX_ID)
    run_as_group: int | None = Field(None, ge=0, le=MAX_ID)
    read_only_root: bool = False
    drop_capabilities: bool = Field(False, description="drop every Linux capability")


class Volume(Model):
    """A scratch volume that lives as long as the replica."""

    name: ServiceName
    path: str = Field(pattern=r"^/")


class Container(Model):
    image: str = Field(min_length=1, max_length=512, json_schema_extra={"pattern": IMAGE.pattern})
    command: list[str] | None = None
    args: list[str] | None = None
    env: dict[EnvName, EnvValue] = {}
    secrets: dict[EnvName, SecretName] = Field({}, description="env var <- named secret")
    resources: Resources = Field(default_factory=Resources)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not IMAGE.match(value):
            raise ValueError(f"{value!r} is not a valid image reference (registry/name:tag or @sha256:digest)")
        return value


class Sidecar(Container):
    name: ServiceName
    volumes: list[Volume] = []


class Service(Container):
    image_pull_secret: SecretName | None = None
    ports: list[Port] = []
    replicas: int = Field(1, ge=0, le=MAX_REPLICAS)
    autoscale: Autoscale | None = None
    health: Health | None = None
    security: Security | None = None
    depends_on: list[ServiceName] = []
    volumes: list[Volume] = []
    sidecars: list[Sidecar] = []

    @property
    def desired_replicas(self) -> int:
        """The replica count to start with: fixed replicas, clamped into autoscale bounds."""
        if self.autoscale:
            return min(max(self.replicas, self.autoscale.min), self.autoscale.max)
        return self.replicas

    def all_secret_names(self) -> set[str]:
        names = set(self.secrets.values()) | {n for s in self.sidecars for n in s.secrets.values()}
        if self.image_pull_secret:
            names.add(self.image_pull_secret)
        return names


from cloudorch.spec.jobs import Job  # noqa: E402  (built on Container, defined above)


class App(Model):
    """A cloudorch app: its services and per-cloud settings."""

    version: Literal[1]
    name: AppName
    labels: dict[LabelKey, LabelValue] = {}
    services: dict[ServiceName, Service] = Field(min_length=1)
    jobs: dict[ServiceName, Job] = Field({}, description="containers that run to completion, now or on a schedule")
    providers: dict[str, dict[str, Any]] = Field(
        {}, description="per-cloud settings; only the chosen provider's block is read"
    )

    def order(self) -> list[list[str]]:
        """Services in start order, as waves: every service comes after what it depends on."""
        remaining = {n: set(s.depends_on) for n, s in self.services.items()}
        waves: list[list[str]] = []
        while remaining:
            ready = sorted(n for n, deps in remaining.items() if not deps)
            if not ready:
                raise ValueError(f"dependency cycle among {', '.join(sorted(remaining))}")
            waves.append(ready)
            for n in ready:
                del remaining[n]
            for deps in remaining.values():
                deps.difference_update(ready)
        return waves

    def secret_names(self) -> set[str]:
        return set().union(*(s.all_secret_names() for s in self.services.values()),
                           *(set(j.secrets.values()) for j in self.jobs.values()))

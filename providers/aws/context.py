"""What every AWS document is built from: the app, its settings, the resolved target, and the
names, tags, roles and secret references derived from them.

Names (deterministic, from app + service names):

- cluster: ``settings.cluster``, else the app name;
- task definition family and ECS service: ``{app}-{service}``;
- log group: ``/cloudorch/{app}/{service}``;
- Service Connect / Cloud Map namespace: the app name;
- scalable target: ``service/{cluster}/{app}-{service}``; scaling policy: ``{app}-{service}-cpu``.

Tags: the ownership markers (``cloudorch-app``, ``managed-by``) over the app's ``labels`` (a label
cannot override a marker), as ``[{key, value}]`` for ECS, ``[{Key, Value}]`` for Cloud Map and a
plain mapping for CloudWatch Logs and Application Auto Scaling.

Execution role: ``settings.execution_role_arn`` when given, else the app's own role
``{app}-execution-{region}`` (IAM names are global to the account, so the region is part of it;
``{app}-execution`` while the region is unknown). A role *name* is rendered as a full ARN
(``arn:{partition}:iam::{account}:role/{name}``) when the account is known (``account_id`` setting,
or resolved at deploy time); otherwise the bare name is rendered (botocore accepts any string there,
and ECS completes a bare role name with the caller's account). It is always set: every task logs
through ``awslogs``, which on Fargate needs the execution role, as do secrets and private images.

Secrets: ``settings.secrets[name]`` when listed, else the SSM parameter name ``/{app}/{name}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cloudorch.spec.models import App
from cloudorch_providers.aws.settings import AWSSettings

LOG_PREFIX = "/cloudorch"
#: region prefix -> ARN partition (everything else is "aws")
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"),
               ("us-iso-", "aws-iso"))


def limited(name: str, size: int) -> str:
    """``name``, or when longer than ``size`` its head and a short hash (still unique, still valid)."""
    if len(name) <= size:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[:size - 7].rstrip('-')}-{digest}"


def partition(region: str | None) -> str:
    for prefix, name in _PARTITIONS:
        if region and region.startswith(prefix):
            return name
    return "aws"


@dataclass(frozen=True)
class Context:
    """The inputs of the conversion. ``region``, ``account_id`` and ``subnets`` start from the
    settings; the live operations pass the values they resolve (AWS chain, STS, default VPC)."""

    app: App
    settings: AWSSettings
    markers: dict[str, str]
    region: str | None = None
    account_id: str | None = None
    subnets: tuple[str, ...] = field(default=())

    @classmethod
    def create(cls, app: App, settings: AWSSettings, markers: dict[str, str], **resolved: Any) -> Context:
        values = {"region": settings.region, "account_id": settings.account_id,
                  "subnets": tuple(settings.subnets)}
        values.update({k: (tuple(v) if k == "subnets" else v) for k, v in resolved.items() if v is not None})
        return cls(app, settings, dict(markers), **values)

    # -- names -------------------------------------------------------------------------------
    @property
    def cluster(self) -> str:
        return self.settings.cluster or self.app.name

    @property
    def namespace(self) -> str:
        return self.app.name

    def family(self, service: str) -> str:
        return f"{self.app.name}-{service}"

    def service_name(self, service: str) -> str:
        return f"{self.app.name}-{service}"

    def log_group(self, service: str) -> str:
        return f"{LOG_PREFIX}/{self.app.name}/{service}"

    def resource_id(self, service: str) -> str:
        return f"service/{self.cluster}/{self.service_name(service)}"

    def policy_name(self, service: str) -> str:
        return f"{self.service_name(service)}-cpu"

    @property
    def tasks_security_group(self) -> str:
        return f"{self.app.name}-tasks"

    @property
    def lb_security_group(self) -> str:
        return f"{self.app.name}-lb"

    @property
    def makes_security_groups(self) -> bool:
        return not self.settings.security_groups

    @property
    def alb(self) -> str:
        return limited(self.app.name, 32)

    @property
    def nlb(self) -> str:
        return limited(f"{self.app.name}-net", 32)

    def target_group(self, service: str, port: int | str) -> str:
        return limited(f"{self.app.name}-{service}-{port}", 32)

    def arn(self, service: str, resource: str) -> str:
        """An ARN in this region and account (``*`` for what is not known yet)."""
        return f"arn:{partition(self.region)}:{service}:{self.region or '*'}:{self.account_id or '*'}:{resource}"

    # -- tags --------------------------------------------------------------------------------
    def tags(self) -> dict[str, str]:
        merged = dict(sorted(self.app.labels.items()))
        merged.update(self.markers)
        return dict(sorted(merged.items()))

    def ecs_tags(self) -> list[dict[str, str]]:
        return [{"key": k, "value": v} for k, v in self.tags().items()]

    def key_value_tags(self) -> list[dict[str, str]]:
        """``[{Key, Value}]``: Cloud Map, IAM, EC2 and Elastic Load Balancing."""
        return [{"Key": k, "Value": v} for k, v in self.tags().items()]

    def cloudmap_tags(self) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags().items()]

    # -- roles -------------------------------------------------------------------------------
    def role(self, ref: str) -> str:
        """A role ARN as given, or a role name as an ARN when the account is known."""
        if ref.startswith("arn:") or not self.account_id:
            return ref
        return f"arn:{partition(self.region)}:iam::{self.account_id}:role/{ref}"

    @property
    def execution_role_name(self) -> str:
        """The name of the execution role cloudorch makes (when the settings name none)."""
        return limited(f"{self.app.name}-execution" + (f"-{self.region}" if self.region else ""), 64)

    @property
    def makes_execution_role(self) -> bool:
        return self.settings.execution_role_arn is None

    @property
    def execution_role(self) -> str:
        return self.role(self.settings.execution_role_arn or self.execution_role_name)

    @property
    def task_role_name(self) -> str:
        """The name of the task role cloudorch makes for ECS Exec (when the settings name none)."""
        return limited(f"{self.app.name}-task" + (f"-{self.region}" if self.region else ""), 64)

    @property
    def makes_task_role(self) -> bool:
        return self.settings.exec and self.settings.task_role_arn is None

    @property
    def task_role(self) -> str | None:
        if self.settings.task_role_arn:
            return self.role(self.settings.task_role_arn)
        return self.role(self.task_role_name) if self.makes_task_role else None

    # -- secrets -----------------------------------------------------------------------------
    def value_from(self, secret: str) -> str:
        return self.settings.secrets.get(secret) or self.default_value_from(secret)

    def default_value_from(self, secret: str) -> str:
        return f"/{self.app.name}/{secret}"

    def app_secrets(self) -> set[str]:
        """Every secret name the spec's services read (containers, sidecars, image pull)."""
        names = set()
        for service in self.app.services.values():
            names |= set(service.secrets.values()) | {v for s in service.sidecars for v in s.secrets.values()}
            if service.image_pull_secret:
                names.add(service.image_pull_secret)
        for job in self.app.jobs.values():
            names |= set(job.secrets.values())
        return names

    def is_mapped(self, secret: str) -> bool:
        return secret in self.settings.secrets

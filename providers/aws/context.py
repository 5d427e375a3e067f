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

Execution role: ``settings.execution_role_arn`` when given, else the standard role name
``ecsTaskExecutionRole``. A role *name* is rendered as a full ARN
(``arn:{partition}:iam::{account}:role/{name}``) when the account is known (``account_id`` setting,
or resolved at deploy time); otherwise the bare name is rendered (botocore accepts any string there,
and ECS completes a bare role name with the caller's account). It is always set: every task logs
through ``awslogs``, which on Fargate needs the execution role, as do secrets and private images.

Secrets: ``settings.secrets[name]`` when listed, else the SSM parameter name ``/{app}/{name}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudorch.spec.models import App
from cloudorch_providers.aws.settings import AWSSettings

EXECUTION_ROLE = "ecsTaskExecutionRole"
LOG_PREFIX = "/cloudorch"
#: region prefix -> ARN partition (everything else is "aws")
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"),
               ("us-iso-", "aws-iso"))


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

    # -- tags --------------------------------------------------------------------------------
    def tags(self) -> dict[str, str]:
        merged = dict(sorted(self.app.labels.items()))
        merged.update(self.markers)
        return dict(sorted(merged.items()))

    def ecs_tags(self) -> list[dict[str, str]]:
        return [{"key": k, "value": v} for k, v in self.tags().items()]

    def cloudmap_tags(self) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags().items()]

    # -- roles -------------------------------------------------------------------------------
    def role(self, ref: str) -> str:
        """A role ARN as given, or a role name as an ARN when the account is known."""
        if ref.startswith("arn:") or not self.account_id:
            return ref
        return f"arn:{partition(self.region)}:iam::{self.account_id}:role/{ref}"

    @property
    def execution_role(self) -> str:
        return self.role(self.settings.execution_role_arn or EXECUTION_ROLE)

    @property
    def task_role(self) -> str | None:
        return self.role(self.settings.task_role_arn) if self.settings.task_role_arn else None

    # -- secrets -----------------------------------------------------------------------------
    def value_from(self, secret: str) -> str:
        return self.settings.secrets.get(secret) or self.default_value_from(secret)

    def default_value_from(self, secret: str) -> str:
        return f"/{self.app.name}/{secret}"

    def is_mapped(self, secret: str) -> bool:
        return secret in self.settings.secrets

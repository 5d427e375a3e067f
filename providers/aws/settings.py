"""The ``providers.aws`` block of a spec: where and how the app runs on AWS ECS.

Every key is optional; unknown keys and mistyped values are errors (``extra="forbid"``, strict).

- ``region``: the AWS region. Absent: the live operations use the standard AWS chain
  (``AWS_REGION`` / ``AWS_DEFAULT_REGION`` / the profile). ``render`` then leaves the
  ``awslogs-region`` log option out; deploy fills it in with the resolved region.
- ``cluster``: the ECS cluster (created if missing). Default: the app name.
- ``launch_type``: ``FARGATE`` (default) or ``EC2`` (the cluster must have container instances).
- ``subnets``: subnet ids for the tasks. Empty (default): the default VPC's subnets, looked up at
  deploy time; ``render`` shows ``subnets: []`` and deploy fills the list in.
- ``security_groups``: security group ids for the tasks, used as they are (never modified). Empty:
  cloudorch creates the app's own groups (see :mod:`cloudorch_providers.aws.convert_network`): one
  for the tasks, admitting each port from the app's tasks (and public ports from the load balancer),
  and one for the load balancers.
- ``assign_public_ip``: force the tasks' public IP on or off (default: see ``convert_service``).
- ``execution_role_arn``: the task execution role (pulls images, writes logs, reads secrets), as an
  ARN or a role name, used as it is and never modified. Absent: cloudorch creates one role per app
  and region (see :mod:`cloudorch_providers.aws.convert_access`) allowed exactly what the tasks need.
- ``task_role_arn``: the role the containers' own AWS calls use (ARN or name), used as it is and
  never modified. Absent: none (the containers make no AWS calls with task credentials).
- ``kms_key_arn``: the customer managed KMS key that encrypts the secrets, when not the AWS managed
  one; the execution role is then allowed ``kms:Decrypt`` on that key only.
- ``certificate_arn``: an ACM certificate for the Application Load Balancer: with it, public http
  ports are served on 443 (HTTPS) and port 80 redirects there; without it, on 80 (HTTP) only.
- ``account_id``: the 12-digit account, to render role names as full ARNs; absent: deploy resolves it.
- ``secrets``: spec secret name -> ``valueFrom`` (a Secrets Manager secret ARN, an SSM parameter ARN,
  or an SSM parameter name). A secret not listed here is read from the SSM parameter
  ``/{app}/{secret}`` (a documented convention, not a loss).
- ``exec``: ECS Exec for ``cloudorch exec`` (default false): the services get ``enableExecuteCommand``,
  and the tasks a role allowed to open SSM sessions (``ssmmessages:CreateControlChannel``,
  ``CreateDataChannel``, ``OpenControlChannel``, ``OpenDataChannel``): the role cloudorch makes,
  ``{app}-task-{region}``, unless ``task_role_arn`` names one (which must allow them itself).
- ``log_retention_days``: CloudWatch Logs retention of the services' log groups (default 30); one of
  the values CloudWatch Logs accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

#: the retention periods CloudWatch Logs' PutRetentionPolicy accepts
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                  2557, 2922, 3288, 3653)

Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")]
ClusterName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$")]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
#: an IAM role ARN or a bare role name
RoleRef = Annotated[str, StringConstraints(
    max_length=2048, pattern=r"^(arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+|[A-Za-z0-9_+=,.@-]+)$")]
KmsKeyArn = Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/\S+$")]
CertificateArn = Annotated[str, StringConstraints(
    pattern=r"^arn:aws[a-z-]*:(acm|iam):[a-z0-9-]*:\d{12}:(certificate|server-certificate)/\S+$")]
SecretName = Annotated[str, StringConstraints(min_length=1, max_length=253,
                                              pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*$")]
ServiceKey = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
ValueFrom = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^\S+$")]


class AWSOverride(BaseModel):
    """Native ECS fields merged onto a service's rendered API inputs (see
    ``cloudorch_providers.aws.overrides``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    task_definition: dict[str, Any] | None = Field(
        None, description="merged onto RegisterTaskDefinition (containerDefinitions by name)")
    service: dict[str, Any] | None = Field(None, description="merged onto CreateService")


class AWSSettings(BaseModel):
    """Settings of the ``aws`` provider (the spec's ``providers.aws`` block)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    region: Region | None = Field(None, description="AWS region; default: the standard AWS chain")
    cluster: ClusterName | None = Field(None, description="ECS cluster; default: the app name")
    launch_type: Literal["FARGATE", "EC2"] = "FARGATE"
    subnets: list[SubnetId] = Field([], description="empty: the default VPC's subnets (resolved at deploy)")
    security_groups: list[SecurityGroupId] = Field([], description="empty: groups made for the app")
    assign_public_ip: bool | None = Field(None, description="override the tasks' public IP")
    execution_role_arn: RoleRef | None = Field(None, description="default: a role made for the app")
    task_role_arn: RoleRef | None = None
    kms_key_arn: KmsKeyArn | None = Field(None, description="the key encrypting the secrets (kms:Decrypt)")
    certificate_arn: CertificateArn | None = Field(None, description="ACM certificate: HTTPS on 443")
    account_id: AccountId | None = Field(None, description="renders role names as ARNs")
    secrets: dict[SecretName, ValueFrom] = Field(
        {}, description="secret name -> Secrets Manager ARN or SSM parameter ARN/name; "
                        "default: the SSM parameter /{app}/{secret}")
    exec: bool = Field(False, description="ECS Exec (`cloudorch exec`): enableExecuteCommand on the services, and "
                       "a task role allowed to open SSM sessions")
    log_retention_days: int = Field(30, description=f"one of {', '.join(map(str, RETENTION_DAYS))}")
    overrides: dict[ServiceKey, AWSOverride] = Field(
        {}, description="service -> native ECS fields merged onto its task definition / service, checked "
                        "against botocore's ECS model")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in RETENTION_DAYS:
            allowed = ", ".join(map(str, RETENTION_DAYS))
            raise ValueError(f"CloudWatch Logs keeps logs for one of {allowed} days, not {value}")
        return value

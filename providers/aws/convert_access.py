"""The app's task execution role, and with ``providers.aws.exec`` its task role: IAM ``CreateRole`` and
``PutRolePolicy`` kwargs (pure).

Made only when ``providers.aws.execution_role_arn`` is absent; a role given there is used as it
is and never modified (and so is ``task_role_arn``, for which nothing is ever made).

Fargate starts a task with the *execution role*: it pulls the images, creates the log streams
and reads the secrets named in the task definition before any container starts; without the
role, or without a permission it needs, the task stops with ``ResourceInitializationError``
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
The role made here:

- is trusted by ``ecs-tasks.amazonaws.com`` only (``sts:AssumeRole``);
- may pull from ECR (``ecr:GetAuthorizationToken`` is not resource-scoped, the others are kept
  on ``*`` as in AWS's managed ``AmazonECSTaskExecutionRolePolicy``, since the images' repositories
  are the user's);
- may create log streams and put log events in the app's own log groups only;
- may read exactly the secrets and parameters the spec references:
  ``secretsmanager:GetSecretValue`` on each Secrets Manager secret (its ARN as given, and with
  ``-??????``, the six random characters AWS appends to a secret's ARN, because a spec may name a
  secret by its partial ARN; see
  https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html),
  ``ssm:GetParameters`` on each SSM parameter's ARN;
- may ``kms:Decrypt`` only on ``providers.aws.kms_key_arn``, when that names a key.

The role is named ``{app}-execution-{region}`` and carries the ownership tags; its inline policy
is ``cloudorch-execution``.

With ``providers.aws.exec`` (ECS Exec) and no ``task_role_arn``, the tasks get a role of their own,
``{app}-task-{region}`` (trusted by ``ecs-tasks.amazonaws.com``, ownership tags), whose inline policy
``cloudorch-exec`` allows only the four ``ssmmessages`` channel actions the ECS Exec agent needs
(ECS Exec checks them when a command starts: without them ExecuteCommand fails).
"""

from __future__ import annotations

import json
from typing import Any

from cloudorch.provider import Document
from cloudorch_providers.aws.context import Context

POLICY_NAME = "cloudorch-execution"
TASK_POLICY_NAME = "cloudorch-exec"
EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
EXEC_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ExecSessions", "Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ECR_PULL = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage"]


def referenced_secrets(ctx: Context) -> dict[str, list[str]]:
    """Spec secret name -> the services reading it (container secrets and image pull secrets)."""
    found: dict[str, set[str]] = {}
    for name, service in ctx.app.services.items():
        names = set(service.secrets.values()) | {v for s in service.sidecars for v in s.secrets.values()}
        if service.image_pull_secret:
            names.add(service.image_pull_secret)
        for secret in names:
            found.setdefault(secret, set()).add(name)
    return {k: sorted(v) for k, v in sorted(found.items())}


def secret_resources(ctx: Context, value_from: str) -> tuple[str, list[str]]:
    """(IAM action, resource ARNs) that reading ``value_from`` takes."""
    if value_from.startswith("arn:") and value_from.split(":")[2] == "secretsmanager":
        base = ":".join(value_from.split(":")[:7])  # without the JSON key / version suffix
        return "secretsmanager:GetSecretValue", [base, f"{base}-??????"]
    if value_from.startswith("arn:"):
        return "ssm:GetParameters", [value_from]
    return "ssm:GetParameters", [ctx.arn("ssm", f"parameter/{value_from.lstrip('/')}")]


def execution_policy(ctx: Context) -> dict[str, Any]:
    groups = [ctx.arn("logs", f"log-group:{ctx.log_group(s)}:*") for s in ctx.app.services]
    statements: list[dict[str, Any]] = [
        {"Sid": "PullImages", "Effect": "Allow", "Action": ECR_PULL, "Resource": "*"},
        {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": groups},
    ]
    by_action: dict[str, list[str]] = {}
    for secret in referenced_secrets(ctx):
        action, resources = secret_resources(ctx, ctx.value_from(secret))
        by_action.setdefault(action, [])
        by_action[action] += [r for r in resources if r not in by_action[action]]
    sids = {"secretsmanager:GetSecretValue": "ReadSecrets", "ssm:GetParameters": "ReadParameters"}
    for action, resources in sorted(by_action.items()):
        statements.append({"Sid": sids[action], "Effect": "Allow", "Action": [action], "Resource": resources})
    if ctx.settings.kms_key_arn and by_action:
        statements.append({"Sid": "DecryptSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
                           "Resource": [ctx.settings.kms_key_arn]})
    return {"Version": "2012-10-17", "Statement": statements}


def documents(ctx: Context) -> list[Document]:
    return execution_documents(ctx) + task_documents(ctx)


def task_documents(ctx: Context) -> list[Document]:
    """With ``providers.aws.exec`` and no ``task_role_arn``: the tasks' own role, allowed only the SSM
    session channels ECS Exec opens (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)."""
    if not ctx.makes_task_role:
        return []
    return _role_documents(ctx, ctx.task_role_name, "ECS task role", "(ECS Exec sessions)", TASK_POLICY_NAME,
                           EXEC_POLICY)


def execution_documents(ctx: Context) -> list[Document]:
    if not ctx.makes_execution_role:
        return []
    return _role_documents(ctx, ctx.execution_role_name, "ECS task execution role", "", POLICY_NAME,
                           execution_policy(ctx))


def _role_documents(ctx: Context, role: str, what: str, why: str, policy_name: str, policy: dict) -> list[Document]:
    """A role trusted by ECS tasks, with its one inline policy."""
    return [
        Document("Role", role, {
            "RoleName": role, "AssumeRolePolicyDocument": json.dumps(TRUST),
            "Description": f"{what} of the cloudorch app {ctx.app.name}" + (f" {why}" if why else ""),
            "Tags": ctx.key_value_tags(),
        }),
        Document("RolePolicy", f"{role}/{policy_name}", {
            "RoleName": role, "PolicyName": policy_name, "PolicyDocument": json.dumps(policy),
        }),
    ]

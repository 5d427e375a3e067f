"""What Fargate checks before a task's containers start: the secrets it must inject, read with the
task's execution role (moto starts any task whatever its secrets and roles).

Fargate assumes the task definition's ``executionRoleArn`` and reads every ``secrets[].valueFrom``
(and ``repositoryCredentials``) with it before any container starts. When the role cannot be
assumed, the secret does not exist or no policy of the role allows reading it, the task stops with
``stopCode: TaskFailedToStart`` and a ``ResourceInitializationError`` naming the secret
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html,
https://repost.aws/knowledge-center/ecs-fargate-pull-secrets-error). The role must trust
``ecs-tasks.amazonaws.com``
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).

Policy evaluation here is IAM's for identity policies: an explicit ``Deny`` wins, else an
``Allow`` whose ``Action`` and ``Resource`` match (``*`` and ``?`` wildcards, case-insensitive
actions) grants; the role's inline and attached managed policies count. Conditions are not
evaluated (a statement with a ``Condition`` is taken as written without it).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

PREFIX = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed"


def _pattern(glob: str) -> re.Pattern:
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob),
                      re.IGNORECASE | re.DOTALL)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches(statement: dict[str, Any], action: str, resource: str) -> bool:
    actions = _listed(statement.get("Action"))
    resources = _listed(statement.get("Resource"))
    return any(_pattern(a).fullmatch(action) for a in actions) and \
        any(_pattern(r).fullmatch(resource) for r in resources)


def allowed(documents: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether identity policies ``documents`` allow ``action`` on ``resource``."""
    statements = [s for d in documents for s in _listed_statements(d)]
    if any(s.get("Effect") == "Deny" and _matches(s, action, resource) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and _matches(s, action, resource) for s in statements)


def _listed_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statement = document.get("Statement", [])
    return [statement] if isinstance(statement, dict) else list(statement)


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(unquote(text) if str(text).startswith("%7B") else text)
    except (TypeError, ValueError):
        return {}


def _role(account_id: str, ref: str):
    from moto.iam.models import iam_backends

    name = ref.rsplit("/", 1)[-1]
    backend = iam_backends[account_id]["global"]
    return next((r for r in backend.roles.values() if r.name == name), None)


def _role_documents(role) -> list[dict[str, Any]]:
    docs = [_document(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next((v for v in getattr(policy, "versions", []) if v.version_id == policy.default_version_id), None)
        if version is not None:
            docs.append(_document(version.document))
    return docs


def _trusts_ecs_tasks(role) -> bool:
    for statement in _listed_statements(_document(role.assume_role_policy_document)):
        services = _listed((statement.get("Principal") or {}).get("Service")) \
            if isinstance(statement.get("Principal"), dict) else []
        if statement.get("Effect") == "Allow" and "ecs-tasks.amazonaws.com" in services:
            return True
    return False


def _secret_arn(account_id: str, region: str, value_from: str) -> str | None:
    """The full ARN of a Secrets Manager secret, or None when it does not exist."""
    from moto.secretsmanager.models import secretsmanager_backends

    base = ":".join(value_from.split(":")[:7])
    store = secretsmanager_backends[account_id][region].secrets
    secret = store.get(base) if base in store else None
    return None if secret is None or getattr(secret, "deleted_date", None) else secret.arn


def _parameter_arn(account_id: str, region: str, value_from: str) -> tuple[str, bool]:
    from moto.ssm.models import ssm_backends

    name = value_from.split(":parameter", 1)[1] if value_from.startswith("arn:") else value_from
    name = name if name.startswith("/") else f"/{name}" if value_from.startswith("arn:") else name
    arn = value_from if value_from.startswith("arn:") else \
        f"arn:aws:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}"
    exists = ssm_backends[account_id][region].get_parameter(name) is not None
    return arn, exists


def secret_problem(account_id: str, region: str, role_ref: str | None, value_froms: list[str],
                   task_id: str) -> str | None:
    """Why Fargate could not inject these secrets with this execution role, or None."""
    if not value_froms:
        return None
    first = value_froms[0]
    role = _role(account_id, role_ref) if role_ref else None
    if role is None or not _trusts_ecs_tasks(role):
        why = "no execution role is set" if not role_ref else (
            f"the execution role {role_ref} does not exist" if role is None
            else f"the execution role {role_ref} does not trust ecs-tasks.amazonaws.com")
        return f"{PREFIX}: ECS was unable to assume the execution role to read secret {first}: {why}"
    documents = _role_documents(role)
    principal = f"arn:aws:sts::{account_id}:assumed-role/{role.name}/{task_id}"
    for value_from in value_froms:
        if value_from.startswith("arn:") and value_from.split(":")[2] == "secretsmanager":
            arn = _secret_arn(account_id, region, value_from)
            if arn is None:
                return (f"{PREFIX}: unable to retrieve secret from asm: service call has been retried 1 time(s): "
                        f"failed to fetch secret {value_from} from secrets manager: ResourceNotFoundException: "
                        "Secrets Manager can't find the specified secret.")
            action = "secretsmanager:GetSecretValue"
        else:
            arn, exists = _parameter_arn(account_id, region, value_from)
            if not exists:
                return (f"{PREFIX}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): "
                        f"invalid ssm parameters: {value_from}")
            action = "ssm:GetParameters"
        if not allowed(documents, action, arn):
            service = "asm" if action.startswith("secretsmanager") else "ssm"
            return (f"{PREFIX}: unable to retrieve secret from {service}: service call has been retried 1 time(s): "
                    f"AccessDeniedException: User: {principal} is not authorized to perform: {action} on resource: "
                    f"{arn} because no identity-based policy allows the {action} action")
    return None

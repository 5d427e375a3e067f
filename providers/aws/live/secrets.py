"""The app's secrets on AWS: where each lives (a Secrets Manager secret or an SSM parameter, see
:mod:`cloudorch_providers.aws.context`), storing a value there, and restarting a service so its
tasks read it again (ECS injects secrets only when a task starts).

Storing: a Secrets Manager secret that exists gets a new version (``PutSecretValue``), whoever
made it (the spec points at it); a missing one is created with the name in its ARN, the ownership
tags and ``providers.aws.kms_key_arn`` as its key when set. An SSM parameter is written as a
``SecureString`` (``PutParameter``; created with the tags, overwritten when it exists). Values
are never logged, returned or read back: existence is checked with ``DescribeSecret`` and
``DescribeParameters``.
"""

from __future__ import annotations

from cloudorch.errors import ProviderError
from cloudorch.provider import SecretLocation
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_access import referenced_secrets
from cloudorch_providers.aws.live.clients import Clients, aws_errors


def is_secrets_manager(value_from: str) -> bool:
    return value_from.startswith("arn:") and value_from.split(":")[2] == "secretsmanager"


def secret_id(value_from: str) -> str:
    """The SecretId of a Secrets Manager reference: its ARN without a JSON key / version suffix."""
    return ":".join(value_from.split(":")[:7])


def parameter_name(value_from: str) -> str:
    if value_from.startswith("arn:"):
        return "/" + value_from.split(":parameter/", 1)[1]
    return value_from


def where(value_from: str) -> str:
    if is_secrets_manager(value_from):
        return f"Secrets Manager secret {secret_id(value_from)}"
    return f"SSM parameter {parameter_name(value_from)}"


def _code(exc) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _secret_exists(aws: Clients, value_from: str) -> bool:
    import botocore.exceptions

    try:
        aws("secretsmanager").describe_secret(SecretId=secret_id(value_from))
    except botocore.exceptions.ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return False
        raise
    return True


def _parameter_exists(aws: Clients, value_from: str) -> bool:
    name = parameter_name(value_from)
    reply = aws("ssm").describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
    return bool(reply.get("Parameters"))


def exists(aws: Clients, value_from: str) -> bool:
    return _secret_exists(aws, value_from) if is_secrets_manager(value_from) else _parameter_exists(aws, value_from)


def store(aws: Clients, ctx: Context, name: str, value: str) -> str:
    value_from = ctx.value_from(name)
    here = where(value_from)
    with aws_errors(f"storing secret {name} in {here}"):
        if is_secrets_manager(value_from):
            _check_region(ctx, value_from)
            sm = aws("secretsmanager")
            if _secret_exists(aws, value_from):
                sm.put_secret_value(SecretId=secret_id(value_from), SecretString=value)
            else:
                kwargs = {"KmsKeyId": ctx.settings.kms_key_arn} if ctx.settings.kms_key_arn else {}
                sm.create_secret(Name=secret_id(value_from).split(":", 6)[6], SecretString=value,
                                 Description=f"secret {name} of the cloudorch app {ctx.app.name}",
                                 Tags=ctx.key_value_tags(), **kwargs)
        else:
            ssm = aws("ssm")
            kwargs = {"KeyId": ctx.settings.kms_key_arn} if ctx.settings.kms_key_arn else {}
            if _parameter_exists(aws, value_from):
                ssm.put_parameter(Name=parameter_name(value_from), Value=value, Type="SecureString",
                                  Overwrite=True, **kwargs)
            else:
                ssm.put_parameter(Name=parameter_name(value_from), Value=value, Type="SecureString",
                                  Tags=ctx.key_value_tags(), **kwargs)
    return here


def _check_region(ctx: Context, value_from: str) -> None:
    region = value_from.split(":")[3]
    if ctx.region and region != ctx.region:
        raise ProviderError(f"{value_from} is in region {region}, the app deploys to {ctx.region}; ECS reads "
                            "secrets of the task's own region: fix providers.aws.secrets")


def locations(aws: Clients, ctx: Context) -> list[SecretLocation]:
    found = []
    for name, services in referenced_secrets(ctx).items():
        value_from = ctx.value_from(name)
        with aws_errors(f"looking up secret {name} in {where(value_from)}"):
            found.append(SecretLocation(name, where(value_from), exists(aws, value_from), services))
    return found


def restart(aws: Clients, ctx: Context, service: str) -> None:
    with aws_errors(f"restarting ECS service {ctx.service_name(service)}"):
        aws("ecs").update_service(cluster=ctx.cluster, service=ctx.service_name(service), forceNewDeployment=True)

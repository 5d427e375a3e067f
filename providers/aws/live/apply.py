"""Carrying out one planned Change: its (service, operation, kwargs) steps, in order."""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import Change
from cloudorch_providers.aws.live.clients import Clients, aws_errors


def apply_change(aws: Clients, change: Change, deadline: Deadline) -> None:
    for service, operation, kwargs in change.payload or []:
        with aws_errors(f"{change.action} {change.kind} {change.name}"):
            special = _SPECIAL.get(operation)
            if special:
                special(aws, kwargs, deadline)
            else:
                getattr(aws(service), operation)(**kwargs)


def _create_namespace(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    sd = aws("servicediscovery")
    operation = sd.create_http_namespace(**kwargs)["OperationId"]
    while True:
        state = sd.get_operation(OperationId=operation)["Operation"]
        if state["Status"] == "SUCCESS":
            return
        if state["Status"] == "FAIL":
            raise ProviderError(f"creating Cloud Map namespace {kwargs['Name']}: {state.get('ErrorMessage')}")
        deadline.check(f"creating Cloud Map namespace {kwargs['Name']}")
        deadline.sleep(1.0)


def _deregister_family(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    ecs = aws("ecs")
    family = kwargs["family"]
    pages = ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
    for arn in [a for page in pages for a in page["taskDefinitionArns"]]:
        if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family:  # the prefix also matches other families
            ecs.deregister_task_definition(taskDefinition=arn)


def _delete_namespace(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    aws("servicediscovery").delete_namespace(**kwargs)


_SPECIAL = {
    "create_http_namespace": _create_namespace,
    "deregister_family": _deregister_family,
    "delete_namespace": _delete_namespace,
}

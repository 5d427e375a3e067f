"""Carrying out one planned Change: its steps, in order.

A step is ``(client, operation, kwargs)`` or ``(client, operation, kwargs, capture)``: the kwargs'
``${Kind:name}`` references are replaced with live ids first, and ``capture`` (``Kind:name``)
records the id the reply carries (a created group's id, a load balancer's ARN...) for the steps
after it."""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import Change
from cloudorch_providers.aws.live.clients import Clients, aws_errors
from cloudorch_providers.aws.live.refs import Refs

#: reply key paths of the ids creates return
_CAPTURED = {
    "create_security_group": lambda r: r["GroupId"],
    "create_load_balancer": lambda r: r["LoadBalancers"][0]["LoadBalancerArn"],
    "create_target_group": lambda r: r["TargetGroups"][0]["TargetGroupArn"],
    "create_listener": lambda r: r["Listeners"][0]["ListenerArn"],
    "create_role": lambda r: r["Role"]["Arn"],
}


def apply_change(aws: Clients, change: Change, deadline: Deadline, refs: Refs | None = None) -> None:
    refs = refs or Refs()
    for step in change.payload or []:
        service, operation, kwargs = step[:3]
        capture = step[3] if len(step) > 3 else None
        with aws_errors(f"{change.action} {change.kind} {change.name}"):
            kwargs = refs.resolve(kwargs, strict=True)
            special = _SPECIAL.get(operation)
            if special:
                reply = special(aws, kwargs, deadline)
            else:
                reply = getattr(aws(service), operation)(**kwargs)
            if capture:
                kind, _, name = capture.partition(":")
                refs.set(kind, name or None, _CAPTURED[operation](reply))


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


def _deregister_revisions(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    ecs = aws("ecs")
    for arn in kwargs["revisions"]:
        ecs.deregister_task_definition(taskDefinition=arn)


def _delete_namespace(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    aws("servicediscovery").delete_namespace(**kwargs)


def _delete_security_group(aws: Clients, kwargs: dict[str, Any], deadline: Deadline) -> None:
    """Deleting a group fails with DependencyViolation while network interfaces (stopping tasks, a
    deleted load balancer's nodes) still use it, for up to minutes: retried until the deadline."""
    import botocore.exceptions

    while True:
        try:
            aws("ec2").delete_security_group(**kwargs)
            return
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "InvalidGroup.NotFound":
                return
            if code != "DependencyViolation" or deadline.expired:
                raise
        deadline.sleep(5.0)


_SPECIAL = {
    "create_http_namespace": _create_namespace,
    "deregister_revisions": _deregister_revisions,
    "delete_namespace": _delete_namespace,
    "delete_security_group": _delete_security_group,
}

"""Carrying out one planned Change: its steps (the core kit's :class:`~cloudorch.live.plan.Step`), in order.

:func:`call` makes the step of one AWS API call, ``client.operation(**kwargs)``: when it runs, the
kwargs' ``${Kind:name}`` references are replaced with live ids, and ``capture`` (``Kind:name``)
records the id the reply carries (a created group's id, a load balancer's ARN...) for the steps
after it. Calls that are more than one API call (a Cloud Map namespace created and waited for, a
family's owned revisions deregistered, a security group deleted once no interface uses it) are
steps of their own functions. Every step runs as ``step.run(aws, refs, deadline)``.
"""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.live.plan import Step, run_steps
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


def call(client: str, operation: str, kwargs: dict[str, Any], capture: str | None = None) -> Step:
    """The step of one API call (see the module docstring)."""
    special = _SPECIAL.get(operation)
    if special is not None:
        return Step(special, (), dict(kwargs), on=f"{client}:{operation}")
    return Step(_sdk, (client, operation, capture), dict(kwargs), on=f"{client}:{operation}")


def apply_change(aws: Clients, change: Change, deadline: Deadline, refs: Refs | None = None) -> None:
    with aws_errors(f"{change.action} {change.kind} {change.name}"):
        run_steps(change, aws, refs or Refs(), deadline)


def _sdk(aws: Clients, refs: Refs, deadline: Deadline, client: str, operation: str, capture: str | None, /,
         **kwargs: Any) -> Any:
    reply = getattr(aws(client), operation)(**refs.resolve(kwargs, strict=True))
    if capture:
        kind, _, name = capture.partition(":")
        refs.set(kind, name or None, _CAPTURED[operation](reply))
    return reply


def _create_namespace(aws: Clients, refs: Refs, deadline: Deadline, **kwargs: Any) -> None:
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


def _deregister_revisions(aws: Clients, refs: Refs, deadline: Deadline, *, revisions: list[str]) -> None:
    ecs = aws("ecs")
    for arn in revisions:
        ecs.deregister_task_definition(taskDefinition=arn)


def _delete_namespace(aws: Clients, refs: Refs, deadline: Deadline, **kwargs: Any) -> None:
    aws("servicediscovery").delete_namespace(**kwargs)


def _delete_security_group(aws: Clients, refs: Refs, deadline: Deadline, **kwargs: Any) -> None:
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

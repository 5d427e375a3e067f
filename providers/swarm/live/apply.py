"""Carrying out one planned Change: its steps (see :mod:`.plan`), in order.

Deleting what is gone already succeeds (idempotent). A service update that meets a newer version
(someone changed it between plan and apply) is retried once against the fresh version, with the
same body. A network still holding the endpoints of tasks that are shutting down is retried until
the deadline, and its removal is waited for (Swarm removes it once those tasks have stopped).
"""

from __future__ import annotations

from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import Change
from cloudorch_providers.swarm.live.clients import Engine, docker_errors


def apply_change(engine: Engine, change: Change, deadline: Deadline) -> None:
    for step in change.payload or []:
        operation = step[0]
        deadline.check(f"{operation.replace('_', ' ')} {change.name}")
        _STEPS[operation](engine, step, deadline)


def _create_network(engine: Engine, step: tuple, deadline: Deadline) -> None:
    body = step[1]
    with docker_errors(f"creating network {body['Name']}", engine):
        engine.api.create_network(body["Name"], driver=body["Driver"], attachable=body["Attachable"],
                                  check_duplicate=True, labels=body["Labels"])


def _service_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    return {"task_template": body["TaskTemplate"], "name": body["Name"], "labels": body["Labels"],
            "mode": body["Mode"], "update_config": body["UpdateConfig"], "rollback_config": body["RollbackConfig"],
            "endpoint_spec": body["EndpointSpec"]}


def _create_service(engine: Engine, step: tuple, deadline: Deadline) -> None:
    body = step[1]
    with docker_errors(f"creating service {body['Name']}", engine):
        engine.api.create_service(**_service_kwargs(body))


def _update_service(engine: Engine, step: tuple, deadline: Deadline) -> None:
    import docker.errors

    _, service_id, version, body = step
    doing = f"updating service {body['Name']}"
    with docker_errors(doing, engine):
        try:
            engine.api.update_service(service_id, version, **_service_kwargs(body))
        except docker.errors.APIError as exc:
            if "out of sequence" not in str(exc.explanation or exc):
                raise
            fresh = engine.api.inspect_service(service_id)
            engine.api.update_service(service_id, fresh["Version"]["Index"], **_service_kwargs(body))


def _delete(kind: str):
    def delete(engine: Engine, step: tuple, deadline: Deadline) -> None:
        import docker.errors

        _, object_id, name = step
        remove = {"service": engine.api.remove_service, "secret": engine.api.remove_secret,
                  "network": engine.api.remove_network}[kind]
        with docker_errors(f"deleting {kind} {name}", engine):
            while True:
                try:
                    remove(object_id)
                    if kind == "network":
                        _wait_gone(engine, object_id, deadline)
                    return
                except docker.errors.NotFound:
                    return
                except docker.errors.APIError as exc:
                    busy = "active endpoints" in str(exc.explanation or exc) or "in use" in str(exc.explanation or exc)
                    if not busy or deadline.expired:
                        raise
                    deadline.sleep(0.5)

    return delete


def _wait_gone(engine: Engine, network_id: str, deadline: Deadline) -> None:
    """Swarm removes an overlay network once the tasks of deleted services have let go of it (after
    their stop grace period): wait for that, so that a destroy that returns has removed it."""
    import docker.errors

    while not deadline.expired:
        try:
            engine.api.inspect_network(network_id)
        except docker.errors.NotFound:
            return
        deadline.sleep(0.5)
    raise ProviderError(f"network {network_id} is still there: the tasks of its deleted services have not "
                        "stopped yet; run destroy again")


def _unknown(engine: Engine, step: tuple, deadline: Deadline) -> None:
    raise ProviderError(f"unknown step {step[0]!r}")


_STEPS = {"create_network": _create_network, "create_service": _create_service, "update_service": _update_service,
          "delete_service": _delete("service"), "delete_secret": _delete("secret"),
          "delete_network": _delete("network")}

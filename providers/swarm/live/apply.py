"""The Engine API calls a plan's steps make (each a :class:`cloudorch.live.plan.Step` of these
functions, run with the engine client bound to the command's deadline as first argument).

Deleting what is gone already succeeds (idempotent). A service update that meets a newer version
(someone changed it between plan and apply) is retried once against the fresh version, with the
same body. A network still holding the endpoints of tasks that are shutting down is retried until
the deadline, and its removal is waited for (Swarm removes it once those tasks have stopped).
"""

from __future__ import annotations

from typing import Any

from cloudorch.errors import ProviderError
from cloudorch_providers.swarm.live.clients import Engine, docker_errors


def service_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """A ServiceSpec as the docker SDK's create_service / update_service keyword arguments."""
    return {"task_template": body["TaskTemplate"], "name": body["Name"], "labels": body.get("Labels"),
            "mode": body["Mode"], "update_config": body.get("UpdateConfig"),
            "rollback_config": body.get("RollbackConfig"), "endpoint_spec": body.get("EndpointSpec")}


def create_network(engine: Engine, body: dict[str, Any]) -> None:
    with docker_errors(f"creating network {body['Name']}", engine):
        engine.api.create_network(body["Name"], driver=body["Driver"], attachable=body["Attachable"],
                                  check_duplicate=True, labels=body["Labels"])


def create_service(engine: Engine, body: dict[str, Any]) -> None:
    with docker_errors(f"creating service {body['Name']}", engine):
        engine.api.create_service(**service_kwargs(body))


def update_service(engine: Engine, service_id: str, version: int, body: dict[str, Any]) -> None:
    import docker.errors

    with docker_errors(f"updating service {body['Name']}", engine):
        try:
            engine.api.update_service(service_id, version, **service_kwargs(body))
        except docker.errors.APIError as exc:
            if "out of sequence" not in str(exc.explanation or exc):
                raise
            fresh = engine.api.inspect_service(service_id)
            engine.api.update_service(service_id, fresh["Version"]["Index"], **service_kwargs(body))


def _remove(engine: Engine, kind: str, object_id: str, name: str) -> None:
    import docker.errors

    remove = {"service": engine.api.remove_service, "secret": engine.api.remove_secret,
              "network": engine.api.remove_network}[kind]
    deadline = engine.deadline
    with docker_errors(f"deleting {kind} {name}", engine):
        while True:
            try:
                remove(object_id)
                return
            except docker.errors.NotFound:
                return
            except docker.errors.APIError as exc:
                said = str(exc.explanation or exc)
                if not ("active endpoints" in said or "in use" in said) or deadline.expired:
                    raise
                deadline.sleep(0.5)


def delete_service(engine: Engine, service_id: str, name: str) -> None:
    _remove(engine, "service", service_id, name)


def delete_secret(engine: Engine, secret_id: str, name: str) -> None:
    _remove(engine, "secret", secret_id, name)


def delete_network(engine: Engine, network_id: str, name: str) -> None:
    import docker.errors

    _remove(engine, "network", network_id, name)
    deadline = engine.deadline
    while not deadline.expired:
        with docker_errors(f"reading network {name}", engine):
            try:
                engine.api.inspect_network(network_id)
            except docker.errors.NotFound:
                return
        deadline.sleep(0.5)
    raise ProviderError(f"network {name} is still there: the tasks of its deleted services have not stopped "
                        "yet; run destroy again")

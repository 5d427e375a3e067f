"""Azure status facts classified by the kit's one precedence (no emulator: ARM replies as data)."""

from __future__ import annotations

from cloudorch.provider import State
from cloudorch.spec import parse_spec
from cloudorch_providers.azure.live.status import service_status

APP = parse_spec("version: 1\nname: demo\nservices:\n  web: {image: nginx:1.27.2, replicas: 2}\n", "demo.yaml",
                 env={}).app


def group(index: int, provisioning: str = "Succeeded", state: str = "Running", desired: int = 2,
          stopped: bool = False) -> dict:
    container = {"name": "web", "properties": {"image": "nginx:1.27.2",
                                                "instanceView": {"currentState": {"state": state}}}}
    properties = {"provisioningState": provisioning, "containers": [container], "osType": "Linux"}
    if stopped:
        properties["instanceView"] = {"state": "Stopped"}
    return {"name": f"demo-web-{index}", "location": "westeurope", "properties": properties,
            "tags": {"cloudorch-service": "web", "cloudorch-replica": str(index),
                     "cloudorch-replicas": str(desired)}}


def test_a_failed_replica_at_desired_zero_is_failed_not_stopped():
    s = service_status(APP, "web", [group(0, provisioning="Failed", desired=0)])
    assert s.state is State.FAILED


def test_stopped_at_zero_healthy_at_two():
    assert service_status(APP, "web", [group(0, desired=0, stopped=True, state="Terminated")]).state is State.STOPPED
    assert service_status(APP, "web", [group(0), group(1)]).state is State.HEALTHY


def test_being_provisioned_and_degraded():
    rolling = service_status(APP, "web", [group(0), group(1, provisioning="Creating", state="Waiting")])
    assert (rolling.state, rolling.message) == (State.PROGRESSING, "1 of 2 replicas running; 1 being provisioned")
    degraded = service_status(APP, "web", [group(0), group(1, state="Waiting")])
    assert (degraded.state, degraded.message) == (State.DEGRADED, "1 of 2 replicas not running")


def test_surplus_groups_are_a_rollout_not_healthy():
    assert service_status(APP, "web", [group(0, desired=1), group(1, desired=1)]).state is State.PROGRESSING

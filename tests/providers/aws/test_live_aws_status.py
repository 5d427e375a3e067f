"""AWS status facts classified by the kit's one precedence (no emulator: ECS replies as data)."""

from __future__ import annotations

from cloudorch.provider import State
from cloudorch.spec import parse_spec
from cloudorch_providers.aws.live.status import service_status
from cloudorch_providers.aws.provider import AWSProvider

SPEC = "version: 1\nname: shop\nservices:\n  web: {image: nginx:1.27.2}\nproviders:\n  aws: {region: us-east-1}\n"
ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:3"
DEFINITIONS = {ARN: {"containerDefinitions": [{"name": "web", "image": "nginx:1.27.2"}]}}


def ctx():
    return AWSProvider(parse_spec(SPEC, "shop.yaml", env={})).context(region="us-east-1", subnets=["subnet-1"])


def ecs_service(desired: int, running: int, rollout: str = "COMPLETED", reason: str = "", deployments: int = 1):
    primary = {"status": "PRIMARY", "id": "ecs-svc/1", "taskDefinition": ARN, "rolloutState": rollout,
               "rolloutStateReason": reason, "failedTasks": 0}
    old = [{"status": "ACTIVE", "id": f"ecs-svc/{i}", "taskDefinition": ARN} for i in range(2, deployments + 1)]
    return {"serviceName": "shop-web", "status": "ACTIVE", "desiredCount": desired, "runningCount": running,
            "pendingCount": 0, "deployments": [primary, *old], "events": []}


def status(live):
    return service_status(None, ctx(), "web", live, dict(DEFINITIONS))


def test_a_failed_rollout_at_desired_zero_is_failed_not_stopped():
    # the kit's precedence: failures before STOPPED (ECS used to answer STOPPED first)
    s = status(ecs_service(0, 0, "FAILED", "ECS deployment circuit breaker: tasks failed to start"))
    assert s.state is State.FAILED and s.message == "ECS deployment circuit breaker: tasks failed to start"


def test_scaled_to_zero_and_drained_is_stopped():
    assert status(ecs_service(0, 0)).state is State.STOPPED


def test_scaled_to_zero_with_tasks_left_is_still_stopping():
    s = status(ecs_service(0, 2))
    assert (s.state, s.message) == (State.PROGRESSING, "stopping: 2 replicas left")


def test_healthy_and_rolling():
    assert status(ecs_service(2, 2)).state is State.HEALTHY
    assert status(ecs_service(2, 2, deployments=2)).state is State.PROGRESSING
    assert status(ecs_service(2, 2, rollout="IN_PROGRESS")).state is State.PROGRESSING

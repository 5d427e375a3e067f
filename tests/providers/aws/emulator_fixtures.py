"""Fixtures for the AWS emulator tests: the emulator on a free loopback port (one per test module),
plain boto3 clients pointed at it, and the sandbox admin endpoint.

Test modules import the fixture functions they use (``from emulator_fixtures import aws_fixture``:
the fixtures are named ``aws_server``, ``aws`` and ``network``); every test starts from an empty
emulator (reset through the admin endpoint).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from cloudorch.sandbox.server import serve
from cloudorch_providers.aws.emulator import AWSEmulator

REGION = "eu-west-1"
START_DELAY = 0.3
LOG_INTERVAL = 0.1
TIMEOUT = 10.0


class AWS:
    """A running emulator as the tests see it."""

    #: one boto3 session for all test modules: it caches the service models clients load
    _session: boto3.session.Session | None = None

    def __init__(self, url: str):
        self.url = url
        if AWS._session is None:
            AWS._session = boto3.session.Session(
                aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION
            )
        self.session = AWS._session
        self._clients: dict[str, Any] = {}

    def client(self, name: str, **config: Any):
        """A boto3 client with standard retries (cached per service unless ``config`` is given)."""
        if not config and name in self._clients:
            return self._clients[name]
        cfg = Config(retries={"mode": "standard"}, **config)
        client = self.session.client(name, endpoint_url=self.url, config=cfg)
        if not config:
            self._clients[name] = client
        return client

    def admin(self, method: str, what: str, payload: Any = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}/_cloudorch/{what}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def requests(self) -> list[tuple[str, bool]]:
        return [(r["action"], r["mutating"]) for r in self.admin("GET", "requests")["requests"]]


@pytest.fixture(scope="module", name="aws_server")
def aws_server_fixture():
    """The emulator and one AWS handle (its boto3 clients are reused: creating them is slow)."""
    server = serve(AWSEmulator(period=0.05, start_delay=START_DELAY, log_interval=LOG_INTERVAL))
    yield server, AWS(server.url)
    server.stop()


@pytest.fixture(name="aws")
def aws_fixture(aws_server) -> AWS:
    handle = aws_server[1]
    handle.admin("POST", "reset")
    return handle


@pytest.fixture(name="network")
def network_fixture(aws) -> dict:
    """awsvpcConfiguration on the region's default VPC (default subnets, default security group)."""
    ec2 = aws.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    vpc = subnets[0]["VpcId"]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return {"awsvpcConfiguration": {"subnets": [s["SubnetId"] for s in subnets[:2]],
                                    "securityGroups": [groups[0]["GroupId"]], "assignPublicIp": "ENABLED"}}


def wait_until(check: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.05):
    """Poll ``check`` until it returns something truthy (returned) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def register(ecs, family: str, *images: str, log_group: str | None = None, prefix: str = "app",
             create_group: bool = False, health_check: bool = False) -> str:
    """Register a Fargate/awsvpc task definition with one container per image (web, side1, ...),
    logging to ``log_group`` through awslogs when given."""
    containers = []
    for i, image in enumerate(images):
        container: dict[str, Any] = {"name": "web" if i == 0 else f"side{i}", "image": image, "essential": i == 0,
                                     "portMappings": [{"containerPort": 80 + i, "name": f"p{80 + i}"}]}
        if log_group:
            options = {"awslogs-group": log_group, "awslogs-region": REGION, "awslogs-stream-prefix": prefix}
            if create_group:
                options["awslogs-create-group"] = "true"
            container["logConfiguration"] = {"logDriver": "awslogs", "options": options}
        if health_check:
            container["healthCheck"] = {"command": ["CMD-SHELL", "true"], "interval": 5}
        containers.append(container)
    return ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=containers, executionRoleArn="arn:aws:iam::123456789012:role/exec",
    )["taskDefinition"]["taskDefinitionArn"]


def create_service(ecs, network: dict, name: str, task_definition: str, desired: int = 2, **extra: Any) -> dict:
    ecs.create_cluster(clusterName="main")
    return ecs.create_service(cluster="main", serviceName=name, taskDefinition=task_definition, desiredCount=desired,
                              launchType="FARGATE", networkConfiguration=network, **extra)["service"]


def describe(ecs, name: str) -> dict:
    return ecs.describe_services(cluster="main", services=[name])["services"][0]


def tasks(ecs, name: str, status: str = "RUNNING") -> list[dict]:
    arns = ecs.list_tasks(cluster="main", serviceName=name, desiredStatus=status)["taskArns"]
    found = ecs.describe_tasks(cluster="main", tasks=arns)["tasks"] if arns else []
    return [t for t in found if t["group"] == f"service:{name}"]


def steady(ecs, name: str, desired: int) -> Callable[[], dict | None]:
    """A check: the service runs ``desired`` tasks on one COMPLETED deployment."""
    def check():
        service = describe(ecs, name)
        deployments = service["deployments"]
        done = (service["runningCount"] == desired and service["pendingCount"] == 0 and len(deployments) == 1
                and deployments[0]["rolloutState"] == "COMPLETED")
        return service if done else None
    return check

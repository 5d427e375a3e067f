"""The provider conformance suite on AWS, through the sandbox (moto's server + the lifecycle layer),
with out-of-band operations done by plain boto3."""

from __future__ import annotations

import boto3
import pytest

from cloudorch.testing import ConformanceHooks, ProviderConformance

REGION = "us-east-1"


class BotoHooks(ConformanceHooks):
    def __init__(self, config: dict):
        session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                        region_name=REGION)
        self.ecs = session.client("ecs", endpoint_url=config["url"])
        self.logs = session.client("logs", endpoint_url=config["url"])
        self.scaling = session.client("application-autoscaling", endpoint_url=config["url"])
        self.ec2 = session.client("ec2", endpoint_url=config["url"])

    @staticmethod
    def cluster(app: str) -> str:
        return "shop" if app == "webshop" else app  # webshop's spec names its cluster

    def delete_service(self, app: str, service: str) -> None:
        self.ecs.delete_service(cluster=self.cluster(app), service=f"{app}-{service}", force=True)

    def plant_unowned(self, app: str, service: str) -> None:
        cluster = self.cluster(app)
        self.ecs.create_cluster(clusterName=cluster)
        self.ecs.register_task_definition(
            family=f"handmade-{app}-{service}", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", containerDefinitions=[{"name": "main", "image": "nginx:1.27.2"}])
        subnets = [s["SubnetId"] for s in self.ec2.describe_subnets()["Subnets"]][:1]
        groups = [g["GroupId"] for g in self.ec2.describe_security_groups()["SecurityGroups"]][:1]
        self.ecs.create_service(
            cluster=cluster, serviceName=f"{app}-{service}", taskDefinition=f"handmade-{app}-{service}",
            desiredCount=1, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": groups}})

    def running_images(self, app: str, service: str) -> list[str]:
        cluster = self.cluster(app)
        arns = self.ecs.list_tasks(cluster=cluster, serviceName=f"{app}-{service}", desiredStatus="RUNNING")["taskArns"]
        tasks = self.ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
        return [c["image"] for t in tasks if t["lastStatus"] == "RUNNING" for c in t["containers"]
                if c.get("lastStatus") == "RUNNING"]

    def unowned_exists(self, app: str, service: str) -> bool:
        reply = self.ecs.describe_services(cluster=self.cluster(app), services=[f"{app}-{service}"])
        return any(s["status"] == "ACTIVE" for s in reply["services"])

    def owned_resources(self, app: str) -> list[str]:
        def ours(tags: list[dict]) -> bool:
            return {"key": "cloudorch-app", "value": app} in tags

        found = []
        clusters = self.ecs.describe_clusters(clusters=self.ecs.list_clusters()["clusterArns"],
                                              include=["TAGS"])["clusters"]
        for cluster in clusters:
            if cluster["status"] == "ACTIVE" and ours(cluster.get("tags", [])) \
                    and cluster.get("activeServicesCount", 0) == 0:
                found.append(f"cluster {cluster['clusterName']}")
            arns = self.ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
            for i in range(0, len(arns), 10):
                for svc in self.ecs.describe_services(cluster=cluster["clusterArn"], services=arns[i:i + 10],
                                                      include=["TAGS"])["services"]:
                    if svc["status"] == "ACTIVE" and ours(svc.get("tags", [])):
                        found.append(f"service {svc['serviceName']}")
        for arn in self.ecs.list_task_definitions(familyPrefix=f"{app}-", status="ACTIVE")["taskDefinitionArns"]:
            found.append(f"task definition {arn.rsplit('/', 1)[-1]}")
        for group in self.logs.describe_log_groups(logGroupNamePrefix=f"/cloudorch/{app}/")["logGroups"]:
            found.append(f"log group {group['logGroupName']}")
        for target in self.scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]:
            if target["ResourceId"].split("/")[-1].startswith(f"{app}-"):
                found.append(f"scalable target {target['ResourceId']}")
        return found


class TestAWSConformance(ProviderConformance):
    provider = "aws"
    timeout = 60.0
    emulator_options = {"aws": {"start_delay": 0.3, "period": 0.1}}
    status_read = "ecs:DescribeServices"
    known_gaps = {
        "test_missing_secret_fails_the_deploy_naming_it":
            "the emulator starts tasks whose secrets' valueFrom names no secret "
            "(ECS stops them with ResourceInitializationError)",
        "test_crashing_update_keeps_the_previous_revision_serving":
            "an update whose tasks crash-loop is reported healthy (no deployment circuit breaker and rollback)",
    }

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        return BotoHooks(sandbox.config("aws"))

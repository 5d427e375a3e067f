"""The AWS provider's live operations, mixed into :class:`cloudorch_providers.aws.provider.AWSProvider`.

Deploy-time resolution: the region (settings, else the AWS chain), the default VPC's subnets when
``providers.aws.subnets`` is empty, and the VPC's default security group when
``security_groups`` is empty (each looked up once per command).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import AppStatus, Change, Document, LogLine, Plan
from cloudorch.spec.models import Autoscale
from cloudorch_providers.aws import convert
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_service import scalable_target, scaling_policy, uses_service_connect


class AWSLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.deadline``, ``self.context()``."""

    @cached_property
    def aws(self):
        from cloudorch_providers.aws.live.clients import Clients

        return Clients(self.settings.region, self.sandbox, self.deadline)

    @property
    def _deadline(self) -> Deadline:
        return self.deadline or Deadline(None)

    # -- resolution -------------------------------------------------------------------------------
    @cached_property
    def live_context(self) -> Context:
        """The context with the region and network resolved (for plan and deploy)."""
        from cloudorch_providers.aws.live.clients import aws_errors

        subnets = list(self.settings.subnets)
        if not subnets:
            ec2 = self.aws("ec2")
            with aws_errors(f"finding the default VPC in {self.aws.region}"):
                vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
                if not vpcs:
                    raise ProviderError(f"no default VPC in {self.aws.region}; set providers.aws.subnets "
                                        "(and security_groups) in the spec")
                reply = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
                                                      {"Name": "default-for-az", "Values": ["true"]}])
                subnets = sorted(s["SubnetId"] for s in reply["Subnets"])
        return self.context(region=self.aws.region, subnets=subnets)

    @cached_property
    def _security_groups(self) -> list[str]:
        from cloudorch_providers.aws.live.clients import aws_errors

        if self.settings.security_groups:
            return list(self.settings.security_groups)
        ec2 = self.aws("ec2")
        subnets = list(self.live_context.subnets)
        with aws_errors("finding the VPC's default security group"):
            vpc = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
            groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                           {"Name": "group-name", "Values": ["default"]}])
        return [g["GroupId"] for g in groups["SecurityGroups"][:1]]

    def _documents(self) -> list[Document]:
        ctx = self.live_context
        self.check(ctx)
        docs = convert.render(ctx)
        for doc in docs:
            if doc.kind == "Service":
                doc.body["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] = self._security_groups
        return docs

    def _read(self):
        from cloudorch_providers.aws.live.state import read_live

        return read_live(self.aws, self.live_context, uses_service_connect(self.app))

    # -- the interface ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        from cloudorch_providers.aws.live.plan import Planner

        docs = self._documents()
        live = self._read()
        self._definitions.update({d["taskDefinitionArn"]: d for d in live.task_definitions.values()})
        return Planner(self.live_context, live).plan(docs)

    def apply(self, change: Change) -> None:
        from cloudorch_providers.aws.live.apply import apply_change

        apply_change(self.aws, change, self._deadline)

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        from cloudorch_providers.aws.live.status import app_status

        names = list(services) if services else list(self.app.services)
        return app_status(self.aws, self.context(region=self.aws.region), names, self._definitions)

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        """Task definitions by ARN (immutable), shared by every status call of this command."""
        return {}

    def scale(self, service: str, replicas: int) -> None:
        from cloudorch_providers.aws.live.clients import aws_errors

        ctx = self.context(region=self.aws.region)
        with aws_errors(f"scaling ECS service {ctx.service_name(service)}"):
            self.aws("ecs").update_service(cluster=ctx.cluster, service=ctx.service_name(service),
                                           desiredCount=replicas)

    def autoscale(self, service: str, policy: Autoscale | None) -> None:
        from cloudorch_providers.aws.live.clients import aws_errors

        ctx = self.context(region=self.aws.region)
        scaling = self.aws("application-autoscaling")
        with aws_errors(f"setting autoscaling of ECS service {ctx.service_name(service)}"):
            if policy is None:
                import botocore.exceptions

                try:
                    scaling.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=ctx.resource_id(service),
                                                       ScalableDimension="ecs:service:DesiredCount")
                except botocore.exceptions.ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") != "ObjectNotFoundException":
                        raise
                return
            spec_service = self.app.services[service].model_copy(update={"autoscale": policy})
            scaling.register_scalable_target(**scalable_target(ctx, service, spec_service))
            scaling.put_scaling_policy(**scaling_policy(ctx, service, spec_service))

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None) -> list[LogLine]:
        from cloudorch_providers.aws.live.logs import read_logs

        return read_logs(self.aws, self.context(region=self.aws.region), services, since, tail)

    def destroy_plan(self) -> Plan:
        from cloudorch_providers.aws.live.plan import destroy_plan
        from cloudorch_providers.aws.live.state import read_live

        ctx = self.context(region=self.aws.region)
        return destroy_plan(ctx, read_live(self.aws, ctx, with_namespace=uses_service_connect(self.app)))

    def _unused(self) -> Any:  # pragma: no cover - keeps the mixin's contract visible to type checkers
        return self.app, self.settings, self.sandbox

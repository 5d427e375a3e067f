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
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.context()``. Each operation
    works through ``self._aws(deadline)``: the session's clients under that operation's deadline."""

    @cached_property
    def _session(self):
        from cloudorch_providers.aws.live.clients import AWSSession

        return AWSSession(self.settings.region, self.sandbox)

    def _aws(self, deadline: Deadline):
        return self._session.bound(deadline)

    # -- resolution -------------------------------------------------------------------------------
    def live_context(self, aws) -> Context:
        """The context with the region and network resolved (for plan and deploy; once per command)."""
        if self._resolved is None:
            self._resolved = self._resolve_context(aws)
        return self._resolved

    _resolved: Context | None = None

    def _resolve_context(self, aws) -> Context:
        from cloudorch_providers.aws.live.clients import aws_errors

        subnets = list(self.settings.subnets)
        if not subnets:
            ec2 = aws("ec2")
            with aws_errors(f"finding the default VPC in {aws.region}"):
                vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
                if not vpcs:
                    raise ProviderError(f"no default VPC in {aws.region}; set providers.aws.subnets "
                                        "(and security_groups) in the spec")
                reply = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
                                                      {"Name": "default-for-az", "Values": ["true"]}])
                subnets = sorted(s["SubnetId"] for s in reply["Subnets"])
        return self.context(region=aws.region, subnets=subnets)

    def _security_groups(self, aws) -> list[str]:
        from cloudorch_providers.aws.live.clients import aws_errors

        if self.settings.security_groups:
            return list(self.settings.security_groups)
        ec2 = aws("ec2")
        subnets = list(self.live_context(aws).subnets)
        with aws_errors("finding the VPC's default security group"):
            vpc = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
            groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                           {"Name": "group-name", "Values": ["default"]}])
        return [g["GroupId"] for g in groups["SecurityGroups"][:1]]

    def _documents(self, aws) -> list[Document]:
        ctx = self.live_context(aws)
        self.check(ctx)
        docs = convert.render(ctx)
        groups = self._security_groups(aws)
        for doc in docs:
            if doc.kind == "Service":
                doc.body["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] = groups
        return docs

    # -- the interface ----------------------------------------------------------------------------
    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.aws.live.plan import Planner
        from cloudorch_providers.aws.live.state import read_live

        aws = self._aws(deadline)
        docs = self._documents(aws)
        live = read_live(aws, self.live_context(aws), uses_service_connect(self.app))
        self._definitions.update({d["taskDefinitionArn"]: d for d in live.task_definitions.values()})
        return Planner(self.live_context(aws), live).plan(docs)

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.apply import apply_change

        apply_change(self._aws(deadline), change, deadline)

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        from cloudorch_providers.aws.live.status import app_status

        aws = self._aws(deadline)
        names = list(services) if services else list(self.app.services)
        return app_status(aws, self.context(region=aws.region), names, self._definitions)

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        """Task definitions by ARN (immutable), shared by every status call of this command."""
        return {}

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.clients import aws_errors

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        with aws_errors(f"scaling ECS service {ctx.service_name(service)}"):
            aws("ecs").update_service(cluster=ctx.cluster, service=ctx.service_name(service),
                                           desiredCount=replicas)

    def autoscale(self, service: str, policy: Autoscale | None, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.clients import aws_errors

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        scaling = aws("application-autoscaling")
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
             tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
        from cloudorch_providers.aws.live.logs import read_logs

        aws = self._aws(deadline)
        return read_logs(aws, self.context(region=aws.region), services, since, tail)

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.aws.live.plan import destroy_plan
        from cloudorch_providers.aws.live.state import read_live

        aws = self._aws(deadline)
        ctx = self.context(region=aws.region)
        return destroy_plan(ctx, read_live(aws, ctx, with_namespace=uses_service_connect(self.app)))

    def _unused(self) -> Any:  # pragma: no cover - keeps the mixin's contract visible to type checkers
        return self.app, self.settings, self.sandbox

"""The AWS provider's live operations, mixed into :class:`cloudorch_providers.aws.provider.AWSProvider`.

Deploy-time resolution: the region (settings, else the AWS chain), the account (settings, else
STS), the default VPC's subnets when ``providers.aws.subnets`` is empty (each looked up once per
command); the ids of the app's security groups, load balancers and target groups are found by the
plan's live read or by the creates (:mod:`.refs`).
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
        with aws_errors("finding the AWS account (sts GetCallerIdentity)"):
            account = self.settings.account_id or self.aws("sts").get_caller_identity()["Account"]
        return self.context(region=self.aws.region, subnets=subnets, account_id=account)

    @cached_property
    def poll_aws(self):
        """Clients for status polls: one retry (the poll loop is the retry, bounded by the deadline)."""
        from cloudorch_providers.aws.live.clients import Clients

        return Clients(self.settings.region, self.sandbox, self.deadline, attempts=2)

    @cached_property
    def refs(self):
        """Live ids by ``Kind:name``, shared by this command's plan and apply."""
        from cloudorch_providers.aws.live.refs import Refs

        return Refs()

    def _documents(self) -> list[Document]:
        ctx = self.live_context
        self.check(ctx)
        return convert.render(ctx)

    def _read(self):
        from cloudorch_providers.aws.live.state import read_live

        return read_live(self.aws, self.live_context, uses_service_connect(self.app))

    # -- the interface ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        from cloudorch_providers.aws.live.plan import Planner

        from cloudorch_providers.aws.live.edge_state import read_edge

        docs = self._documents()
        live = self._read()
        edge = read_edge(self.aws, self.live_context, self.refs)
        self._definitions.update({d["taskDefinitionArn"]: d for d in live.task_definitions.values()})
        return Planner(self.live_context, live, edge, self.refs).plan(docs)

    def apply(self, change: Change) -> None:
        from cloudorch_providers.aws.live.apply import apply_change

        apply_change(self.aws, change, self._deadline, self.refs)

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        from cloudorch_providers.aws.live.status import app_status

        from cloudorch.provider import ServiceStatus, State
        from cloudorch_providers.aws.live.clients import TransientError

        names = list(services) if services else list(self.app.services)
        try:
            polling = self.deadline is not None
            aws = self.poll_aws if polling else self.aws
            status = app_status(aws, self.context(region=aws.region), names, self._definitions)
        except TransientError as exc:
            # while polling (deploy, secrets --roll) a transient reply is not news about the app:
            # the poll sees the last status read (or a pending one) and tries again within its deadline
            if self.deadline is None:
                raise
            known = {s.name: s for s in self._last_status}
            return AppStatus(self.app.name, "aws", [
                known.get(n) or ServiceStatus(n, State.PENDING, message=f"status not read yet ({exc.code})")
                for n in names])
        self._last_status = [s for s in status.services] + [s for s in self._last_status
                                                             if s.name not in {x.name for x in status.services}]
        return status

    @cached_property
    def _last_status(self) -> list:
        return []

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

    def store_secret(self, name: str, value: str) -> str:
        from cloudorch_providers.aws.live.secrets import store

        return store(self.aws, self.context(region=self.aws.region), name, value)

    def secret_locations(self) -> list:
        from cloudorch_providers.aws.live.secrets import locations

        return locations(self.aws, self.context(region=self.aws.region))

    def restart(self, service: str) -> None:
        from cloudorch_providers.aws.live.secrets import restart

        restart(self.aws, self.context(region=self.aws.region), service)

    def destroy_plan(self) -> Plan:
        from cloudorch_providers.aws.live.edge_state import read_edge
        from cloudorch_providers.aws.live.plan import destroy_plan
        from cloudorch_providers.aws.live.state import read_live

        ctx = self.live_context
        live = read_live(self.aws, ctx, with_namespace=uses_service_connect(self.app), destroying=True)
        return destroy_plan(ctx, live, read_edge(self.aws, ctx, self.refs))

    def _unused(self) -> Any:  # pragma: no cover - keeps the mixin's contract visible to type checkers
        return self.app, self.settings, self.sandbox

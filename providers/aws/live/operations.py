"""The AWS provider's live operations, mixed into :class:`cloudorch_providers.aws.provider.AWSProvider`.

Each operation takes the command's deadline and works through ``self._aws(deadline)``: the
session's clients with timeouts from that deadline (:mod:`.clients`).

Deploy-time resolution: the region (settings, else the AWS chain), the account (settings, else
STS), the default VPC's subnets when ``providers.aws.subnets`` is empty (once per command); the
ids of the app's security groups, load balancers and target groups are found by the plan's live
read or by the creates (:mod:`.refs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import AppStatus, Change, Document, LogLine, Plan, Revision, SecretLocation
from cloudorch.spec.models import Autoscale
from cloudorch_providers.aws import convert
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_service import scalable_target, scaling_policy, uses_service_connect


class AWSLiveOperations:
    """Needs ``self.app``, ``self.settings``, ``self.sandbox``, ``self.context()``."""

    @cached_property
    def _session(self):
        from cloudorch_providers.aws.live.clients import AWSSession

        return AWSSession(self.settings.region, self.sandbox)

    def _aws(self, deadline: Deadline):
        return self._session.bound(deadline)

    # -- resolution -------------------------------------------------------------------------------
    _resolved: Context | None = None

    def live_context(self, aws) -> Context:
        """The context with the region, account and network resolved (for plan and deploy; once per command)."""
        if self._resolved is None:
            self._resolved = self._resolve_context(aws)
        return self._resolved

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
        with aws_errors("finding the AWS account (sts GetCallerIdentity)"):
            account = self.settings.account_id or aws("sts").get_caller_identity()["Account"]
        return self.context(region=aws.region, subnets=subnets, account_id=account)

    @cached_property
    def refs(self):
        """Live ids by ``Kind:name``, shared by this command's plan and apply."""
        from cloudorch_providers.aws.live.refs import Refs

        return Refs()

    def _documents(self, aws) -> list[Document]:
        ctx = self.live_context(aws)
        self.check(ctx)
        return convert.render(ctx)

    # -- the interface ----------------------------------------------------------------------------
    def plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.aws.live.edge_state import read_edge
        from cloudorch_providers.aws.live.jobs_plan import read_jobs
        from cloudorch_providers.aws.live.plan import Planner
        from cloudorch_providers.aws.live.state import read_live

        aws = self._aws(deadline)
        docs = self._documents(aws)
        ctx = self.live_context(aws)
        live = read_live(aws, ctx, uses_service_connect(self.app))
        live.jobs = read_jobs(aws, ctx, live)
        edge = read_edge(aws, ctx, self.refs)
        self._definitions.update({d["taskDefinitionArn"]: d for d in live.task_definitions.values()})
        return Planner(ctx, live, edge, self.refs).plan(docs)

    def apply(self, change: Change, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.apply import apply_change

        apply_change(self._aws(deadline), change, deadline, self.refs)

    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        """A transient failure raises a transient CloudError: the engine's waits retry it until the
        deadline (:func:`cloudorch.live.errors.poll`)."""
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
            aws("ecs").update_service(cluster=ctx.cluster, service=ctx.service_name(service), desiredCount=replicas)

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

    def exec(self, request, *, deadline: Deadline):
        from cloudorch_providers.aws.live.exec import open_exec

        aws = self._aws(deadline)
        profile = "" if self.sandbox else (self._session.session.profile_name or "")
        return open_exec(aws, self.context(region=aws.region), request, profile)

    def events(self, since: dt.datetime | None = None, *, deadline: Deadline):
        from cloudorch_providers.aws.live.exec import read_events

        aws = self._aws(deadline)
        return read_events(aws, self.context(region=aws.region))

    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        from cloudorch_providers.aws.live.secrets import store

        aws = self._aws(deadline)
        return store(aws, self.context(region=aws.region), name, value)

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        from cloudorch_providers.aws.live.secrets import locations

        aws = self._aws(deadline)
        return locations(aws, self.context(region=aws.region))

    def restart(self, service: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.secrets import restart

        aws = self._aws(deadline)
        restart(aws, self.context(region=aws.region), service)

    # -- history (:mod:`cloudorch_providers.aws.live.history`) --------------------------------------
    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        from cloudorch_providers.aws.live.history import revisions

        aws = self._aws(deadline)
        return revisions(aws, self.context(region=aws.region), service)

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        from cloudorch_providers.aws.live.history import rollback

        aws = self._aws(deadline)
        rollback(aws, self.context(region=aws.region), service, revision)

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        from cloudorch_providers.aws.live.edge_state import read_edge
        from cloudorch_providers.aws.live.jobs_plan import read_jobs
        from cloudorch_providers.aws.live.plan import destroy_plan
        from cloudorch_providers.aws.live.state import read_live

        aws = self._aws(deadline)
        ctx = self.live_context(aws)
        live = read_live(aws, ctx, with_namespace=uses_service_connect(self.app), destroying=True)
        live.jobs = read_jobs(aws, ctx, live, destroying=True)
        return destroy_plan(ctx, live, read_edge(aws, ctx, self.refs))

    def _unused(self) -> Any:  # pragma: no cover - keeps the mixin's contract visible to type checkers
        return self.app, self.settings, self.sandbox

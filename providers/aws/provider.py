"""The AWS provider: the app on Amazon ECS (Fargate by default), one ECS service per spec service.

Offline half: ``render`` (the API calls' kwargs, see :mod:`cloudorch_providers.aws.convert`) and ``validate``
(the fit table, see :mod:`cloudorch_providers.aws.fit`, after the checks of :mod:`cloudorch_providers.aws.checks`).
This module imports no AWS SDK; the live operations (:mod:`cloudorch_providers.aws.live`) import boto3
inside themselves.

Capabilities: all of them natively. Replicas and rolling updates are ECS services' own; autoscale is
Application Auto Scaling target tracking; logs go to CloudWatch Logs; public IPs are per task
(no load balancer); volumes are task storage; sidecars are extra containers in the task; health
checks are container health checks; secrets are Secrets Manager / SSM references; service
discovery is ECS Service Connect.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Document, FieldReport, Provider
from cloudorch.spec.fields import report
from cloudorch_providers.aws import checks, convert
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.fit import fit_function
from cloudorch_providers.aws.fit_jobs import job_fit
from cloudorch_providers.aws.live.jobs import AWSJobOperations
from cloudorch_providers.aws.live.operations import AWSLiveOperations
from cloudorch_providers.aws.settings import AWSSettings


class AWSProvider(AWSJobOperations, AWSLiveOperations, Provider):
    """Amazon ECS (Fargate or EC2) with CloudWatch Logs, Application Auto Scaling and Service Connect."""

    name = "aws"
    extra = "aws"
    requires = ("boto3",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.REPLICAS, Capability.AUTOSCALE, Capability.LOGS, Capability.JOBS, Capability.SCHEDULES})
    settings_model = AWSSettings
    settings: AWSSettings

    @classmethod
    def emulator(cls, **options: Any):
        """moto's server plus the ECS lifecycle layer (see :mod:`cloudorch_providers.aws.emulator`)."""
        from cloudorch_providers.aws.emulator import AWSEmulator

        return AWSEmulator(**options)

    def context(self, **resolved: Any) -> Context:
        """The conversion inputs; ``resolved`` (region, account_id, subnets) replaces what the
        settings leave open, as the live operations find it."""
        return Context.create(self.app, self.settings, self.markers(), **resolved)

    def check(self, ctx: Context | None = None) -> None:
        """Raise SpecError for everything AWS would reject."""
        ctx = ctx or self.context()
        found = checks.issues(self.spec, ctx)
        if not found and self.settings.overrides:
            from cloudorch_providers.aws import overrides

            found = overrides.issues(self.spec, self.settings, convert.render(ctx, overrides=False))
        if found:
            raise SpecError(found)

    def render(self) -> list[Document]:
        ctx = self.context()
        self.check(ctx)
        return convert.render(ctx)

    def validate(self) -> list[FieldReport]:
        ctx = self.context()
        self.check(ctx)
        lines = report(self.app, fit_function(ctx), job_fit)
        if self.settings.overrides:
            from cloudorch_providers.aws import overrides

            lines += overrides.field_reports(self.settings)
        return lines

"""Carrying out one planned Change: its typed steps (:class:`cloudorch.live.plan.Step`), in order,
each waited for, with the operation's :class:`Context` as their first argument.

The container group steps are here (network steps: :mod:`.network`; resource group steps:
:mod:`.resource_group`). Secret placeholders in a PUT body are replaced by their values just before
the body goes to the SDK, and the group is tagged with a keyed hash of them (:mod:`.secret_hash`);
the values are redacted from any error. Deletions of what is already gone succeed (idempotent).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cloudorch.deadline import Deadline
from cloudorch.live.plan import run_steps
from cloudorch.provider import Change
from cloudorch_providers.azure.live.clients import Clients, azure_errors, is_not_found
from cloudorch_providers.azure.live.secret_hash import TAG as SECRET_TAG
from cloudorch_providers.azure.live.secret_hash import tag_value
from cloudorch_providers.azure.live.secret_values import SecretValues, placeholders, substitute


@dataclass(frozen=True)
class Context:
    """What every step of one operation works with."""

    az: Clients
    resource_group: str
    app: str
    secrets: SecretValues
    deadline: Deadline

    def doing(self, verb: str, name: str) -> str:
        text = f"{verb} container group {name} in resource group {self.resource_group}"
        self.deadline.check(text)
        return text


def apply_change(context: Context, change: Change) -> None:
    run_steps(change, context)


def put_group(ctx: Context, name: str, body: dict) -> None:
    """Create or update (a full PUT: ACI restarts every container of the group)."""
    from azure.mgmt.containerinstance.models import ContainerGroup

    from cloudorch_providers.azure.live.history import recorded_tags

    doing = ctx.doing("putting", name)
    # the body carries the live group's recorded revisions (the plan copies them): add this one
    body = {**body, "tags": recorded_tags(body.get("tags"), body, time.time())}
    values = ctx.secrets.resolve(placeholders(body))
    if values:  # a keyed hash of the values, so the next plan sees a changed one (never the values)
        tags = body.get("tags", {})
        body = {**body, "tags": {**tags, SECRET_TAG: tag_value(values, tags.get(SECRET_TAG))}}
    model = ContainerGroup.deserialize(substitute(body, values))
    groups = ctx.az.aci.container_groups
    with azure_errors(doing, ctx.secrets.known()):
        poller = groups.begin_create_or_update(ctx.resource_group, name, model)
        ctx.az.wait(poller, doing, ctx.deadline, resume=lambda token: groups.begin_create_or_update(
            ctx.resource_group, name, model, continuation_token=token))


def delete_group(ctx: Context, name: str) -> None:
    from azure.core.exceptions import HttpResponseError

    doing = ctx.doing("deleting", name)
    with azure_errors(doing):
        try:
            ctx.az.wait(ctx.az.aci.container_groups.begin_delete(ctx.resource_group, name), doing, ctx.deadline)
        except HttpResponseError as exc:
            if not is_not_found(exc):  # the group (or its resource group) is gone already
                raise


def tag_group(ctx: Context, name: str, tags: dict[str, str]) -> None:
    """A PATCH of the tags alone, which restarts nothing (``tags`` carry the recorded revisions)."""
    from azure.mgmt.containerinstance.models import Resource

    with azure_errors(ctx.doing("tagging", name)):
        ctx.az.aci.container_groups.update(ctx.resource_group, name, Resource(tags=tags))


def start_group(ctx: Context, name: str) -> None:
    groups = ctx.az.aci.container_groups
    doing = ctx.doing("starting", name)
    with azure_errors(doing):
        ctx.az.wait(groups.begin_start(ctx.resource_group, name), doing, ctx.deadline,
                    resume=lambda token: groups.begin_start(ctx.resource_group, name, continuation_token=token))


def stop_group(ctx: Context, name: str) -> None:
    """ACI's stop: nothing runs or is billed; the group stays to be started again."""
    with azure_errors(ctx.doing("stopping", name)):
        ctx.az.aci.container_groups.stop(ctx.resource_group, name)

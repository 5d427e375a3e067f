"""An ECS service's revisions: the ACTIVE revisions of its task definition family that carry the app's
markers (a revision someone registered by hand is not the app's and is not listed), with the time ECS
registered each, the main container's image, and the one the service runs marked current. ECS keeps
every revision until it is deregistered, so the history is as long as the family's ACTIVE revisions
(destroy deregisters them).

A rollback points the service at the chosen revision (UpdateService ``taskDefinition``), as the ECS
console's "update service" to an earlier revision does; ECS rolls its tasks over with the service's
deployment configuration (and circuit breaker). The family's latest revision stays what the spec
renders, so ``plan`` shows the service's task definition drift and ``deploy`` points it back.
"""

from __future__ import annotations

from typing import Any

from cloudorch.provider import Revision
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.clients import aws_errors
from cloudorch_providers.aws.live.state import MARKERS, ecs_tags, read_services

#: what changes with every registration, not with the spec
VOLATILE = ("taskDefinitionArn", "revision", "status", "registeredAt", "registeredBy", "deregisteredAt",
            "requiresAttributes", "compatibilities", "tags")


def document(definition: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in definition.items() if k not in VOLATILE}


def main_image(definition: dict[str, Any], container: str) -> str:
    containers = definition.get("containerDefinitions") or [{}]
    return next((c.get("image", "") for c in containers if c.get("name") == container), containers[0].get("image", ""))


def revisions(aws, ctx: Context, service: str) -> list[Revision]:
    name, family = ctx.service_name(service), ctx.family(service)
    live = read_services(aws, ctx, [name]).get(name)
    if live is None:
        return []
    if not MARKERS.owns(ecs_tags(live), ctx.app.name):
        raise MARKERS.not_ours("ECS service", name, ecs_tags(live), ctx.app.name, where=f"in cluster {ctx.cluster}")
    ecs, found = aws("ecs"), []
    with aws_errors(f"listing the revisions of task definition family {family}"):
        pages = ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
        for arn in [a for page in pages for a in page["taskDefinitionArns"]]:
            if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] != family:  # the prefix also matches other families
                continue
            reply = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            if not MARKERS.owns(ecs_tags(reply), ctx.app.name):
                continue
            definition = reply["taskDefinition"]
            found.append(Revision(str(definition["revision"]), definition.get("registeredAt"),
                                  main_image(definition, service), arn == live.get("taskDefinition"),
                                  document=document(definition), payload=arn))
    return sorted(found, key=lambda r: int(r.revision))


def rollback(aws, ctx: Context, service: str, revision: Revision) -> None:
    name = ctx.service_name(service)
    with aws_errors(f"rolling ECS service {name} back to task definition {revision.payload.rsplit('/', 1)[-1]}"):
        aws("ecs").update_service(cluster=ctx.cluster, service=name, taskDefinition=revision.payload)

"""The whole spec -> the AWS API calls that create it, in apply order (pure: no SDK, no network).

Each :class:`~cloudorch.provider.Document` body is exactly the boto3 kwargs of one call, which is
also what ``aws <service> <operation> --cli-input-json`` takes:

=============== ============================================ =======================================
kind            call                                         name
=============== ============================================ =======================================
Cluster         ecs CreateCluster                            the cluster
Namespace       servicediscovery CreateHttpNamespace         the app (only with Service Connect)
LogGroup        logs CreateLogGroup                          ``/cloudorch/{app}/{service}``
LogRetention    logs PutRetentionPolicy                      the log group
TaskDefinition  ecs RegisterTaskDefinition                   ``{app}-{service}``
Service         ecs CreateService                            ``{app}-{service}``
ScalableTarget  application-autoscaling RegisterScalableTarget  ``service/{cluster}/{app}-{service}``
ScalingPolicy   application-autoscaling PutScalingPolicy     ``{app}-{service}-cpu``
=============== ============================================ =======================================

Order: the cluster and the namespace first, then the services in dependency order (``depends_on``
waves, alphabetical within a wave), each as log group, retention, task definition, service, then
its autoscaling. Idempotency tokens (``clientToken``, ``CreatorRequestId``) are added at deploy
time, never rendered. Every taggable resource carries the markers and the app's labels; the
services propagate them to their tasks. Secret values never appear: only ``valueFrom`` references.
"""

from __future__ import annotations

from cloudorch.provider import Document
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_service import ecs_service, scalable_target, scaling_policy, uses_service_connect
from cloudorch_providers.aws.convert_task import task_definition
from cloudorch_providers.aws.fargate import task_size


def cluster(ctx: Context) -> Document:
    return Document("Cluster", ctx.cluster, {"clusterName": ctx.cluster, "tags": ctx.ecs_tags()})


def namespace(ctx: Context) -> Document:
    body = {"Name": ctx.namespace,
            "Description": f"Service Connect namespace of the cloudorch app {ctx.app.name}",
            "Tags": ctx.cloudmap_tags()}
    return Document("Namespace", ctx.namespace, body)


def service_documents(ctx: Context, name: str) -> list[Document]:
    service = ctx.app.services[name]
    size = task_size(service, ctx.settings.launch_type)
    if size is None:
        raise ValueError(f"services.{name}: no task size fits; run the checks before rendering")
    group = ctx.log_group(name)
    docs = [
        Document("LogGroup", group, {"logGroupName": group, "tags": ctx.tags()}, name),
        Document("LogRetention", group,
                 {"logGroupName": group, "retentionInDays": ctx.settings.log_retention_days}, name),
        Document("TaskDefinition", ctx.family(name), task_definition(ctx, name, service, size), name),
        Document("Service", ctx.service_name(name), ecs_service(ctx, name, service), name),
    ]
    if service.autoscale:
        docs += [
            Document("ScalableTarget", ctx.resource_id(name), scalable_target(ctx, name, service), name),
            Document("ScalingPolicy", ctx.policy_name(name), scaling_policy(ctx, name, service), name),
        ]
    return docs


def render(ctx: Context, overrides: bool = True) -> list[Document]:
    """Every document, in apply order, with the spec's override blocks merged in (unless
    ``overrides=False``). Call :func:`providers.aws.checks.issues` first."""
    docs = [cluster(ctx)]
    if uses_service_connect(ctx.app):
        docs.append(namespace(ctx))
    for wave in ctx.app.order():
        for name in wave:
            docs.extend(service_documents(ctx, name))
    if overrides and ctx.settings.overrides:
        from cloudorch_providers.aws.overrides import apply

        docs = apply(docs, ctx.settings)
    return docs

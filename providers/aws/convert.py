"""The whole spec -> the AWS API calls that create it, in apply order (pure: no SDK, no network).

Each :class:`~cloudorch.provider.Document` body is exactly the boto3 kwargs of one call, which is
also what ``aws <service> <operation> --cli-input-json`` takes:

=============== ============================================ =======================================
kind            call                                         name
=============== ============================================ =======================================
Role            iam CreateRole                               ``{app}-execution-{region}``
RolePolicy      iam PutRolePolicy                            ``{role}/cloudorch-execution``
SecurityGroup   ec2 CreateSecurityGroup                      ``{app}-tasks``, ``{app}-lb``
SecurityGroupIngress ec2 AuthorizeSecurityGroupIngress       the group
LoadBalancer    elbv2 CreateLoadBalancer                     ``{app}`` (ALB), ``{app}-net`` (NLB)
TargetGroup     elbv2 CreateTargetGroup                      ``{app}-{service}-{port}``
Listener        elbv2 CreateListener                         ``{load balancer}:{port}``
ListenerRule    elbv2 CreateRule                             ``{listener}/{priority}``
Cluster         ecs CreateCluster                            the cluster
Namespace       servicediscovery CreateHttpNamespace         the app (only with Service Connect)
LogGroup        logs CreateLogGroup                          ``/cloudorch/{app}/{service}``
LogRetention    logs PutRetentionPolicy                      the log group
TaskDefinition  ecs RegisterTaskDefinition                   ``{app}-{service}``
Service         ecs CreateService                            ``{app}-{service}``
ScalableTarget  application-autoscaling RegisterScalableTarget  ``service/{cluster}/{app}-{service}``
ScalingPolicy   application-autoscaling PutScalingPolicy     ``{app}-{service}-cpu``
=============== ============================================ =======================================

Order: the execution role (:mod:`.convert_access`), the security groups and load balancers
(:mod:`.convert_network`), the cluster and the namespace first, then the services in dependency order (``depends_on``
waves, alphabetical within a wave), each as log group, retention, task definition, service, then
its autoscaling. Idempotency tokens (``clientToken``, ``CreatorRequestId``) are added at deploy
time, never rendered. Every taggable resource carries the markers and the app's labels; the
services propagate them to their tasks. Secret values never appear: only ``valueFrom`` references.
"""

from __future__ import annotations

from cloudorch.provider import Document
from cloudorch_providers.aws import convert_access, convert_network
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_service import ecs_service, scalable_target, scaling_policy, uses_service_connect
from cloudorch_providers.aws.convert_task import task_definition
from cloudorch_providers.aws.fargate import task_size

#: document kind -> (boto3 client, operation) whose input the document's body is
OPERATIONS = {
    "Role": ("iam", "create_role"), "RolePolicy": ("iam", "put_role_policy"),
    "SecurityGroup": ("ec2", "create_security_group"),
    "SecurityGroupIngress": ("ec2", "authorize_security_group_ingress"),
    "LoadBalancer": ("elbv2", "create_load_balancer"), "TargetGroup": ("elbv2", "create_target_group"),
    "Listener": ("elbv2", "create_listener"), "ListenerRule": ("elbv2", "create_rule"),
    "Cluster": ("ecs", "create_cluster"), "Namespace": ("servicediscovery", "create_http_namespace"),
    "LogGroup": ("logs", "create_log_group"), "LogRetention": ("logs", "put_retention_policy"),
    "TaskDefinition": ("ecs", "register_task_definition"), "Service": ("ecs", "create_service"),
    "ScalableTarget": ("application-autoscaling", "register_scalable_target"),
    "SchedulerRole": ("iam", "create_role"), "SchedulerRolePolicy": ("iam", "put_role_policy"),
    "ScheduleGroup": ("scheduler", "create_schedule_group"), "Schedule": ("scheduler", "create_schedule"),
    "ScalingPolicy": ("application-autoscaling", "put_scaling_policy"),
}


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
    docs = convert_access.documents(ctx) + convert_network.documents(ctx) + [cluster(ctx)]
    if uses_service_connect(ctx.app):
        docs.append(namespace(ctx))
    for wave in ctx.app.order():
        for name in wave:
            docs.extend(service_documents(ctx, name))
    if ctx.app.jobs:
        from cloudorch_providers.aws.convert_jobs import documents as job_documents

        docs.extend(job_documents(ctx))
    if overrides and ctx.settings.overrides:
        from cloudorch_providers.aws.overrides import apply

        docs = apply(docs, ctx.settings)
    return docs

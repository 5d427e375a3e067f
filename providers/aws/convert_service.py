"""A spec service -> ECS ``CreateService`` kwargs, and Application Auto Scaling for ``autoscale``.

Service: ``serviceName`` ``{app}-{service}`` in the cluster, ``taskDefinition`` = the family (ECS
takes its latest ACTIVE revision), ``desiredCount`` = ``replicas`` (with ``autoscale``: replicas
clamped into min..max), ``launchType``, a rolling deployment (``minimumHealthyPercent: 100``,
``maximumPercent: 200``: new tasks start before old ones stop) with the deployment circuit
breaker on and rollback on failure, ``propagateTags: SERVICE`` and ``enableECSManagedTags`` so the
tasks carry the markers too, tags. No ``clientToken`` (deploy adds one per call, for idempotent
retries). A service with public ports registers its tasks with its target groups
(``loadBalancers``, see :mod:`cloudorch_providers.aws.convert_network`) and gets the spec's health
``start_period`` as ``healthCheckGracePeriodSeconds`` (ECS ignores failing load balancer health
checks that long after a task starts).

Network (``awsvpcConfiguration``): ``subnets`` from the settings; empty means the default VPC's
subnets, which deploy looks up and fills in (``render`` shows ``[]``). ``securityGroups``: the
settings' groups, else the app's own tasks group (a reference until deploy knows its id).
``assignPublicIp``:

1. ``settings.assign_public_ip`` when given;
2. ``DISABLED`` on EC2 (awsvpc tasks on EC2 cannot have one);
3. ``ENABLED`` when ``subnets`` is empty: the default VPC's subnets are public subnets without a
   NAT gateway, so a task without a public IP could not pull its image, read its secrets or ship
   its logs. Reachability is still governed by the security groups (the app's tasks group admits
   nothing from outside the app and its load balancers);
4. else ``DISABLED`` (private subnets reach the internet through their own NAT / endpoints; public
   ports are reached through the load balancers, never a task's own address).

Service discovery (``serviceConnectConfiguration``), when the app has two or more services and one
of them listens on a TCP/HTTP port: every service joins the namespace named after the app; each
TCP/HTTP port is published with ``clientAliases`` ``{dnsName: <service>, port}`` so clients reach it
as ``<service>:<port>`` (as the spec promises), ``discoveryName`` = the service name for the first
port and ``{service}-{port}`` for further ones (it must be unique in the namespace). Services without
such ports join as clients only. UDP ports are left out: Service Connect proxies TCP only. The Cloud
Map namespace must exist before the services; it is rendered as its own document (``Namespace``).

Autoscale: ``RegisterScalableTarget`` (``ecs:service:DesiredCount`` of
``service/{cluster}/{app}-{service}``, MinCapacity/MaxCapacity = min/max, tagged) and
``PutScalingPolicy`` (target tracking on ``ECSServiceAverageCPUUtilization`` at ``cpu_percent``,
AWS's default cooldowns), named ``{app}-{service}-cpu``.
"""

from __future__ import annotations

from typing import Any

from cloudorch.spec.models import App, Service
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_network import load_balancers, security_groups
from cloudorch_providers.aws.convert_task import port_name


def proxied_ports(service: Service) -> list[int]:
    """The ports Service Connect publishes (TCP-based ones)."""
    return [p.port for p in service.ports if p.protocol != "udp"]


def uses_service_connect(app: App) -> bool:
    return len(app.services) > 1 and any(proxied_ports(s) for s in app.services.values())


def assign_public_ip(ctx: Context, service: Service) -> str:
    settings = ctx.settings
    if settings.assign_public_ip is not None:
        enabled = settings.assign_public_ip
    elif settings.launch_type == "EC2":
        enabled = False
    else:
        enabled = not settings.subnets
    return "ENABLED" if enabled else "DISABLED"


def service_connect(ctx: Context, name: str, service: Service) -> dict[str, Any]:
    entries = []
    for i, port in enumerate(proxied_ports(service)):
        entries.append({
            "portName": port_name(name, port),
            "discoveryName": name if i == 0 else port_name(name, port),
            "clientAliases": [{"port": port, "dnsName": name}],
        })
    doc: dict[str, Any] = {"enabled": True, "namespace": ctx.namespace}
    if entries:
        doc["services"] = entries
    return doc


def ecs_service(ctx: Context, name: str, service: Service) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "cluster": ctx.cluster,
        "serviceName": ctx.service_name(name),
        "taskDefinition": ctx.family(name),
        "desiredCount": service.desired_replicas,
        "launchType": ctx.settings.launch_type,
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": list(ctx.subnets),
            "securityGroups": security_groups(ctx),
            "assignPublicIp": assign_public_ip(ctx, service),
        }},
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "propagateTags": "SERVICE",
        "enableECSManagedTags": True,
        "tags": ctx.ecs_tags(),
    }
    if ctx.settings.exec:
        doc["enableExecuteCommand"] = True
    balancers = load_balancers(ctx, name)
    if balancers:
        doc["loadBalancers"] = balancers
        doc["healthCheckGracePeriodSeconds"] = int(service.health.start_period) if service.health else 0
    if uses_service_connect(ctx.app):
        doc["serviceConnectConfiguration"] = service_connect(ctx, name, service)
    return doc


def scalable_target(ctx: Context, name: str, service: Service) -> dict[str, Any]:
    assert service.autoscale is not None
    return {
        "ServiceNamespace": "ecs",
        "ResourceId": ctx.resource_id(name),
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": service.autoscale.min,
        "MaxCapacity": service.autoscale.max,
        "Tags": ctx.tags(),
    }


def scaling_policy(ctx: Context, name: str, service: Service) -> dict[str, Any]:
    assert service.autoscale is not None
    return {
        "PolicyName": ctx.policy_name(name),
        "ServiceNamespace": "ecs",
        "ResourceId": ctx.resource_id(name),
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": float(service.autoscale.cpu_percent),
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    }

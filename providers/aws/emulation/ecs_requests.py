"""Where moto's ECS API differs from ECS in ways the lifecycle cannot fix afterwards, the emulator
adjusts the request before moto sees it and the stored service right after.

Before (:func:`prepare`):
- ``awsvpcConfiguration`` without ``securityGroups`` (optional on ECS, which then uses the VPC's
  default security group) crashes moto 5.2 with a KeyError (an HTML 500 that botocore retries);
  the emulator fills in the default security group of the first subnet's VPC, as ECS does.
- CreateService of a name that is ACTIVE in the cluster replaces the service in moto (orphaning
  its tasks); ECS refuses with InvalidParameterException "Creation of service was not idempotent.",
  and so does the emulator.
- CreateService of an ``awsvpc`` task definition without ``networkConfiguration``: ECS refuses
  ("Network Configuration must be provided when networkMode 'awsvpc' is specified."), moto
  accepts; the emulator refuses.
- CreateService/UpdateService ``loadBalancers`` naming a target group that does not exist, has no
  load balancer (no listener or rule forwards to it), or a container name and port the task
  definition does not have: ECS refuses (InvalidParameterException, "The target group ... does not
  have an associated load balancer."; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html),
  moto accepts.
- RegisterTaskDefinition with container ``secrets`` but no ``executionRoleArn`` ("When you are
  specifying container secrets, you must also specify a value for 'executionRoleArn'."), or a
  Fargate task definition logging with ``awslogs`` without one ("Fargate requires task definition
  to have execution role ARN to support log driver awslogs."): ECS refuses with ClientException
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html), moto accepts.
- DeleteCluster of a cluster that still has ACTIVE services or running tasks: ECS refuses
  (ClusterContainsServicesException / ClusterContainsTasksException), moto marks it INACTIVE and
  leaves the services running; the emulator refuses.

After a successful CreateService (:func:`remember`): moto drops parameters it does not model; the
emulator stores them on moto's service object, where DescribeServices finds them:
``deploymentConfiguration``, ``healthCheckGracePeriodSeconds``, ``enableExecuteCommand``,
``enableECSManagedTags``, ``capacityProviderStrategy``, ``placementConstraints``,
``placementStrategy``, ``availabilityZoneRebalancing``; ``serviceConnectConfiguration`` is kept
for the service's deployments (DescribeServices shows it per deployment, as ECS does). A service
created with a ``capacityProviderStrategy`` and no ``launchType`` has no launch type (moto says EC2).

Replies (:func:`rewrite_reply`): moto's ListTasks ignores ``serviceName`` and lists stopped tasks
when no ``desiredStatus`` is given; ECS lists only the service's tasks (group ``service:NAME``) and
defaults to desiredStatus RUNNING. The emulator filters moto's answer accordingly. moto's
UpdateService reply claims ``runningCount`` = the new desired count and the old deployments; the
CreateService and UpdateService replies carry the counts, task definition ARN and deployments after
the lifecycle ran instead.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

from moto.core.utils import camelcase_to_underscores

#: CreateService parameters moto 5.2 ignores, kept on the service object
KEPT_ON_CREATE = (
    "deploymentConfiguration", "healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags",
    "capacityProviderStrategy", "placementConstraints", "placementStrategy", "availabilityZoneRebalancing",
    "serviceConnectConfiguration",
)
NETWORKED_ACTIONS = frozenset({"CreateService", "UpdateService", "RunTask", "CreateTaskSet"})


def account_of(access_key: str) -> str:
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


class Refused(Exception):
    """A request ECS refuses and moto would accept: answered with a 400 ``code`` error."""

    def __init__(self, message: str, code: str = "InvalidParameterException"):
        super().__init__(message)
        self.code, self.message = code, message


def prepare(action: str, body: dict[str, Any], account_id: str, region: str) -> bool:
    """Fix ``body`` in place before moto handles ``action``; True when it changed. Raises
    :class:`Refused` for requests ECS refuses."""
    if action == "CreateService":
        _check_create(body, account_id, region)
    if action in ("CreateService", "UpdateService") and body.get("loadBalancers"):
        _check_load_balancers(body, account_id, region)
    if action == "RegisterTaskDefinition":
        _check_execution_role(body)
    if action == "DeleteCluster":
        _check_delete_cluster(body, account_id, region)
    if action not in NETWORKED_ACTIONS:
        return False
    vpc = ((body.get("networkConfiguration") or {}).get("awsvpcConfiguration"))
    if not isinstance(vpc, dict) or vpc.get("securityGroups") or not vpc.get("subnets"):
        return False
    group = default_security_group(account_id, region, vpc["subnets"][0])
    if group is None:
        return False
    vpc["securityGroups"] = [group]
    return True


def _check_create(body: dict[str, Any], account_id: str, region: str) -> None:
    from moto.ecs.models import ecs_backends

    try:
        backend = ecs_backends[account_id][region]
    except Exception:  # noqa: BLE001 - let moto answer for unknown regions
        return
    cluster = str(body.get("cluster") or "default").split("/")[-1]
    name = body.get("serviceName")
    existing = backend.services.get(f"{cluster}:{name}")
    if existing is not None and existing.status == "ACTIVE":
        raise Refused("Creation of service was not idempotent.")
    if body.get("taskDefinition") and not body.get("networkConfiguration"):
        try:
            task_definition = backend.describe_task_definition(body["taskDefinition"])
        except Exception:  # noqa: BLE001 - moto reports unknown task definitions itself
            return
        if task_definition.network_mode == "awsvpc":
            raise Refused("Network Configuration must be provided when networkMode 'awsvpc' is specified.")


def _check_execution_role(body: dict[str, Any]) -> None:
    if body.get("executionRoleArn"):
        return
    containers = body.get("containerDefinitions") or []
    if any(c.get("secrets") for c in containers):
        raise Refused("When you are specifying container secrets, you must also specify a value for "
                      "'executionRoleArn'.", "ClientException")
    fargate = "FARGATE" in (body.get("requiresCompatibilities") or [])
    if fargate and any((c.get("logConfiguration") or {}).get("logDriver") == "awslogs" for c in containers):
        raise Refused("Fargate requires task definition to have execution role ARN to support log driver awslogs.",
                      "ClientException")


def _check_load_balancers(body: dict[str, Any], account_id: str, region: str) -> None:
    from moto.ecs.models import ecs_backends
    from moto.elbv2.models import elbv2_backends

    groups = elbv2_backends[account_id][region].target_groups
    containers = None
    if body.get("taskDefinition"):
        try:
            definition = ecs_backends[account_id][region].describe_task_definition(body["taskDefinition"])
            containers = {c.get("name"): {m.get("containerPort") for m in c.get("portMappings") or []}
                          for c in definition.container_definitions}
        except Exception:  # noqa: BLE001 - moto reports unknown task definitions itself
            containers = None
    for entry in body["loadBalancers"]:
        arn = entry.get("targetGroupArn")
        if arn is not None:
            group = groups.get(arn)
            if group is None:
                raise Refused(f"Unable to find target group {arn}.")
            if not group.load_balancer_arns:
                raise Refused(f"The target group with targetGroupArn {arn} does not have an associated load "
                              "balancer.")
        if containers is not None and entry.get("containerPort") not in containers.get(entry.get("containerName"), ()):
            raise Refused(f"The container {entry.get('containerName')} did not have a container port "
                          f"{entry.get('containerPort')} defined.")


def _check_delete_cluster(body: dict[str, Any], account_id: str, region: str) -> None:
    from moto.ecs.models import ecs_backends

    try:
        backend = ecs_backends[account_id][region]
    except Exception:  # noqa: BLE001
        return
    cluster = str(body.get("cluster") or "default").split("/")[-1]
    if any(s.cluster_name == cluster and s.status == "ACTIVE" for s in backend.services.values()):
        raise Refused("The Cluster cannot be deleted while Services are active.", "ClusterContainsServicesException")
    if any(t.desired_status == "RUNNING" for t in backend.tasks.get(cluster, {}).values()):
        raise Refused("The Cluster cannot be deleted while Tasks are active.", "ClusterContainsTasksException")


def default_security_group(account_id: str, region: str, subnet_id: str) -> str | None:
    from moto.ec2.models import ec2_backends

    try:
        ec2 = ec2_backends[account_id][region]
        group = ec2.get_security_group_from_name("default", vpc_id=ec2.get_subnet(subnet_id).vpc_id)
    except Exception:  # noqa: BLE001 - an unknown subnet: let moto report it
        return None
    return group.id if group is not None else None


def _task_definition(arn: str):
    """moto's task definition of ``arn`` (None when there is none)."""
    from moto.ecs.models import ecs_backends

    family, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
    for _, _, backend in ecs_backends.iter_backends():
        definition = (backend.task_definitions.get(family) or {}).get(int(revision)) if revision.isdigit() else None
        if definition is not None and definition.arn == arn:
            return definition
    return None


def _registered_at(action: str, response: bytes) -> bytes | None:
    """ECS answers RegisterTaskDefinition and DescribeTaskDefinition with the revision's ``registeredAt``
    (API reference, TaskDefinition); moto keeps none, so the time of registration is kept here."""
    try:
        reply = json.loads(response)
        definition = reply["taskDefinition"]
    except (ValueError, KeyError, TypeError):
        return None
    found = _task_definition(definition.get("taskDefinitionArn", ""))
    if found is None:
        return None
    if action == "RegisterTaskDefinition" and getattr(found, "cloudorch_registered_at", None) is None:
        found.cloudorch_registered_at = time.time()
    stamp = getattr(found, "cloudorch_registered_at", None)
    if stamp is None or "registeredAt" in definition:
        return None
    definition["registeredAt"] = stamp
    return json.dumps(reply).encode()


def remember(action: str, body: dict[str, Any], response: bytes) -> None:
    """Store what moto dropped from a successful CreateService on the service it created."""
    if action != "CreateService":
        return
    try:
        arn = json.loads(response)["service"]["serviceArn"]
    except (ValueError, KeyError, TypeError):
        return
    service = _service_from_arn(arn)
    if service is None:
        return
    for key in KEPT_ON_CREATE:
        if key in body and getattr(service, camelcase_to_underscores(key), None) is None:
            setattr(service, camelcase_to_underscores(key), body[key])
    if body.get("capacityProviderStrategy") and not body.get("launchType"):
        service.launch_type = None


def rewrite_reply(action: str, body: dict[str, Any], response: bytes) -> bytes | None:
    """A corrected reply (see the module docstring), or None to keep moto's."""
    if action in ("RegisterTaskDefinition", "DescribeTaskDefinition"):
        return _registered_at(action, response)
    if action in ("CreateService", "UpdateService"):
        return _fresh_service_reply(response)
    if action != "ListTasks" or (body.get("desiredStatus") and not body.get("serviceName")):
        return None
    try:
        reply = json.loads(response)
        arns = reply["taskArns"]
    except (ValueError, KeyError, TypeError):
        return None
    from moto.ecs.models import ecs_backends

    by_arn = {arn: task for _, _, backend in ecs_backends.iter_backends()
              for table in backend.tasks.values() for arn, task in table.items()}
    status = body.get("desiredStatus") or "RUNNING"
    group = f"service:{body['serviceName'].split('/')[-1]}" if body.get("serviceName") else None
    reply["taskArns"] = [arn for arn in arns if arn in by_arn and by_arn[arn].desired_status == status
                         and (group is None or by_arn[arn].group == group)]
    return json.dumps(reply).encode()


def _fresh_service_reply(response: bytes) -> bytes | None:
    try:
        reply = json.loads(response)
        service = _service_from_arn(reply["service"]["serviceArn"])
    except (ValueError, KeyError, TypeError):
        return None
    if service is None:
        return None
    reply["service"].update({
        "runningCount": service.running_count, "pendingCount": service.pending_count,
        "taskDefinition": service.task_definition,
        "deployments": [{k: _epoch(v) for k, v in d.items() if v is not None} for d in service.deployments],
    })
    return json.dumps(reply).encode()


def _epoch(value: Any) -> Any:
    """A moto (naive UTC) datetime as the JSON protocol's epoch seconds."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=datetime.UTC).timestamp()
    return value


def _service_from_arn(arn: str):
    from moto.ecs.models import ecs_backends

    parts = arn.split(":", 5)
    if len(parts) != 6:
        return None
    _, _, _, region, account_id, _ = parts
    try:
        services = ecs_backends[account_id][region].services.values()
    except Exception:  # noqa: BLE001
        return None
    return next((s for s in services if s.arn == arn and s.status == "ACTIVE"), None)

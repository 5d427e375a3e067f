"""The AWS plan: each rendered document against the live resource of the same exact name.

A Change's payload is steps (see :mod:`.apply`) that ``apply`` runs in order; the execution role,
security groups and load balancing are planned by :mod:`.edge_plan`. Task definitions
are registered only when they differ from the family's latest ACTIVE revision; services update
only the fields that differ; a same-named service without this app's markers is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cloudorch.diff import differences, field_diffs, top_fields
from cloudorch.errors import ProviderError
from cloudorch.provider import Action, Change, Document, Plan
from cloudorch.secretmask import Mask
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.apply import call
from cloudorch_providers.aws.live.edge_plan import EDGE_KINDS, EdgePlanner
from cloudorch_providers.aws.live.edge_state import Edge
from cloudorch_providers.aws.live.jobs_plan import JobPlanning
from cloudorch_providers.aws.live.plan_values import (
    MANAGED_CONTAINER_KEYS,
    TASK_KEYS,
    service_documents,
    tag_pairs,
    task_definition_documents,
)
from cloudorch_providers.aws.live.refs import Refs
from cloudorch_providers.aws.live.state import MARKERS, OWNER, Live, ecs_tags

#: service keys compared field by field below; any other key of the rendered service (one an override
#: block adds) is compared as a whole and sent to UpdateService when it differs
SERVICE_KEYS = ("cluster", "serviceName", "taskDefinition", "desiredCount", "launchType", "networkConfiguration",
                "deploymentConfiguration", "serviceConnectConfiguration", "propagateTags", "enableECSManagedTags",
                "tags", "clientToken", "loadBalancers", "healthCheckGracePeriodSeconds", "enableExecuteCommand")


def client_token(*parts: Any) -> str:
    """A deterministic idempotency token (ECS allows 36 characters)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def not_ours(kind: str, name: str, where: str, tags: dict[str, str], app: str) -> ProviderError:
    """The kit's one-line refusal of a same-named resource that is not this app's."""
    return MARKERS.not_ours(kind, name, tags, app, where=where.strip())


def task_definition_fields(desired: dict[str, Any], live: dict[str, Any]) -> list[str]:
    want = {k: desired.get(k) for k in TASK_KEYS}
    want.update({k: v for k, v in desired.items() if k not in ("family", "tags", "containerDefinitions")})
    found = differences(want, live)
    containers = desired["containerDefinitions"]
    live_containers = {c["name"]: c for c in live.get("containerDefinitions", [])}
    if [c["name"] for c in containers] != [c["name"] for c in live.get("containerDefinitions", [])]:
        found.append("containerDefinitions")
    else:
        for container in containers:
            want = {k: None for k in MANAGED_CONTAINER_KEYS} | container
            found += differences(want, live_containers[container["name"]], f"containers.{container['name']}")
    if differences(dict(tag_pairs(desired.get("tags", []))), dict(tag_pairs(live.get("tags", [])))):
        found.append("tags")
    return found


def latest_revision_arn(live: Live, family: str) -> str | None:
    definition = live.task_definitions.get(family)
    return definition["taskDefinitionArn"] if definition else None


def service_fields(desired: dict[str, Any], live: dict[str, Any], autoscaled: bool, latest: str | None,
                   registering: bool) -> list[str]:
    fields = []
    if registering or live.get("taskDefinition") != latest:
        fields.append("taskDefinition")
    if not autoscaled and live.get("desiredCount") != desired["desiredCount"]:
        fields.append("desiredCount")
    if live.get("launchType", desired["launchType"]) != desired["launchType"]:
        raise ProviderError(
            f"ECS service {desired['serviceName']} runs on {live.get('launchType')}; ECS cannot change a "
            f"service's launch type in place: delete the service (cloudorch destroy) and deploy again"
        )
    want_net = desired["networkConfiguration"]["awsvpcConfiguration"]
    have_net = (live.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    if (sorted(want_net["subnets"]) != sorted(have_net.get("subnets", []))
            or sorted(want_net["securityGroups"]) != sorted(have_net.get("securityGroups", []))
            or want_net["assignPublicIp"] != have_net.get("assignPublicIp", "DISABLED")):
        fields.append("networkConfiguration")
    deploy = {k: v for k, v in desired["deploymentConfiguration"].items()}
    if differences(deploy, live.get("deploymentConfiguration") or {}):
        fields.append("deploymentConfiguration")
    if "serviceConnectConfiguration" in desired:
        primary = next((d for d in live.get("deployments", []) if d.get("status") == "PRIMARY"), {})
        have = primary.get("serviceConnectConfiguration") or live.get("serviceConnectConfiguration")
        if have is not None and differences(desired["serviceConnectConfiguration"], have):
            fields.append("serviceConnectConfiguration")
    if sorted(map(_balancer_key, desired.get("loadBalancers", []))) != \
            sorted(map(_balancer_key, live.get("loadBalancers") or [])):
        fields.append("loadBalancers")
    if desired.get("healthCheckGracePeriodSeconds", 0) != (live.get("healthCheckGracePeriodSeconds") or 0) \
            and desired.get("loadBalancers"):
        fields.append("healthCheckGracePeriodSeconds")
    if bool(desired.get("enableExecuteCommand")) != bool(live.get("enableExecuteCommand")):
        fields.append("enableExecuteCommand")
    for key, value in desired.items():  # fields set by an override block
        if key not in SERVICE_KEYS and differences(value, live.get(key)):
            fields.append(key)
    want_tags = {t["key"]: t["value"] for t in desired["tags"]}
    if differences(want_tags, ecs_tags(live)):
        fields.append("tags")
    return fields


def _balancer_key(entry: dict[str, Any]) -> tuple:
    return (entry.get("targetGroupArn"), entry.get("containerName"), entry.get("containerPort"))


class Planner(JobPlanning):
    def __init__(self, ctx: Context, live: Live, edge: Edge | None = None, refs: Refs | None = None):
        self.ctx, self.live, self.app = ctx, live, ctx.app.name
        self.mask = Mask.of(ctx.app)
        self.desired_definitions: dict[str, dict[str, Any]] = {}  # family -> the rendered task definition
        self.refs = refs or Refs()
        self.edge = EdgePlanner(self, ctx, edge or Edge(), self.refs)
        self.changes: list[Change] = []

    def add(self, action: Action, doc: Document | None, kind: str, name: str, service: str | None,
            steps: list[tuple[str, str, dict]] = (), fields: list[str] = (), reason: str = "",
            documents: tuple[Any, Any] | None = None) -> None:
        """One change; ``documents``: the (desired, live) pair an update's values are shown from."""
        diff = field_diffs(*documents, self.mask) if documents is not None else []
        self.changes.append(Change(action, kind, name, service, list(fields), reason, payload=list(steps),
                                   diff=diff))

    def plan(self, docs: list[Document]) -> Plan:
        registering: set[str] = set()
        for doc in docs:
            if doc.kind in EDGE_KINDS:
                self.edge.plan(doc)
            else:
                getattr(self, f"_{doc.kind.lower()}")(doc, registering)
        self._unwanted_autoscaling()
        self._orphans()
        self.job_orphans()
        self.edge.unwanted()
        return Plan(self.app, "aws", self.changes)

    # -- one method per document kind --------------------------------------------------------------
    def _cluster(self, doc: Document, _) -> None:
        if self.live.cluster is None:
            self.add(Action.CREATE, doc, "Cluster", doc.name, None, [call("ecs", "create_cluster", doc.body)])
        else:
            self.add(Action.NOOP, doc, "Cluster", doc.name, None)

    def _namespace(self, doc: Document, _) -> None:
        if self.live.namespace is None:
            body = dict(doc.body, CreatorRequestId=client_token(self.app, "namespace", doc.body))
            self.add(Action.CREATE, doc, "Namespace", doc.name, None,
                     [call("servicediscovery", "create_http_namespace", body)])
        else:
            self.add(Action.NOOP, doc, "Namespace", doc.name, None)

    def _loggroup(self, doc: Document, _) -> None:
        if doc.name not in self.live.log_groups:
            self.add(Action.CREATE, doc, "LogGroup", doc.name, doc.service,
                     [call("logs", "create_log_group", doc.body)])
        else:
            self.add(Action.NOOP, doc, "LogGroup", doc.name, doc.service)

    def _logretention(self, doc: Document, _) -> None:
        group = self.live.log_groups.get(doc.name, {})
        if group.get("retentionInDays") != doc.body["retentionInDays"]:
            self.add(Action.UPDATE if group else Action.CREATE, doc, "LogRetention", doc.name, doc.service,
                     [call("logs", "put_retention_policy", doc.body)], ["retentionInDays"],
                     documents=({"retentionInDays": doc.body["retentionInDays"]},
                                {"retentionInDays": group.get("retentionInDays")}) if group else None)
        else:
            self.add(Action.NOOP, doc, "LogRetention", doc.name, doc.service)

    def _taskdefinition(self, doc: Document, registering: set[str]) -> None:
        live = self.live.task_definitions.get(doc.name)
        if live is not None and ecs_tags(live).get(OWNER) not in (None, self.app):
            raise not_ours("task definition family", doc.name, "", ecs_tags(live), self.app)
        self.desired_definitions[doc.name] = doc.body
        fields = ["family"] if live is None else task_definition_fields(doc.body, live)
        if fields:
            registering.add(doc.name)
            self.add(Action.CREATE if live is None else Action.UPDATE, doc, "TaskDefinition", doc.name,
                     doc.service, [call("ecs", "register_task_definition", doc.body)],
                     [] if live is None else top_fields(fields),
                     documents=None if live is None else task_definition_documents(doc.body, live))
        else:
            self.add(Action.NOOP, doc, "TaskDefinition", doc.name, doc.service)

    def _service(self, doc: Document, registering: set[str]) -> None:
        doc = Document(doc.kind, doc.name, self.refs.resolve(doc.body), doc.service)
        live = self.live.services.get(doc.name)
        service = self.ctx.app.services[doc.service]
        if live is None or live.get("status") == "DRAINING":
            body = dict(doc.body, clientToken=client_token(self.app, doc.name, doc.body))
            self.add(Action.CREATE, doc, "Service", doc.name, doc.service, [call("ecs", "create_service", body)])
            return
        if not self.live.owned_by(ecs_tags(live), self.app):
            raise not_ours("ECS service", doc.name, f"in cluster {self.ctx.cluster} ", ecs_tags(live), self.app)
        family = doc.body["taskDefinition"]
        fields = service_fields(doc.body, live, service.autoscale is not None,
                                latest_revision_arn(self.live, family), family in registering)
        if not fields:
            self.add(Action.NOOP, doc, "Service", doc.name, doc.service)
            return
        update: dict[str, Any] = {"cluster": self.ctx.cluster, "service": doc.name}
        for field in fields:
            if field == "tags":
                continue
            update[field] = doc.body.get(field, False if field == "enableExecuteCommand" else [])  # []: removed
        if "enableExecuteCommand" in fields:  # running tasks keep the setting they started with
            update["forceNewDeployment"] = True
        steps = [call("ecs", "update_service", update)] if len(update) > 2 else []
        if "tags" in fields:
            steps.append(call("ecs", "tag_resource", {"resourceArn": live["serviceArn"], "tags": doc.body["tags"]}))
        self.add(Action.UPDATE, doc, "Service", doc.name, doc.service, steps, fields,
                 documents=service_documents(doc.body, live, fields, latest_revision_arn(self.live, family),
                                             family in registering, self._definitions(family, live)))

    def _definitions(self, family: str, live: dict[str, Any]) -> tuple[dict | None, dict | None]:
        """The task definition the service should run, and the one it runs."""
        arn = live.get("taskDefinition")
        latest = self.live.task_definitions.get(family)
        running = latest if latest and latest.get("taskDefinitionArn") == arn else self.live.running.get(arn)
        return self.desired_definitions.get(family), running

    def _scalabletarget(self, doc: Document, _) -> None:
        live = self.live.targets.get(doc.name)
        fields = [] if live is None else [k for k in ("MinCapacity", "MaxCapacity")
                                          if live.get(k) != doc.body[k]]
        if live is None or fields:
            self.add(Action.CREATE if live is None else Action.UPDATE, doc, "ScalableTarget", doc.name,
                     doc.service, [call("application-autoscaling", "register_scalable_target", doc.body)], fields,
                     documents=None if live is None else ({k: doc.body[k] for k in fields},
                                                          {k: live.get(k) for k in fields}))
        else:
            self.add(Action.NOOP, doc, "ScalableTarget", doc.name, doc.service)

    def _scalingpolicy(self, doc: Document, _) -> None:
        live = self.live.policies.get(doc.name)
        want = doc.body["TargetTrackingScalingPolicyConfiguration"]
        have = (live or {}).get("TargetTrackingScalingPolicyConfiguration") or {}
        fields = [] if live is None else top_fields(differences(want, have))
        if live is None or fields:
            self.add(Action.CREATE if live is None else Action.UPDATE, doc, "ScalingPolicy", doc.name,
                     doc.service, [call("application-autoscaling", "put_scaling_policy", doc.body)], fields,
                     documents=None if live is None else (want, have))
        else:
            self.add(Action.NOOP, doc, "ScalingPolicy", doc.name, doc.service)

    # -- what the spec no longer has ---------------------------------------------------------------
    def _deregister_target(self, service: str, reason: str) -> None:
        resource_id = self.ctx.resource_id(service)
        if resource_id in self.live.targets:
            self.add(Action.DELETE, None, "ScalableTarget", resource_id, service,
                     [call("application-autoscaling", "deregister_scalable_target",
                       {"ServiceNamespace": "ecs", "ResourceId": resource_id,
                        "ScalableDimension": "ecs:service:DesiredCount"})], reason=reason)

    def _unwanted_autoscaling(self) -> None:
        for name, service in self.ctx.app.services.items():
            if service.autoscale is None and self.ctx.service_name(name) in self.live.services:
                self._deregister_target(name, "the spec has no autoscale")

    def _orphans(self) -> None:
        prefix = f"{self.app}-"
        for service_name, live in sorted(self.live.services.items()):
            spec_name = service_name[len(prefix):] if service_name.startswith(prefix) else service_name
            if spec_name in self.ctx.app.services or not self.live.owned_by(ecs_tags(live), self.app):
                continue
            self.add_service_deletion(spec_name, "no longer in the spec")

    def add_service_deletion(self, service: str, reason: str) -> None:
        """The changes that remove one service and everything that is only its."""
        ctx, live = self.ctx, self.live
        self._deregister_target(service, reason)
        name = ctx.service_name(service)
        if name in live.services and live.services[name].get("status") == "ACTIVE":
            self.add(Action.DELETE, None, "Service", name, service, [
                call("ecs", "delete_service", {"cluster": ctx.cluster, "service": name, "force": True}),
            ], reason=reason)
        family = ctx.family(service)
        revisions = live.revisions.get(family, [])
        if revisions:  # only revisions carrying this app's markers: a hand-registered one stays
            self.add(Action.DELETE, None, "TaskDefinition", family, service,
                     [call("ecs", "deregister_revisions", {"revisions": revisions})], reason=reason)
        group = ctx.log_group(service)
        if group in live.log_groups and live.owned_by(live.log_groups[group].get("tags", {}), self.app):
            self.add(Action.DELETE, None, "LogGroup", group, service,
                     [call("logs", "delete_log_group", {"logGroupName": group})], reason=reason)


def destroy_plan(ctx: Context, live: Live, edge: Edge | None = None) -> Plan:
    """Every resource of the app carrying its markers (or named for it under our prefixes),
    dependants first; the cluster and namespace only when we created them and nothing else uses them."""
    planner = Planner(ctx, live, edge)
    prefix = f"{ctx.app.name}-"
    services = set(ctx.app.services)
    services |= {n[len(prefix):] for n, s in live.services.items()
                 if n.startswith(prefix) and live.owned_by(ecs_tags(s), ctx.app.name)}
    for name in sorted(services):
        service = live.services.get(ctx.service_name(name))
        if service is not None and not live.owned_by(ecs_tags(service), ctx.app.name):
            continue  # a same-named service that is not ours: never touched
        planner.add_service_deletion(name, "")
    planner.job_orphans(destroying=True)
    planner.edge.unwanted(reason="")
    ours = {c.name for c in planner.changes if c.kind == "Service"}
    others = int(live.cluster.get("activeServicesCount", 0)) - len(ours) if live.cluster else 0
    if live.namespace is not None and MARKERS.owns(live.namespace.get("tags", {}), ctx.app.name):
        planner.add(Action.DELETE, None, "Namespace", ctx.namespace, None,
                    [call("servicediscovery", "delete_namespace", {"Id": live.namespace["Id"]})])
    if live.cluster is not None and live.owned_by(ecs_tags(live.cluster), ctx.app.name):
        if others > 0:
            planner.add(Action.NOOP, None, "Cluster", ctx.cluster, None,
                        reason=f"kept: it also runs {others} services that are not this app's")
        else:
            planner.add(Action.DELETE, None, "Cluster", ctx.cluster, None,
                        [call("ecs", "delete_cluster", {"cluster": ctx.cluster})])
    return Plan(ctx.app.name, "aws", planner.changes)

"""Planning the execution role, security groups and load balancing against what is live.

Per document kind: missing -> create (capturing the new id); a same-named resource without this
app's markers -> refused; ours -> only the fields that differ (trust or inline policy, ingress
permissions authorized/revoked one by one, load balancer groups and subnets, target group health
checks, listener actions and certificates, rule conditions and actions). What the spec no longer
needs and carries our markers is deleted after everything else, dependants first: rules,
listeners, load balancers, target groups, security groups (tasks, then load balancers), role.
Fields AWS cannot change in place (a target group's protocol or VPC, a load balancer's type) are
refused with the fix.
"""

from __future__ import annotations

import json
from typing import Any

from cloudorch.diff import differences
from cloudorch.errors import ProviderError
from cloudorch.provider import Action, Document
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_access import POLICY_NAME, TASK_POLICY_NAME
from cloudorch_providers.aws.live.apply import call
from cloudorch_providers.aws.live.edge_state import Edge, kv_tags
from cloudorch_providers.aws.live.refs import Refs
from cloudorch_providers.aws.live.state import MARKERS

HEALTH_FIELDS = ("HealthCheckEnabled", "HealthCheckProtocol", "HealthCheckPort", "HealthCheckPath",
                 "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                 "UnhealthyThresholdCount", "Matcher")
EDGE_KINDS = frozenset({"Role", "RolePolicy", "SecurityGroup", "SecurityGroupIngress", "LoadBalancer",
                        "TargetGroup", "Listener", "ListenerRule"})


def owned(tags: dict[str, str], app: str) -> bool:
    return MARKERS.owns(tags, app)


def flatten(permissions: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Each (protocol, from, to, source) of ``IpPermissions`` -> a one-source permission."""
    found = {}
    for perm in permissions:
        head = {k: perm[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in perm}
        base = (perm.get("IpProtocol"), perm.get("FromPort"), perm.get("ToPort"))
        for pair in perm.get("UserIdGroupPairs", []):
            found[base + ("group", pair["GroupId"])] = head | {"UserIdGroupPairs": [pair]}
        for cidr in perm.get("IpRanges", []):
            found[base + ("cidr", cidr["CidrIp"])] = head | {"IpRanges": [cidr]}
        for cidr in perm.get("Ipv6Ranges", []):
            found[base + ("cidr6", cidr["CidrIpv6"])] = head | {"Ipv6Ranges": [cidr]}
        for prefix in perm.get("PrefixListIds", []):
            found[base + ("prefix", prefix["PrefixListId"])] = head | {"PrefixListIds": [prefix]}
    return found


def action_key(action: dict[str, Any]) -> tuple:
    if action.get("Type") == "forward":
        arn = action.get("TargetGroupArn") or \
            ((action.get("ForwardConfig") or {}).get("TargetGroups") or [{}])[0].get("TargetGroupArn")
        return ("forward", arn)
    if action.get("Type") == "redirect":
        config = action.get("RedirectConfig") or {}
        return ("redirect", config.get("Protocol"), str(config.get("Port")), config.get("StatusCode"))
    return (action.get("Type"),)


def condition_key(condition: dict[str, Any]) -> tuple:
    values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values") or []
    return (condition.get("Field"), tuple(sorted(values)))


class EdgePlanner:
    """Adds the edge resources' Changes to a :class:`~cloudorch_providers.aws.live.plan.Planner`."""

    def __init__(self, planner, ctx: Context, edge: Edge, refs: Refs):
        self.planner, self.ctx, self.edge, self.refs, self.app = planner, ctx, edge, refs, ctx.app.name
        self.wanted: set[tuple[str, str]] = set()

    def add(self, action: Action, kind: str, name: str, steps=(), fields=(), reason: str = "") -> None:
        self.planner.add(action, None, kind, name, None, list(steps), list(fields), reason)

    def refuse_unowned(self, kind: str, name: str, tags: dict[str, str]) -> None:
        MARKERS.ensure(kind, name, tags, self.app)

    def plan(self, doc: Document) -> None:
        self.wanted.add((doc.kind, doc.name))
        getattr(self, f"_{doc.kind.lower()}")(doc, self.refs.resolve(doc.body))

    # -- IAM -----------------------------------------------------------------------------------
    def _role(self, doc: Document, body: dict[str, Any]) -> None:
        role = self.edge.task_role if doc.name == self.ctx.task_role_name else self.edge.role
        if role is None:
            self.add(Action.CREATE, "Role", doc.name, [call("iam", "create_role", body)])
            return
        self.refuse_unowned("IAM role", doc.name, kv_tags(role))
        if differences(json.loads(body["AssumeRolePolicyDocument"]), _policy(role["AssumeRolePolicyDocument"])):
            update = {"RoleName": doc.name, "PolicyDocument": body["AssumeRolePolicyDocument"]}
            self.add(Action.UPDATE, "Role", doc.name, [call("iam", "update_assume_role_policy", update)],
                     ["AssumeRolePolicyDocument"])
        else:
            self.add(Action.NOOP, "Role", doc.name)

    def _rolepolicy(self, doc: Document, body: dict[str, Any]) -> None:
        task = doc.name.split("/")[0] == self.ctx.task_role_name
        live = self.edge.task_role_policy if task else self.edge.role_policy
        if live is not None and not differences(json.loads(body["PolicyDocument"]), _policy(live)):
            self.add(Action.NOOP, "RolePolicy", doc.name)
            return
        self.add(Action.CREATE if live is None else Action.UPDATE, "RolePolicy", doc.name,
                 [call("iam", "put_role_policy", body)], [] if live is None else ["PolicyDocument"])

    # -- security groups -------------------------------------------------------------------------
    def _securitygroup(self, doc: Document, body: dict[str, Any]) -> None:
        group = self.edge.groups.get(doc.name)
        if group is None:
            self.add(Action.CREATE, "SecurityGroup", doc.name,
                     [call("ec2", "create_security_group", body, f"SecurityGroup:{doc.name}")])
            return
        self.refuse_unowned("security group", doc.name, kv_tags(group))
        self.add(Action.NOOP, "SecurityGroup", doc.name)

    def _securitygroupingress(self, doc: Document, body: dict[str, Any]) -> None:
        group = self.edge.groups.get(doc.name)
        want = flatten(body["IpPermissions"])
        have = flatten(group.get("IpPermissions", [])) if group else {}
        missing = [p for k, p in want.items() if k not in have]
        extra = [p for k, p in have.items() if k not in want]
        steps = []
        if missing:
            steps.append(call("ec2", "authorize_security_group_ingress", {
                "GroupId": body["GroupId"], "IpPermissions": missing, "TagSpecifications": body["TagSpecifications"]}))
        if extra:
            steps.append(call("ec2", "revoke_security_group_ingress",
                              {"GroupId": body["GroupId"], "IpPermissions": extra}))
        if not steps:
            self.add(Action.NOOP, "SecurityGroupIngress", doc.name)
        else:
            self.add(Action.CREATE if group is None else Action.UPDATE, "SecurityGroupIngress", doc.name, steps,
                     [] if group is None else ["IpPermissions"])

    # -- load balancing --------------------------------------------------------------------------
    def _loadbalancer(self, doc: Document, body: dict[str, Any]) -> None:
        lb = self.edge.balancers.get(doc.name)
        if lb is None:
            self.add(Action.CREATE, "LoadBalancer", doc.name,
                     [call("elbv2", "create_load_balancer", body, f"LoadBalancer:{doc.name}")])
            return
        self.refuse_unowned("load balancer", doc.name, kv_tags(lb))
        if lb.get("Type") != body["Type"]:
            raise ProviderError(f"load balancer {doc.name} is of type {lb.get('Type')}, not {body['Type']}; AWS "
                                "cannot change it: run cloudorch destroy, then deploy")
        steps, fields = [], []
        arn = lb["LoadBalancerArn"]
        if sorted(lb.get("SecurityGroups", [])) != sorted(body["SecurityGroups"]):
            steps.append(call("elbv2", "set_security_groups", {"LoadBalancerArn": arn,
                                                           "SecurityGroups": body["SecurityGroups"]}))
            fields.append("SecurityGroups")
        live_subnets = sorted(z["SubnetId"] for z in lb.get("AvailabilityZones", []))
        if body["Subnets"] and live_subnets != sorted(body["Subnets"]):
            steps.append(call("elbv2", "set_subnets", {"LoadBalancerArn": arn, "Subnets": body["Subnets"]}))
            fields.append("Subnets")
        self.add(Action.UPDATE if steps else Action.NOOP, "LoadBalancer", doc.name, steps, fields)

    def _targetgroup(self, doc: Document, body: dict[str, Any]) -> None:
        tg = self.edge.target_groups.get(doc.name)
        if tg is None:
            self.add(Action.CREATE, "TargetGroup", doc.name,
                     [call("elbv2", "create_target_group", body, f"TargetGroup:{doc.name}")])
            return
        self.refuse_unowned("target group", doc.name, kv_tags(tg))
        for key in ("Protocol", "Port", "VpcId", "TargetType"):
            if str(tg.get(key)) != str(body[key]) and not str(body[key]).startswith("${"):
                raise ProviderError(f"target group {doc.name} has {key} {tg.get(key)}, the spec needs {body[key]}; "
                                    "AWS cannot change it in place: run cloudorch destroy, then deploy")
        fields = [k for k in HEALTH_FIELDS if k in body and differences(body[k], tg.get(k))]
        if fields:
            self.add(Action.UPDATE, "TargetGroup", doc.name, [call("elbv2", "modify_target_group", {
                "TargetGroupArn": tg["TargetGroupArn"], **{k: body[k] for k in fields}})], fields)
        else:
            self.add(Action.NOOP, "TargetGroup", doc.name)

    def _listener(self, doc: Document, body: dict[str, Any]) -> None:
        listener = self.edge.listeners.get(doc.name)
        if listener is None:
            self.add(Action.CREATE, "Listener", doc.name,
                     [call("elbv2", "create_listener", body, f"Listener:{doc.name}")])
            return
        fields = [k for k in ("Protocol", "SslPolicy") if k in body and listener.get(k) != body[k]]
        actions = [action_key(a) for a in listener.get("DefaultActions", [])]
        if actions != [action_key(a) for a in body["DefaultActions"]]:
            fields.append("DefaultActions")
        certificates = sorted(c["CertificateArn"] for c in listener.get("Certificates") or [])
        if certificates != sorted(c["CertificateArn"] for c in body.get("Certificates", [])):
            fields.append("Certificates")
        if fields:
            update = {"ListenerArn": listener["ListenerArn"], "Port": body["Port"], "Protocol": body["Protocol"],
                      "DefaultActions": body["DefaultActions"]}
            update |= {k: body[k] for k in ("SslPolicy", "Certificates") if k in body}
            self.add(Action.UPDATE, "Listener", doc.name, [call("elbv2", "modify_listener", update)], fields)
        else:
            self.add(Action.NOOP, "Listener", doc.name)

    def _listenerrule(self, doc: Document, body: dict[str, Any]) -> None:
        rule = self.edge.rules.get(doc.name)
        if rule is None:
            self.add(Action.CREATE, "ListenerRule", doc.name, [call("elbv2", "create_rule", body)])
            return
        fields = []
        if sorted(condition_key(c) for c in rule.get("Conditions", [])) != \
                sorted(condition_key(c) for c in body["Conditions"]):
            fields.append("Conditions")
        if [action_key(a) for a in rule.get("Actions", [])] != [action_key(a) for a in body["Actions"]]:
            fields.append("Actions")
        if fields:
            self.add(Action.UPDATE, "ListenerRule", doc.name, [call("elbv2", "modify_rule", {
                "RuleArn": rule["RuleArn"], "Conditions": body["Conditions"], "Actions": body["Actions"]})], fields)
        else:
            self.add(Action.NOOP, "ListenerRule", doc.name)

    # -- what is no longer wanted ----------------------------------------------------------------
    def unwanted(self, reason: str = "no longer needed by the spec") -> None:
        """DELETE changes for our edge resources not in ``wanted``, dependants first."""
        edge, app = self.edge, self.app
        our_lbs = {n for n, lb in edge.balancers.items() if owned(kv_tags(lb), app)}
        gone_lbs = {n for n in our_lbs if ("LoadBalancer", n) not in self.wanted}
        for key, rule in sorted(edge.rules.items()):
            if key.split(":")[0] in our_lbs - gone_lbs and ("ListenerRule", key) not in self.wanted:
                self.add(Action.DELETE, "ListenerRule", key,
                         [call("elbv2", "delete_rule", {"RuleArn": rule["RuleArn"]})], reason=reason)
        for key, listener in sorted(edge.listeners.items()):
            if key.split(":")[0] in our_lbs - gone_lbs and ("Listener", key) not in self.wanted:
                self.add(Action.DELETE, "Listener", key,
                         [call("elbv2", "delete_listener", {"ListenerArn": listener["ListenerArn"]})], reason=reason)
        for name in sorted(gone_lbs):
            self.add(Action.DELETE, "LoadBalancer", name, [call("elbv2", "delete_load_balancer", {
                "LoadBalancerArn": edge.balancers[name]["LoadBalancerArn"]})], reason=reason)
        for name, tg in sorted(edge.target_groups.items()):
            if owned(kv_tags(tg), app) and ("TargetGroup", name) not in self.wanted:
                self.add(Action.DELETE, "TargetGroup", name, [call("elbv2", "delete_target_group", {
                    "TargetGroupArn": tg["TargetGroupArn"]})], reason=reason)
        for name in (self.ctx.tasks_security_group, self.ctx.lb_security_group):
            group = edge.groups.get(name)
            if group is not None and owned(kv_tags(group), app) and ("SecurityGroup", name) not in self.wanted:
                self.add(Action.DELETE, "SecurityGroup", name,
                         [call("ec2", "delete_security_group", {"GroupId": group["GroupId"]})], reason=reason)
        for role, policy, policy_name in ((edge.role, edge.role_policy, POLICY_NAME),
                                          (edge.task_role, edge.task_role_policy, TASK_POLICY_NAME)):
            if role is None or not owned(kv_tags(role), app) or ("Role", role["RoleName"]) in self.wanted:
                continue
            steps = [call("iam", "delete_role_policy", {"RoleName": role["RoleName"], "PolicyName": policy_name})] \
                if policy is not None else []
            self.add(Action.DELETE, "Role", role["RoleName"],
                     steps + [call("iam", "delete_role", {"RoleName": role["RoleName"]})], reason=reason)


def _policy(document: Any) -> dict[str, Any]:
    """A policy document as botocore hands it back (decoded), or as JSON text."""
    if isinstance(document, str):
        from urllib.parse import unquote

        return json.loads(unquote(document))
    return document

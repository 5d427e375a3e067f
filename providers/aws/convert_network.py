"""How the app's tasks are reached: security groups and load balancers (pure: no SDK, no network).

Security groups (only when ``providers.aws.security_groups`` is empty; given groups are used as
they are and never modified), in the tasks' VPC:

- ``{app}-tasks`` for every task of the app. Each port of each service admits its protocol from
  this same group (the app's own tasks: Service Connect's proxies reach ``service:port`` from the
  client task). A public port additionally admits traffic from ``{app}-lb``, and nothing else:
  the outside world reaches tasks only through the load balancers. Egress stays AWS's default
  (all), which image pulls, secrets and logs need.
- ``{app}-lb`` for the load balancers, when a port is public: 80 (and 443 with
  ``certificate_arn``) for the ALB, each public tcp / udp port's published number for the NLB,
  from anywhere (IPv4).

Load balancers (only for public ports):

- http ports: one internet-facing Application Load Balancer ``{app}``; one IP target group per
  public service (``{app}-{service}-{port}``, its first public http port) whose health check is
  the spec's http health check when it checks that port (path, interval, timeout, retries as the
  unhealthy threshold), else ``GET /`` answering 200-399; a listener on 80 (HTTP) forwarding to the
  first public service in the spec and, for each further one, a path rule ``/{service}`` and
  ``/{service}/*`` (priority by spec order). With ``certificate_arn``: the listener on 443 (HTTPS,
  TLS 1.3/1.2 policy) carries the forwarding and 80 redirects to it.
- tcp and udp ports: one internet-facing Network Load Balancer ``{app}-net`` with a listener per
  public port on its ``published`` number (default the port itself): TCP forwarding to the target
  group ``{app}-{service}-{port}``, UDP to ``{app}-{service}-{port}-udp``, both on the container
  port (a spec lists a port number once per service, and ``checks`` refuses two public ports of one
  published number, so no listener needs TCP_UDP). ELB health checks cannot use UDP (ELBv2 API
  reference, TargetGroup.HealthCheckProtocol: "The GENEVE, TLS, UDP, and TCP_UDP protocols are not
  supported for health checks"), so a UDP target group is checked over the spec's http or tcp health
  check when it has one, else over TCP on the service's first tcp/http port, else over TCP on the UDP
  port itself (``validate`` calls that lossy: the container must accept TCP there too). The tasks'
  group admits the health check port from ``{app}-lb`` as well. UDP target groups always preserve
  the client's IP; referencing the load balancer's group in the tasks' group admits that traffic all
  the same (Elastic Load Balancing, "Security groups for your Network Load Balancer"; Fargate tasks
  are UDP targets since "AWS Fargate now supports UDP load balancing with Network Load Balancer").

Names longer than ELB's 32 characters are shortened with a hash. IDs only known once created
(VPC, group ids, ARNs) are rendered as references ``${Kind:name}`` (e.g.
``${SecurityGroup:shop-tasks}``, ``${Vpc}``), which deploy replaces with the live values.
"""

from __future__ import annotations

from typing import Any

from cloudorch.provider import Document
from cloudorch.spec.models import Service
from cloudorch_providers.aws.context import Context

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
VPC = "${Vpc}"


def ref(kind: str, name: str) -> str:
    return f"${{{kind}:{name}}}"


def public_http(ctx: Context) -> list[tuple[str, int]]:
    """(service, port) of each public http service (its first public http port), in spec order."""
    found = []
    for name, service in ctx.app.services.items():
        port = next((p.port for p in service.ports if p.public and p.protocol == "http"), None)
        if port is not None:
            found.append((name, port))
    return found


def public_net(ctx: Context) -> list[tuple[str, int, str]]:
    """(service, port, ELB protocol TCP or UDP) of each public tcp / udp port, in spec order."""
    return [(name, p.port, p.protocol.upper()) for name, service in ctx.app.services.items()
            for p in service.ports if p.public and p.protocol in ("tcp", "udp")]


def net_target_group(ctx: Context, service: str, port: int, protocol: str) -> str:
    return ctx.target_group(service, port) if protocol == "TCP" else ctx.target_group(service, f"{port}-udp")


def udp_health_port(service: Service, port: int) -> tuple[str, int | None]:
    """How a UDP target group on ``port`` is checked: ``(protocol, port)``, port None for the traffic
    port (ELB checks UDP targets over TCP, HTTP or HTTPS only)."""
    health = service.health
    if health and health.http:
        return "HTTP", health.http.port
    if health and health.tcp:
        return "TCP", health.tcp.port
    other = next((p for p in service.ports if p.protocol in ("tcp", "http")), None)
    return ("TCP", other.port) if other else ("TCP", None)


def outside(ctx: Context, service: str, port: int) -> int:
    """The Network Load Balancer's listener port for a public tcp / udp port: its ``published`` number
    (default the container port, which stays the target group's port)."""
    return next(p.outside for p in ctx.app.services[service].ports if p.port == port)


def load_balancers(ctx: Context, name: str) -> list[dict[str, Any]]:
    """The ECS service's ``loadBalancers`` entries."""
    entries = [(s, p, ctx.target_group(s, p)) for s, p in public_http(ctx) if s == name]
    entries += [(s, p, net_target_group(ctx, s, p, proto)) for s, p, proto in public_net(ctx) if s == name]
    return [{"targetGroupArn": ref("TargetGroup", group), "containerName": s, "containerPort": p}
            for s, p, group in entries]


def security_groups(ctx: Context) -> list[str]:
    """The tasks' ``securityGroups``: the settings' groups, else the app's own group."""
    if not ctx.makes_security_groups:
        return list(ctx.settings.security_groups)
    return [ref("SecurityGroup", ctx.tasks_security_group)]


def _group(ctx: Context, name: str, what: str) -> Document:
    return Document("SecurityGroup", name, {
        "GroupName": name, "Description": f"{what} of the cloudorch app {ctx.app.name}", "VpcId": VPC,
        "TagSpecifications": [{"ResourceType": "security-group", "Tags": ctx.key_value_tags()}],
    })


def _permission(protocol: str, port: int, source: dict[str, Any]) -> dict[str, Any]:
    return {"IpProtocol": "udp" if protocol == "udp" else "tcp", "FromPort": port, "ToPort": port, **source}


def _from_group(group: str, description: str) -> dict[str, Any]:
    return {"UserIdGroupPairs": [{"GroupId": ref("SecurityGroup", group), "Description": description}]}


def task_permissions(ctx: Context) -> list[dict[str, Any]]:
    """One permission per (protocol, port, source): two services on one port share it."""
    perms: list[dict[str, Any]] = []
    lbs = _from_group(ctx.lb_security_group, "from the app's load balancers")
    for service in ctx.app.services.values():
        for p in service.ports:
            wanted = [_permission(p.protocol, p.port, _from_group(ctx.tasks_security_group, "from the app's tasks"))]
            if p.public:
                wanted.append(_permission(p.protocol, p.port, lbs))
            if p.public and p.protocol == "udp":  # the target group's health check, over TCP
                wanted.append(_permission("tcp", udp_health_port(service, p.port)[1] or p.port, lbs))
            perms += [w for w in wanted if w not in perms]
    return perms


def lb_permissions(ctx: Context) -> list[dict[str, Any]]:
    world = {"IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "the internet"}]}
    ports = ([80] + ([443] if ctx.settings.certificate_arn else [])) if public_http(ctx) else []
    wanted = [("tcp", p) for p in ports]
    wanted += [(protocol.lower(), outside(ctx, s, port)) for s, port, protocol in public_net(ctx)
               if (protocol.lower(), outside(ctx, s, port)) not in wanted]
    return [_permission(proto, p, world) for proto, p in wanted]


def group_documents(ctx: Context) -> list[Document]:
    if not ctx.makes_security_groups:
        return []
    docs = [_group(ctx, ctx.tasks_security_group, "tasks")]
    public = bool(public_http(ctx) or public_net(ctx))
    if public:
        docs.append(_group(ctx, ctx.lb_security_group, "load balancers"))
    rules = [(ctx.tasks_security_group, task_permissions(ctx))]
    if public:
        rules.append((ctx.lb_security_group, lb_permissions(ctx)))
    for group, perms in rules:
        if perms:
            docs.append(Document("SecurityGroupIngress", group, {
                "GroupId": ref("SecurityGroup", group), "IpPermissions": perms,
                "TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": ctx.key_value_tags()}],
            }))
    return docs


def _load_balancer(ctx: Context, name: str, kind: str) -> Document:
    groups = [ref("SecurityGroup", ctx.lb_security_group)] if ctx.makes_security_groups \
        else list(ctx.settings.security_groups)
    return Document("LoadBalancer", name, {
        "Name": name, "Subnets": list(ctx.subnets), "SecurityGroups": groups, "Scheme": "internet-facing",
        "Type": kind, "IpAddressType": "ipv4", "Tags": ctx.key_value_tags(),
    })


def health_check(service: Service, port: int, protocol: str) -> dict[str, Any]:
    """The target group's health check, from the spec's when it checks this port over http."""
    health = service.health
    check: dict[str, Any] = {"HealthCheckEnabled": True, "HealthCheckPort": "traffic-port",
                             "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3}
    if protocol == "UDP":  # checked over TCP or HTTP on a port of its own (see udp_health_port)
        how, checked = udp_health_port(service, port)
        check["HealthCheckPort"] = str(checked) if checked else "traffic-port"
        protocol, port = how, checked or port
    if protocol == "HTTP":
        path = "/"
        if health and health.http and health.http.port == port:
            path = health.http.path
        check |= {"HealthCheckProtocol": "HTTP", "HealthCheckPath": path, "Matcher": {"HttpCode": "200-399"}}
    else:
        check |= {"HealthCheckProtocol": "TCP"}
    if health and (health.http or health.tcp):
        interval = min(300, max(5, int(health.interval)))
        check |= {"HealthCheckIntervalSeconds": interval,
                  "HealthCheckTimeoutSeconds": min(interval - 1, 120, max(2, int(health.timeout))),
                  "UnhealthyThresholdCount": min(10, max(2, health.retries))}
    return check


def _target_group(ctx: Context, service: str, port: int, protocol: str) -> Document:
    name = ctx.target_group(service, port) if protocol == "HTTP" else net_target_group(ctx, service, port, protocol)
    body = {"Name": name, "Protocol": protocol, "Port": port, "VpcId": VPC, "TargetType": "ip",
            **health_check(ctx.app.services[service], port, protocol), "Tags": ctx.key_value_tags()}
    return Document("TargetGroup", name, body)


def _forward(ctx: Context, service: str, port: int) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": ref("TargetGroup", ctx.target_group(service, port))}]


def listener_name(lb: str, port: int) -> str:
    return f"{lb}:{port}"


def http_documents(ctx: Context) -> list[Document]:
    services = public_http(ctx)
    if not services:
        return []
    docs = [_load_balancer(ctx, ctx.alb, "application")]
    docs += [_target_group(ctx, s, p, "HTTP") for s, p in services]
    lb = ref("LoadBalancer", ctx.alb)
    forward = _forward(ctx, *services[0])
    tags = ctx.key_value_tags()
    if ctx.settings.certificate_arn:
        redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                            "StatusCode": "HTTP_301"}}]
        docs.append(Document("Listener", listener_name(ctx.alb, 80), {
            "LoadBalancerArn": lb, "Protocol": "HTTP", "Port": 80, "DefaultActions": redirect, "Tags": tags}))
        serving = listener_name(ctx.alb, 443)
        docs.append(Document("Listener", serving, {
            "LoadBalancerArn": lb, "Protocol": "HTTPS", "Port": 443, "SslPolicy": TLS_POLICY,
            "Certificates": [{"CertificateArn": ctx.settings.certificate_arn}], "DefaultActions": forward,
            "Tags": tags}))
    else:
        serving = listener_name(ctx.alb, 80)
        docs.append(Document("Listener", serving, {
            "LoadBalancerArn": lb, "Protocol": "HTTP", "Port": 80, "DefaultActions": forward, "Tags": tags}))
    for priority, (service, port) in enumerate(services[1:], start=1):
        docs.append(Document("ListenerRule", f"{serving}/{priority}", {
            "ListenerArn": ref("Listener", serving), "Priority": priority,
            "Conditions": [{"Field": "path-pattern",
                            "PathPatternConfig": {"Values": [f"/{service}", f"/{service}/*"]}}],
            "Actions": _forward(ctx, service, port), "Tags": tags}))
    return docs


def net_documents(ctx: Context) -> list[Document]:
    entries = public_net(ctx)
    if not entries:
        return []
    docs = [_load_balancer(ctx, ctx.nlb, "network")]
    docs += [_target_group(ctx, s, p, proto) for s, p, proto in entries]
    docs += [Document("Listener", listener_name(ctx.nlb, outside(ctx, s, p)), {
        "LoadBalancerArn": ref("LoadBalancer", ctx.nlb), "Protocol": proto, "Port": outside(ctx, s, p),
        "DefaultActions": [{"Type": "forward",
                            "TargetGroupArn": ref("TargetGroup", net_target_group(ctx, s, p, proto))}],
        "Tags": ctx.key_value_tags()}) for s, p, proto in entries]
    return docs


def documents(ctx: Context) -> list[Document]:
    """Security groups, then the load balancers with their target groups, listeners and rules."""
    return group_documents(ctx) + http_documents(ctx) + net_documents(ctx)


def endpoints(ctx: Context, service: str, dns: dict[str, str]) -> list[str]:
    """The public endpoints of ``service`` given the load balancers' DNS names (by LB name)."""
    found = []
    http = public_http(ctx)
    if ctx.alb in dns:
        scheme = "https" if ctx.settings.certificate_arn else "http"
        for i, (name, _) in enumerate(http):
            if name == service:
                found.append(f"{scheme}://{dns[ctx.alb]}" + ("" if i == 0 else f"/{name}"))
    if ctx.nlb in dns:
        found += [f"{dns[ctx.nlb]}:{outside(ctx, name, port)}" + ("/udp" if protocol == "UDP" else "")
                  for name, port, protocol in public_net(ctx) if name == service]
    return found

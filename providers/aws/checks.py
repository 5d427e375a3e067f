"""What AWS would reject (and moto would accept), found before any call, as SpecIssues at file:line:

- a task larger than any Fargate size (16 vCPU / 120 GiB) or than an EC2 task (192 vCPU):
  ``services.X.resources``;
- a container reserving less than 6 MiB (Docker's minimum): ``...resources.memory``;
- more than 10 containers in a task (the service + sidecars): ``services.X.sidecars``;
- a derived name over its AWS limit (family / service 255, log group 512, scaling policy 256,
  scalable target id 1600): at the service's name;
- more than 50 tags (markers + labels): ``labels``;
- a public port, or ``assign_public_ip: true``, on the EC2 launch type (awsvpc tasks on EC2 get no
  public IP);
- an ``image_pull_secret`` not mapped in ``providers.aws.secrets``, or mapped to an SSM parameter
  (ECS reads registry credentials from Secrets Manager only);
- a secret mapped to an ARN of something other than Secrets Manager or SSM;
- two public tcp / udp ports of the same number (``published``, default the port): the app's
  Network Load Balancer has one listener per port (ELB refuses a second with ``DuplicateListener``);
  public http ports share the Application Load Balancer's listener and are told apart by path, so
  they may repeat.

Sidecars declare no ports in the spec, so port clashes inside a task cannot happen (the spec
already refuses a port listed twice on a service).
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudorch.errors import SpecIssue
from cloudorch.spec import Spec
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.fargate import task_size, too_large_message

MAX_CONTAINERS = 10
MAX_TAGS = 50
MIN_CONTAINER_MEMORY = 6
#: name -> (limit, what)
NAME_LIMITS = {"family": (255, "task definition family"), "service_name": (255, "ECS service name"),
               "log_group": (512, "log group name"), "policy_name": (256, "scaling policy name"),
               "resource_id": (1600, "scalable target id")}


def issues(spec: Spec, ctx: Context) -> list[SpecIssue]:
    found = list(_service_issues(spec, ctx)) + list(_app_issues(spec, ctx))
    return sorted(found, key=lambda i: (i.line, i.col))


def _at_key(spec: Spec, path: tuple, message: str) -> SpecIssue:
    return spec.issue(path, message, key=True)


def _service_issues(spec: Spec, ctx: Context) -> Iterator[SpecIssue]:
    launch = ctx.settings.launch_type
    for name, service in ctx.app.services.items():
        base = ("services", name)
        if task_size(service, launch) is None:
            yield spec.issue(base + ("resources",), too_large_message(service, launch))
        containers = [(base, service)] + [(base + ("sidecars", i), s) for i, s in enumerate(service.sidecars)]
        for where, container in containers:
            if container.resources.memory < MIN_CONTAINER_MEMORY:
                yield spec.issue(where + ("resources", "memory"),
                                 f"{container.resources.memory} MiB is below ECS's minimum of "
                                 f"{MIN_CONTAINER_MEMORY} MiB per container")
        if len(containers) > MAX_CONTAINERS:
            yield spec.issue(base + ("sidecars",),
                             f"{len(containers)} containers (the service + {len(service.sidecars)} "
                             "sidecars); "
                             f"an ECS task holds at most {MAX_CONTAINERS}")
        for attr, (limit, what) in NAME_LIMITS.items():
            value = getattr(ctx, attr)(name)
            if len(value) > limit:
                yield _at_key(spec, base, f"the {what} {value!r} is {len(value)} characters; "
                                          f"AWS allows {limit}: shorten the app or service name")
        if launch == "EC2":
            for i, port in enumerate(service.ports):
                if port.public:
                    yield spec.issue(base + ("ports", i, "public"),
                                     "the EC2 launch type gives awsvpc tasks no public IP; use FARGATE "
                                     "or put a load balancer in front (not made by cloudorch)")
        if service.image_pull_secret:
            yield from _pull_secret(spec, ctx, name, service.image_pull_secret)


def _pull_secret(spec: Spec, ctx: Context, service: str, secret: str) -> Iterator[SpecIssue]:
    if not ctx.is_mapped(secret):
        yield spec.issue(("services", service, "image_pull_secret"),
                         f"map {secret!r} in providers.aws.secrets to a Secrets Manager secret (ARN) "
                         "holding {\"username\", \"password\"}: ECS reads registry credentials only "
                         "from Secrets Manager, so the SSM default does not apply")
    elif ":ssm:" in ctx.value_from(secret):
        yield spec.issue(("providers", "aws", "secrets", secret),
                         f"{secret!r} is an image pull secret: ECS reads registry credentials only "
                         "from Secrets Manager, not from an SSM parameter")


def _app_issues(spec: Spec, ctx: Context) -> Iterator[SpecIssue]:
    tags = ctx.tags()
    if len(tags) > MAX_TAGS:
        yield spec.issue(("labels",), f"{len(tags)} tags with the ownership markers; AWS allows {MAX_TAGS}")
    if ctx.settings.launch_type == "EC2" and ctx.settings.assign_public_ip:
        yield spec.issue(("providers", "aws", "assign_public_ip"),
                         "the EC2 launch type gives awsvpc tasks no public IP; remove this or use FARGATE")
    taken: dict[int, str] = {}
    for name, service in ctx.app.services.items():
        for i, port in enumerate(service.ports):
            if not (port.public and port.protocol in ("tcp", "udp")):
                continue
            if port.outside in taken:
                yield spec.issue(("services", name, "ports", i),
                                 f"public {port.protocol} port {port.outside} is already published by service "
                                 f"{taken[port.outside]}; the app's Network Load Balancer {ctx.nlb} has one listener "
                                 f"per port: give one of them another number with published: (the container "
                                 f"keeps its port), or make them protocol: http (the Application Load Balancer "
                                 "routes by path)")
            else:
                taken[port.outside] = name
    for secret, value in ctx.settings.secrets.items():
        if value.startswith("arn:") and value.split(":")[2:3] not in (["secretsmanager"], ["ssm"]):
            yield spec.issue(("providers", "aws", "secrets", secret),
                             f"{value!r} is neither a Secrets Manager secret nor an SSM parameter ARN")

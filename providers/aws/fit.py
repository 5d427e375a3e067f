"""How each spec feature maps onto ECS: the table behind ``validate --provider aws``.

Exact: image, command/args (entryPoint/command), env, secrets (valueFrom references), ports and
http ports (portMappings, Service Connect names), public http ports (an Application Load
Balancer), public tcp and udp ports (a Network Load Balancer; a udp one checked over the spec's
http/tcp health check or another tcp port of the service), replicas (desiredCount), autoscale (target
tracking on CPU), health command checks and start_period (within ECS's ranges), run_as_user /
run_as_group together (user), read_only_root, drop_capabilities, volumes (task scratch storage),
resources when the sum fits a task size exactly, image_pull_secret, labels (tags).

Lossy: task sizes rounded up to a Fargate size; udp ports (not reachable by service name);
public udp ports of a service with no tcp/http port or check (the load balancer's TCP health check
must reach the udp port's number over TCP); http/tcp health checks (need curl/wget or
nc/bash in the image); health timings outside ECS's ranges; depends_on (only the deploy order);
sidecars (restarted only after 60 s of running).

Unsupported: run_as_group without run_as_user (ECS's ``user`` needs a user; left out).

The ``security`` block hardens the service's main container only; sidecars keep their images'
defaults (a uid that suits one image rarely suits another).
"""

from __future__ import annotations

from collections.abc import Callable

from cloudorch.provider import Fit
from cloudorch.spec.models import Service
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.convert_network import udp_health_port
from cloudorch_providers.aws.convert_service import proxied_ports, uses_service_connect
from cloudorch_providers.aws.convert_task import registry_host
from cloudorch_providers.aws.fargate import need_text, task_need, task_size
from cloudorch_providers.aws.health import timing

Result = tuple[Fit, str]


def fit_function(ctx: Context) -> Callable[[str, Service, str], Result]:
    def fit(name: str, service: Service, key: str) -> Result:
        handler = _HANDLERS.get(key)
        if handler is None:
            return Fit.UNSUPPORTED, f"cloudorch's AWS provider does not know the feature {key!r}"
        return handler(ctx, name, service)

    return fit


def _image(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "container image, pulled at task start by the execution role"


def _image_pull_secret(ctx: Context, name: str, service: Service) -> Result:
    host = registry_host(service.image)
    same = [s.name for s in service.sidecars if registry_host(s.image) == host]
    also = f" and sidecars {', '.join(same)} (same registry {host})" if same else ""
    return Fit.EXACT, (f"repositoryCredentials.credentialsParameter = "
                       f"{ctx.value_from(service.image_pull_secret or '')} on the main container{also}")


def _command(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "entryPoint (replaces the image ENTRYPOINT)"


def _args(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "command (replaces the image CMD)"


def _env(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "environment, sorted by name"


def _secrets(ctx: Context, name: str, service: Service) -> Result:
    names = sorted(set(service.secrets.values()) | {v for s in service.sidecars for v in s.secrets.values()})
    where = "; ".join(f"{n} -> {ctx.value_from(n)}" + ("" if ctx.is_mapped(n) else " (SSM parameter, "
                      "the default for secrets not in providers.aws.secrets)") for n in names)
    return Fit.EXACT, f"secrets[].valueFrom, read by the execution role at task start: {where}"


def _ports(ctx: Context, name: str, service: Service) -> Result:
    ports = ", ".join(f"{name}:{p}" for p in proxied_ports(service))
    if uses_service_connect(ctx.app) and ports:
        return Fit.EXACT, (f"portMappings on the task's own IP (awsvpc); other services reach {ports} "
                           f"through Service Connect (Cloud Map namespace {ctx.namespace}, created by deploy)")
    return Fit.EXACT, "portMappings on the task's own IP (awsvpc)"


def _ports_http(ctx: Context, name: str, service: Service) -> Result:
    proxied = " (Service Connect proxies it as HTTP)" if uses_service_connect(ctx.app) else ""
    return Fit.EXACT, f"portMappings appProtocol http{proxied}"


def _ports_udp(ctx: Context, name: str, service: Service) -> Result:
    return Fit.LOSSY, ("portMappings protocol udp, but Service Connect proxies TCP only: UDP ports are "
                       "reachable at the task's IP, not by service name")


def _ports_public(ctx: Context, name: str, service: Service) -> Result:
    public = [p for p in service.ports if p.public]
    udp = [p for p in public if p.protocol == "udp"]
    unchecked = [p.port for p in udp if udp_health_port(service, p.port)[1] is None]
    if unchecked:
        return Fit.LOSSY, (f"udp ports {', '.join(map(str, unchecked))} are behind the Network Load Balancer "
                           f"{ctx.nlb}, but load balancers cannot health-check over UDP: the target group checks "
                           "TCP on the same port number, so the container must accept TCP there too; give the "
                           "service an http or tcp health check (or a tcp port) to check instead")
    groups = (f"security groups {', '.join(ctx.settings.security_groups)} (given, not modified)"
              if ctx.settings.security_groups else
              f"the group {ctx.tasks_security_group}, which admits them only from the load balancer")
    http = [p for p in public if p.protocol == "http"]
    parts = []
    if http:
        scheme = "HTTPS on 443 (80 redirects)" if ctx.settings.certificate_arn else "HTTP on 80"
        parts.append(f"Application Load Balancer {ctx.alb}, {scheme}, target group "
                     f"{ctx.target_group(name, http[0].port)} checked by the spec's http health check")
        if len(http) > 1:
            return Fit.LOSSY, (f"only the first public http port ({http[0].port}) is behind the Application "
                               f"Load Balancer {ctx.alb}; ports {', '.join(str(p.port) for p in http[1:])} are not")
        moved = [p for p in http if p.published is not None and p.published not in (80, 443)]
        if moved:
            return Fit.LOSSY, (f"the Application Load Balancer {ctx.alb} listens on 80 (443 with a certificate) and "
                               f"routes by path: published {moved[0].published} is not used")
    net = [p for p in public if p.protocol in ("tcp", "udp")]
    if net:
        parts.append(f"Network Load Balancer {ctx.nlb} listening on "
                     + ", ".join(f"{p.outside}/{p.protocol}" + (f" (to {p.port})" if p.outside != p.port else "")
                                 for p in net))
    for p in udp:
        how, port = udp_health_port(service, p.port)
        parts.append(f"udp {p.port} checked over {how} on port {port}")
    return Fit.EXACT, "; ".join(parts) + f"; tasks are reached through {groups}"


def _resources(ctx: Context, name: str, service: Service) -> Result:
    size = task_size(service, ctx.settings.launch_type)
    if size is None:  # the checks report it as an error
        return Fit.UNSUPPORTED, f"{need_text(*task_need(service))} fit no ECS task size"
    per = "per container cpu (CPU units) and memoryReservation (MiB)"
    count = len(service.sidecars)
    parts = f" (the service + {count} sidecar{'s' if count > 1 else ''})" if count else ""
    if not size.rounded:
        return Fit.EXACT, f"task size {size.describe()}{parts}; {per}"
    if ctx.settings.launch_type == "FARGATE":
        return Fit.LOSSY, (f"the task needs {size.describe_need()}{parts}, not a Fargate size: rounded up "
                           f"to {size.describe()}; {per}")
    return Fit.LOSSY, f"the task needs {size.describe_need()}{parts}: raised to {size.describe()}; {per}"


def _replicas(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, f"desiredCount {service.desired_replicas}"


def _autoscale(ctx: Context, name: str, service: Service) -> Result:
    scale = service.autoscale
    assert scale is not None
    return Fit.EXACT, (f"Application Auto Scaling target tracking on ECSServiceAverageCPUUtilization at "
                       f"{scale.cpu_percent}%, {scale.min}..{scale.max} tasks, starting at "
                       f"desiredCount {service.desired_replicas}")


def _health(kind: str) -> Callable[[Context, str, Service], Result]:
    def handler(ctx: Context, name: str, service: Service) -> Result:
        assert service.health is not None
        _, notes = timing(service.health)
        changed = [notes[k] for k in ("interval", "timeout") if k in notes]
        base = {
            "http": (Fit.LOSSY, "container healthCheck running curl, else wget, against 127.0.0.1 "
                                "(CMD-SHELL): the image needs curl or wget and a shell"),
            "tcp": (Fit.LOSSY, "container healthCheck probing the port with nc, else bash /dev/tcp "
                               "(CMD-SHELL): the image needs nc or bash"),
            "command": (Fit.EXACT, "container healthCheck, exec form (CMD)"),
        }[kind]
        fit, note = base
        note += "; an unhealthy task is replaced (no load balancer checks)"
        if changed:
            return Fit.LOSSY, f"{note}; {'; '.join(changed)}"
        return fit, note

    return handler


def _start_period(ctx: Context, name: str, service: Service) -> Result:
    assert service.health is not None
    values, notes = timing(service.health)
    note = (f"healthCheck.startPeriod {values.get('startPeriod', 0)}s (no load balancer, so no "
            "healthCheckGracePeriodSeconds)")
    if "start_period" in notes:
        return Fit.LOSSY, f"{note}; {notes['start_period']}"
    return Fit.EXACT, note


def _run_as_user(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "user of the main container (sidecars keep their images' user)"


def _run_as_group(ctx: Context, name: str, service: Service) -> Result:
    assert service.security is not None
    if service.security.run_as_user is None:
        return Fit.UNSUPPORTED, ("ECS's user field needs a user before the group; without run_as_user the "
                                 "group is left out")
    return Fit.EXACT, "user UID:GID of the main container"


def _read_only_root(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "readonlyRootFilesystem of the main container; volumes stay writable"


def _drop_capabilities(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, "linuxParameters.capabilities.drop [ALL] on the main container"


def _depends_on(ctx: Context, name: str, service: Service) -> Result:
    return Fit.LOSSY, ("ECS has no start order between services: deploy creates "
                       f"{', '.join(service.depends_on)} first, but tasks ECS replaces later start "
                       "without waiting for them")


def _volumes(ctx: Context, name: str, service: Service) -> Result:
    where = ("Fargate ephemeral task storage (20 GiB shared by the task)"
             if ctx.settings.launch_type == "FARGATE" else "a Docker volume on the instance")
    return Fit.EXACT, f"task volumes with no host path: {where}, living as long as the task"


def _sidecars(ctx: Context, name: str, service: Service) -> Result:
    names = ", ".join(s.name for s in service.sidecars)
    return Fit.LOSSY, (f"extra containers {names} in the same task (sharing its network and volumes), "
                       "essential false with a restart policy: a sidecar that exits is restarted in place "
                       "only if it had run for 60 s, else it stays down while the task goes on")


def _labels(ctx: Context, name: str, service: Service) -> Result:
    return Fit.EXACT, ("tags on the cluster, log groups, task definitions, services, scalable targets"
                       + (" and namespace" if uses_service_connect(ctx.app) else "")
                       + ", next to the ownership markers; propagated to tasks")


_HANDLERS: dict[str, Callable[[Context, str, Service], Result]] = {
    "image": _image, "image_pull_secret": _image_pull_secret, "command": _command, "args": _args,
    "env": _env, "secrets": _secrets, "ports": _ports, "ports.http": _ports_http, "ports.udp": _ports_udp,
    "ports.public": _ports_public, "resources": _resources, "replicas": _replicas, "autoscale": _autoscale,
    "health.http": _health("http"), "health.tcp": _health("tcp"), "health.command": _health("command"),
    "health.start_period": _start_period, "security.run_as_user": _run_as_user,
    "security.run_as_group": _run_as_group, "security.read_only_root": _read_only_root,
    "security.drop_capabilities": _drop_capabilities, "depends_on": _depends_on, "volumes": _volumes,
    "sidecars": _sidecars, "labels": _labels,
}

"""How each spec feature maps onto Docker Swarm: the notes of ``validate -p swarm``.

Exact: image, command, args, env, ports, udp ports, resources, replicas, health.command,
health.start_period, depends_on (first deploy), security.*, labels.
Lossy: secrets (files, not env vars), http ports (plain TCP), public ports in host mode with more
replicas than nodes, health.http / health.tcp (probes that need tools in the image), volumes
(anonymous volumes per task), sidecars (companion services: Swarm has no pods).
Unsupported: autoscale (no autoscaler), image_pull_secret (nodes pull with their own login).
"""

from __future__ import annotations

from cloudorch.provider import Fit
from cloudorch.spec.fields import FitFunction
from cloudorch.spec.models import App, Service
from cloudorch.spec.probes import HTTP_NEEDS, TCP_NEEDS
from cloudorch_providers.swarm.convert import SECRET_DIR, service_name
from cloudorch_providers.swarm.settings import SwarmSettings

EXACT, LOSSY, UNSUPPORTED = Fit.EXACT, Fit.LOSSY, Fit.UNSUPPORTED
Verdict = tuple[Fit, str]


def fit_function(app: App, settings: SwarmSettings) -> FitFunction:
    def fit(name: str, service: Service, key: str) -> Verdict:
        handler = _HANDLERS.get(key)
        if handler is None:
            return UNSUPPORTED, f"this provider version does not know the spec feature {key!r}"
        return handler(app, settings, name, service)

    return fit


def _image(app, settings, name, s) -> Verdict:
    return EXACT, (f"service {service_name(app.name, name)} runs {s.image}; each node pulls it or uses its "
                   "local copy (no registry digest is pinned for images only a node has)")


def _pull_secret(app, settings, name, s) -> Verdict:
    return UNSUPPORTED, ("Swarm nodes pull with the registry login the deploying client sends "
                         "(docker stack deploy --with-registry-auth) or their own; cloudorch sends none: "
                         "`docker login` on each node")


def _command(app, settings, name, s) -> Verdict:
    note = "ContainerSpec.Command: replaces the image's ENTRYPOINT"
    if s.secrets:
        note += "; wrapped in /bin/sh -c so that the secrets are exported as env vars first (needs /bin/sh)"
    return EXACT, note


def _args(app, settings, name, s) -> Verdict:
    return EXACT, "ContainerSpec.Args: replaces the image's CMD"


def _env(app, settings, name, s) -> Verdict:
    return EXACT, "ContainerSpec.Env"


def _secrets(app, settings, name, s) -> Verdict:
    parts = [f"{var} <- Docker secret {settings.secret_for(secret)!r} (newest version)"
             for var, secret in s.secrets.items()]
    how = ("exported as env vars by a /bin/sh wrapper around the spec's command" if s.command is not None else
           "not set as env vars: give the service a command to have them exported, or read the files")
    return LOSSY, (f"external Docker secrets by reference, mounted as files {SECRET_DIR}/<VAR> with <VAR>_FILE "
                   f"naming the file; {how}; " + "; ".join(parts))


def _ports(app, settings, name, s) -> Verdict:
    return EXACT, (f"reachable as {name}:<port> on the app's overlay network "
                   f"{settings.network_for(app.name)} (endpoint mode {settings.endpoint_mode}"
                   + (": names resolve to the tasks' addresses, no IPVS needed" if settings.endpoint_mode == "dnsrr"
                      else ": one IPVS virtual IP per service") + ")")


def _http(app, settings, name, s) -> Verdict:
    return LOSSY, "plain TCP: Swarm has no HTTP load balancing or TLS termination"


def _udp(app, settings, name, s) -> Verdict:
    return EXACT, "UDP ports"


def _public(app, settings, name, s) -> Verdict:
    ports = ", ".join(f"{p.port}->{settings.published(name, p) or 'any free port'}" for p in s.ports if p.public)
    if settings.publish_mode == "ingress":
        return EXACT, f"published on every node through the ingress routing mesh ({ports})"
    note = f"published in host mode on the node running each task ({ports})"
    if all(settings.published(name, p) == 0 for p in s.ports if p.public):
        return EXACT, note + "; the engine picks each task's port, status shows them"
    if s.desired_replicas > 1:
        return LOSSY, (note + f"; one task per node can bind a port, so with {s.desired_replicas} replicas the "
                       "swarm needs as many nodes (extra tasks stay pending), and updates stop the old task "
                       "before starting the new one; publish_mode ingress (with endpoint_mode vip) avoids both")
    return EXACT, note + "; updates stop the old task first (a node cannot bind the port twice)"


def _resources(app, settings, name, s) -> Verdict:
    if not settings.reserve:
        return LOSSY, (f"limits of {s.resources.cpu:g} CPU and {s.resources.memory} MiB per task, nothing reserved "
                       "(reserve: false): nodes may be overcommitted")
    return EXACT, (f"limits and reservations of {s.resources.cpu:g} CPU and {s.resources.memory} MiB per task "
                   "(a task is placed only on a node with that much unreserved)")


def _replicas(app, settings, name, s) -> Verdict:
    if s.autoscale:
        return LOSSY, f"a fixed {s.desired_replicas} replicas: Swarm has no autoscaler"
    return EXACT, f"replicated mode, {s.replicas} replicas"


def _autoscale(app, settings, name, s) -> Verdict:
    return UNSUPPORTED, (f"Swarm has no native autoscaler; the service runs {s.desired_replicas} replicas "
                         f"(`cloudorch scale {name}=N` changes it)")


def _health_http(app, settings, name, s) -> Verdict:
    return LOSSY, (f"a Docker healthcheck probing http://127.0.0.1:{s.health.http.port}{s.health.http.path} "
                   f"inside the container: needs {HTTP_NEEDS}; 2xx/3xx is healthy")


def _health_tcp(app, settings, name, s) -> Verdict:
    return LOSSY, (f"a Docker healthcheck connecting to 127.0.0.1:{s.health.tcp.port} inside the container: "
                   f"needs {TCP_NEEDS}")


def _health_command(app, settings, name, s) -> Verdict:
    return EXACT, "a Docker healthcheck running the command (exec form); unhealthy tasks are replaced"


def _start_period(app, settings, name, s) -> Verdict:
    return EXACT, "healthcheck StartPeriod"


def _security(field: str, what: str):
    return lambda app, settings, name, s: (EXACT, f"ContainerSpec.{field}: {what}")


def _depends_on(app, settings, name, s) -> Verdict:
    return LOSSY, ("cloudorch creates and updates services in dependency order and waits for health between "
                   "waves; Swarm itself has no start order, so tasks restarted later start in any order")


def _volumes(app, settings, name, s) -> Verdict:
    return LOSSY, ("an anonymous volume per task (a fresh, empty volume each time a task starts, labelled as "
                   "ours); it is disk-backed and not shared with sidecars")


def _sidecars(app, settings, name, s) -> Verdict:
    names = ", ".join(service_name(app.name, name, side.name) for side in s.sidecars)
    return LOSSY, (f"Swarm has no pods: each sidecar runs as its own service ({names}) with the same replica count "
                   f"on the app network, reachable as {name}-<sidecar>; it does not share localhost, volumes or "
                   "lifecycle with the main container and may run on another node")


def _labels(app, settings, name, s) -> Verdict:
    return EXACT, "labels on every service, container, network and volume"


_HANDLERS = {
    "image": _image, "image_pull_secret": _pull_secret, "command": _command, "args": _args, "env": _env,
    "secrets": _secrets, "ports": _ports, "ports.http": _http, "ports.udp": _udp, "ports.public": _public,
    "resources": _resources, "replicas": _replicas, "autoscale": _autoscale, "health.http": _health_http,
    "health.tcp": _health_tcp, "health.command": _health_command, "health.start_period": _start_period,
    "security.run_as_user": _security("User", "the numeric user (and group)"),
    "security.run_as_group": _security("User / Groups", "the numeric group"),
    "security.read_only_root": _security("ReadOnly", "read-only root filesystem"),
    "security.drop_capabilities": _security("CapabilityDrop", "ALL"),
    "depends_on": _depends_on, "volumes": _volumes, "sidecars": _sidecars, "labels": _labels,
}


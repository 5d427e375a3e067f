"""How each spec feature maps onto Kubernetes: the table behind ``validate -p kubernetes``.

Exact: image, image_pull_secret, command, args, env, secrets (secretKeyRef), ports, http and udp
ports, resources, fixed replicas, autoscale (HPA), health checks and start period (probes, when
their durations are whole seconds), every ``security`` option, volumes (emptyDir), sidecars,
labels.

Lossy:

- ``depends_on``: Kubernetes has no start order. cloudorch applies services in dependency order,
  so only the first deploy is ordered; pods restarted or rescheduled later start in any order. Use
  readiness (and retries) in the dependant.
- ``ports.public`` when only some of a service's ports are public (one Service has one type, so
  all its ports are exposed), or with ``service_type_public: NodePort`` (reachable at an
  allocated node port, not at the spec's port).
- ``replicas`` together with ``autoscale``: the HPA owns the count, starting from ``min``.
- ``ports.udp`` on a public service mixing TCP and UDP: needs a load balancer that supports
  mixed protocols.
- ``health.*`` with durations that are not whole seconds (rounded up: probes count seconds).

Unsupported: nothing.
"""

from __future__ import annotations

from cloudorch.provider import Fit
from cloudorch.spec.models import Service
from cloudorch_providers.kubernetes.convert_probes import seconds, startup_threshold, whole_seconds
from cloudorch_providers.kubernetes.convert_service import service_type
from cloudorch_providers.kubernetes.convert_workload import cpu_quantity, memory_quantity
from cloudorch_providers.kubernetes.fit_jobs import job_fit
from cloudorch_providers.kubernetes.meta import Target

Verdict = tuple[Fit, str]


class FitTable:
    """``fit(service_name, service, key)`` for :func:`cloudorch.spec.fields.report`."""

    #: what gives a LoadBalancer Service its external address
    load_balancer = "the cluster's cloud load balancer"
    #: where the HPA's cpu metrics come from
    metrics = "needs a metrics server in the cluster (metrics-server)"

    def __init__(self, target: Target):
        self.target = target

    #: ``jobs.<name>.<key>`` lines (:mod:`cloudorch_providers.kubernetes.fit_jobs`)
    job_fit = staticmethod(job_fit)

    def __call__(self, name: str, service: Service, key: str) -> Verdict:
        method = getattr(self, "fit_" + key.replace(".", "_"), None)
        if method is None:
            return Fit.UNSUPPORTED, f"this provider version does not know the spec feature {key!r}"
        return method(name, service)

    # -- the container -----------------------------------------------------------------------
    def fit_image(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, (f"container image {s.image}, pulled by the kubelet (imagePullPolicy Always "
                           "for :latest or untagged images, else IfNotPresent)")

    def fit_image_pull_secret(self, name: str, s: Service) -> Verdict:
        secret = self.target.settings.pull_secret(s.image_pull_secret)
        return Fit.EXACT, (f"imagePullSecrets: Secret {secret!r} (type kubernetes.io/dockerconfigjson), "
                           f"which must exist in namespace {self.target.namespace!r}")

    def fit_command(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, ("container command: replaces the image ENTRYPOINT (and, without args, its CMD); "
                           "$( is escaped so Kubernetes' $(VAR) expansion leaves it literal")

    def fit_args(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, "container args: replace the image CMD; $( is escaped to stay literal"

    def fit_env(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, "container env, sorted by name; $( is escaped to stay literal"

    def fit_secrets(self, name: str, s: Service) -> Verdict:
        refs = []
        for container in (s, *s.sidecars):
            for var, secret in sorted(container.secrets.items()):
                obj, key = self.target.settings.secret_ref(self.target.app.name, secret)
                refs.append(f"{var} <- Secret {obj!r} key {key!r}")
        return Fit.EXACT, (f"env valueFrom.secretKeyRef ({'; '.join(refs)}); the Secrets must exist in "
                           f"namespace {self.target.namespace!r}; no value is ever rendered")

    def fit_resources(self, name: str, s: Service) -> Verdict:
        r = s.resources
        amounts = f"cpu {cpu_quantity(r.cpu)}, memory {memory_quantity(r.memory)}"
        return Fit.EXACT, f"requests = limits ({amounts}; sidecars: their own), so the pod is Guaranteed QoS"

    # -- ports -------------------------------------------------------------------------------
    def fit_ports(self, name: str, s: Service) -> Verdict:
        ports = ", ".join(str(p.port) for p in s.ports)
        kind = service_type(self.target, s)
        return Fit.EXACT, (f"containerPort {ports}; Service {name!r} ({kind}) reaches them in the cluster "
                           f"as {name}:PORT")

    def fit_ports_http(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, "TCP port with appProtocol: http on the Service"

    def fit_ports_udp(self, name: str, s: Service) -> Verdict:
        public = any(p.public for p in s.ports)
        mixed = {p.protocol == "udp" for p in s.ports} == {True, False}
        if public and mixed and s.ports and service_type(self.target, s) == "LoadBalancer":
            return Fit.LOSSY, ("protocol UDP; one LoadBalancer Service with both TCP and UDP ports needs a "
                               "load balancer that supports mixed protocols (Kubernetes >= 1.26)")
        return Fit.EXACT, "protocol UDP on the container port and the Service port"

    def fit_ports_public(self, name: str, s: Service) -> Verdict:
        kind = service_type(self.target, s)
        public = [f"{p.outside}" + (f" (to {p.port})" if p.outside != p.port else "") for p in s.ports if p.public]
        private = [str(p.port) for p in s.ports if not p.public]
        also = (f"; a Service has one type, so port {', '.join(private)} (not public) is exposed too"
                if private else "")
        if kind == "NodePort":
            return Fit.LOSSY, (f"Service type NodePort: port {', '.join(public)} is reachable on every "
                               "node's address at an allocated port (30000-32767), not at its own "
                               f"number{also}")
        note = (f"Service type LoadBalancer: {self.load_balancer} gives port {', '.join(public)} "
                "an external address")
        return (Fit.LOSSY if private else Fit.EXACT), note + also

    # -- scaling -----------------------------------------------------------------------------
    def fit_replicas(self, name: str, s: Service) -> Verdict:
        if s.autoscale:
            return Fit.LOSSY, (f"replicas: {s.replicas} is not sent: the HorizontalPodAutoscaler owns the "
                               f"count (starting at min {s.autoscale.min}), so an apply never fights it")
        return Fit.EXACT, f"Deployment replicas: {s.replicas}, rolled out with maxUnavailable 0, maxSurge 25%"

    def fit_autoscale(self, name: str, s: Service) -> Verdict:
        a = s.autoscale
        return Fit.EXACT, (f"HorizontalPodAutoscaler (autoscaling/v2) {a.min}..{a.max} replicas at "
                           f"{a.cpu_percent}% average cpu utilization of the pods' requests; {self.metrics}")

    # -- health ------------------------------------------------------------------------------
    def _health(self, s: Service, what: str) -> Verdict:
        h = s.health
        note = (f"{what} as readiness and liveness probes every {seconds(h.interval)}s, timeout "
                f"{seconds(h.timeout)}s; not ready and restarted after {h.retries} failures")
        if whole_seconds(h):
            return Fit.EXACT, note
        return Fit.LOSSY, note + "; probe durations are rounded up to whole seconds"

    def fit_health_http(self, name: str, s: Service) -> Verdict:
        return self._health(s, f"httpGet {s.health.http.path} on port {s.health.http.port}")

    def fit_health_tcp(self, name: str, s: Service) -> Verdict:
        return self._health(s, f"tcpSocket on port {s.health.tcp.port}")

    def fit_health_command(self, name: str, s: Service) -> Verdict:
        return self._health(s, "exec (the command runs in the container, without a shell)")

    def fit_health_start_period(self, name: str, s: Service) -> Verdict:
        h = s.health
        note = (f"startupProbe: up to {startup_threshold(h)} checks every {seconds(h.interval)}s "
                "(start period + retries) before the container restarts; readiness and liveness wait "
                "for its first success")
        return (Fit.EXACT if whole_seconds(h) else Fit.LOSSY), note

    # -- security ----------------------------------------------------------------------------
    def _sidecars(self, s: Service) -> str:
        return "; sidecars keep their images' settings" if s.sidecars else ""

    def fit_security_run_as_user(self, name: str, s: Service) -> Verdict:
        user = s.security.run_as_user
        extra = " with runAsNonRoot: true" if user else ""
        return Fit.EXACT, f"securityContext.runAsUser: {user}{extra} on container {name!r}{self._sidecars(s)}"

    def fit_security_run_as_group(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, (f"securityContext.runAsGroup: {s.security.run_as_group} on container {name!r}"
                           f"{self._sidecars(s)}")

    def fit_security_read_only_root(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, (f"securityContext.readOnlyRootFilesystem: true on container {name!r}; "
                           f"emptyDir volumes stay writable{self._sidecars(s)}")

    def fit_security_drop_capabilities(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, f"securityContext.capabilities.drop: [ALL] on container {name!r}{self._sidecars(s)}"

    # -- the rest ----------------------------------------------------------------------------
    def fit_depends_on(self, name: str, s: Service) -> Verdict:
        return Fit.LOSSY, (f"Kubernetes has no start order: ordered at deploy time only (after "
                           f"{', '.join(s.depends_on)}); pods restarted or rescheduled later start in any "
                           "order, so use readiness (and retries) in the dependant")

    def fit_volumes(self, name: str, s: Service) -> Verdict:
        names = ", ".join(v.name for v in s.volumes)
        return Fit.EXACT, f"emptyDir volumes ({names}): live as long as the pod, survive container restarts"

    def fit_sidecars(self, name: str, s: Service) -> Verdict:
        names = ", ".join(c.name for c in s.sidecars)
        return Fit.EXACT, (f"containers {names} in the same pod: shared network (localhost) and the volumes "
                           "they list; each restarts on its own")

    def fit_labels(self, name: str, s: Service) -> Verdict:
        return Fit.EXACT, ("labels on every resource and pod, beside the app.kubernetes.io/* and "
                           "cloudorch.io/* labels")

"""The swarm plan: the app network and each rendered service against what is live, by exact name.

A service is compared through a projection of the fields cloudorch sets (image, command, args, env,
secrets, mounts, healthcheck, user, resources, restart policy, network and aliases, replicas,
update/rollback configs, endpoint mode and ports, labels): whatever differs is an UPDATE (Swarm
updates every field in place, rolling the tasks); fields Docker fills in itself are ignored. A service
whose last update was rolled back shows as an UPDATE too (its live spec is the previous one).

Built with the kit's :class:`~cloudorch.live.plan.PlanBuilder`: each Change's payload is a list of
:class:`~cloudorch.live.plan.Step` of the calls in :mod:`.apply`. A same-named service or network
without this app's labels is refused, never adopted (the kit's ownership rule); the app's services the
spec no longer has are swept. Destroy deletes the app's services and secret versions, then the network
unless a service that is not the app's uses it.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudorch.errors import ProviderError
from cloudorch.live.ownership import Markers
from cloudorch.live.plan import Owned, PlanBuilder, Step
from cloudorch.provider import Change, Plan
from cloudorch.provider import MissingSecret as MissingSecretFact
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_bodies
from cloudorch_providers.swarm.live.apply import (
    create_network,
    create_service,
    delete_network,
    delete_secret,
    delete_service,
    update_service,
)
from cloudorch_providers.swarm.live.state import Live, labels_of, owned, spec_service_of
from cloudorch_providers.swarm.settings import SwarmSettings

NETWORK, SERVICE, SECRET = "Network", "Service", "Secret"
_CONTAINER_KEYS = ("Image", "Labels", "Command", "Args", "Env", "Healthcheck", "User", "Groups", "ReadOnly",
                   "CapabilityDrop", "StopGracePeriod")
_UPDATE_KEYS = ("Parallelism", "FailureAction", "Monitor", "MaxFailureRatio", "Order")


class MissingSecret(ProviderError):
    """A Docker secret a service names does not exist (Docker refuses such a service)."""


MARKERS = Markers()
FIX = "rename the app or service, or remove it yourself"


def not_ours(kind: str, name: str, labels: dict[str, str], app: str) -> ProviderError:
    return MARKERS.not_ours(kind.lower(), name, labels, app, fix=FIX)


def project(spec: dict[str, Any]) -> dict[str, Any]:
    """The fields of a ServiceSpec that cloudorch manages, with Docker's defaults made explicit."""
    template = spec.get("TaskTemplate") or {}
    container = template.get("ContainerSpec") or {}
    out: dict[str, Any] = {"Name": spec.get("Name"), "Labels": spec.get("Labels") or {}}
    for key in _CONTAINER_KEYS:
        value = container.get(key)
        out[f"ContainerSpec.{key}"] = value if value not in ([], {}, "", False, 0) else None
    out["ContainerSpec.Secrets"] = sorted(
        (s["File"]["Name"], s.get("SecretName"), s.get("SecretID"), s["File"].get("Mode")) for s in
        container.get("Secrets") or [])
    out["ContainerSpec.Mounts"] = [(m.get("Type"), m.get("Target"), (m.get("VolumeOptions") or {}).get("Labels") or {})
                                   for m in container.get("Mounts") or []]
    resources = template.get("Resources") or {}
    for kind in ("Limits", "Reservations"):
        values = resources.get(kind) or {}
        out[f"Resources.{kind}"] = (values.get("NanoCPUs", 0), values.get("MemoryBytes", 0))
    restart = template.get("RestartPolicy") or {}
    out["RestartPolicy"] = (restart.get("Condition", "any"), restart.get("Delay"), restart.get("MaxAttempts", 0))
    out["Networks"] = [(n.get("Target"), sorted(n.get("Aliases") or [])) for n in template.get("Networks") or []]
    out["Replicas"] = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")
    for key in ("UpdateConfig", "RollbackConfig"):
        config = spec.get(key) or {}
        out[key] = tuple(config.get(k) for k in _UPDATE_KEYS)
    endpoint = spec.get("EndpointSpec") or {}
    out["EndpointSpec.Mode"] = endpoint.get("Mode", "vip")
    out["EndpointSpec.Ports"] = sorted((p.get("Protocol", "tcp"), p.get("TargetPort"), p.get("PublishedPort") or 0,
                                        p.get("PublishMode", "ingress")) for p in endpoint.get("Ports") or [])
    return out


def differences(desired: dict[str, Any], live: dict[str, Any]) -> list[str]:
    want, have = project(desired), project(live)
    return [key for key in want if want[key] != have.get(key)]


def _field_names(paths: list[str]) -> list[str]:
    names = {"ContainerSpec.Image": "image", "Replicas": "replicas", "ContainerSpec.Env": "env",
             "ContainerSpec.Secrets": "secrets", "ContainerSpec.Command": "command", "ContainerSpec.Args": "args",
             "ContainerSpec.Healthcheck": "health", "EndpointSpec.Ports": "ports", "ContainerSpec.Mounts": "volumes",
             "Labels": "labels", "ContainerSpec.Labels": "labels"}
    return sorted({names.get(p, p) for p in paths})


def resolve(body: dict[str, Any], live: Live, network_id: str | None,
            missing: set[str] | None = None) -> dict[str, Any]:
    """The body with the live ids Docker stores: the network's id and each secret's newest version.
    A secret that does not exist raises MissingSecret, or, given ``missing``, is added to it (and
    left without an id: such a body is never sent)."""
    body = copy.deepcopy(body)
    template = body["TaskTemplate"]
    if network_id:
        for attachment in template["Networks"]:
            attachment["Target"] = network_id
    for ref in template["ContainerSpec"].get("Secrets", []):
        version = live.secret_version(ref["SecretName"])
        if version is None and missing is not None:
            missing.add(ref["SecretName"])
            continue
        if version is None:
            raise MissingSecret(
                f"service {body['Name']}: Docker secret {ref['SecretName']!r} does not exist; store its value with "
                f"`cloudorch secrets set -p swarm NAME` or `docker secret create {ref['SecretName']} FILE`")
        ref["SecretID"], ref["SecretName"] = version["ID"], version["Spec"]["Name"]
    return body


class Planner:
    """The app network and every rendered Swarm service against what is live (kit PlanBuilder)."""

    def __init__(self, app: App, settings: SwarmSettings, markers: dict[str, str], live: Live,
                 file_options: str = "-f SPEC"):
        self.app, self.settings, self.markers, self.live = app, settings, markers, live
        self.builder = PlanBuilder(app, "swarm", MARKERS)
        self.file_options = file_options
        #: Docker secret name -> the spec services whose pending changes name it, while it does not exist
        self.missing: dict[str, set[str]] = {}

    def plan(self, network_body: dict[str, Any]) -> Plan:
        network = self.live.network
        self.builder.resource(NETWORK, network_body["Name"], None, live=network,
                              tags=(network or {}).get("Labels"), create=[Step(create_network, (network_body,),
                                                                                on=f"network {network_body['Name']}")],
                              fields=lambda: [], update=lambda fields: [], fix=FIX,
                              reason="" if network else "it does not exist")
        network_id = network["Id"] if network else None
        rendered = set()
        for service, _sidecar, body in service_bodies(self.app, self.settings, self.markers):
            rendered.add((SERVICE, body["Name"]))
            self.service_change(service, body, network_id)
        from cloudorch_providers.swarm.live.jobs import is_run

        services = [o for o in owned_services(self.live, self.app.name) if not is_run(o.obj)]  # runs: `run`'s
        self.builder.sweep(services, rendered, delete=_delete_service, reason=_orphan_reason(self.app))
        plan = self.builder.build()
        plan.missing_secrets = self.missing_secrets()
        return plan

    def missing_secrets(self) -> list[MissingSecret]:
        """What deploy must refuse before any change: each missing Docker secret, named by the spec's
        secret, its services and the command that stores it."""
        spec_names = {self.settings.secret_for(name): name for name in self.app.secret_names()}
        found = []
        for docker_name, services in sorted(self.missing.items()):
            secret = spec_names.get(docker_name, docker_name)
            found.append(MissingSecretFact(
                secret, tuple(sorted(services)), f"Docker secret '{docker_name}' does not exist",
                f"store its value with `cloudorch secrets set {self.file_options} -p swarm {secret}` "
                f"(or `docker secret create {docker_name} FILE`)"))
        return found

    def service_change(self, service: str, body: dict[str, Any], network_id: str | None) -> Change:
        name = body["Name"]
        live = self.live.services.get(name)
        missing: set[str] = set()
        desired = resolve(body, self.live, network_id, missing)
        for secret in missing:
            self.missing.setdefault(secret, set()).add(service)
        if live is not None:
            force = (live["Spec"].get("TaskTemplate") or {}).get("ForceUpdate")
            if force:  # kept: a restart's counter, not something the spec sets
                desired["TaskTemplate"]["ForceUpdate"] = force
        state = ((live or {}).get("UpdateStatus") or {}).get("State", "")

        def fields() -> list[str]:
            paths = differences(desired, live["Spec"])
            return _field_names(paths) if paths else (["update"] if state == "paused" else [])

        def update(changed: list[str]) -> list[Step]:
            return [Step(update_service, (live["ID"], live["Version"]["Index"], desired), on=f"service {name}")]

        reason = (f"its last update was rolled back ({state})" if state.startswith("rollback") else
                  "its update is paused" if state == "paused" else "")
        if missing:
            reason = "; ".join(filter(None, [reason, "Docker secret " + ", ".join(sorted(missing))
                                             + " does not exist: deploy stops before any change"]))
        # a new network's id is known only once it exists: the service is created with its name
        return self.builder.resource(SERVICE, name, service, live=live, tags=labels_of(live) if live else None,
                                     create=[Step(create_service, (desired,), on=f"service {name}")],
                                     fields=fields, update=update, fix=FIX, reason=reason,
                                     documents=lambda: (project(desired), project(live["Spec"])))


def _delete_service(owned: Owned) -> list[Step]:
    from cloudorch_providers.swarm.live.jobs import is_run, remove_run

    remove = remove_run if is_run(owned.obj) else delete_service  # a job's run: its container is killed first
    return [Step(remove, (owned.obj["ID"], owned.name), on=f"service {owned.name}")]


def _orphan_reason(app: App):
    def reason(owned: Owned) -> str:
        _, sidecar = spec_service_of(owned.obj)
        return f"sidecar {sidecar} is no longer in the spec" if sidecar else ""

    return reason


def owned_services(live: Live, app: str) -> list[Owned]:
    return [Owned(SERVICE, name, spec_service_of(service)[0], service)
            for name, service in sorted(live.owned_services(app).items())]


def destroy_plan(app: App, live: Live) -> Plan:
    """Every service and secret version carrying the app's labels (by exact id), then the network when
    it is ours and no service that is not the app's uses it."""
    builder = PlanBuilder(app, "swarm", MARKERS)
    builder.sweep(owned_services(live, app.name), (), delete=_delete_service, destroying=True)
    secrets = [Owned(SECRET, s["Spec"]["Name"], None, s) for s in live.secrets if owned(labels_of(s), app.name)]
    builder.sweep(sorted(secrets, key=lambda o: o.name), (), destroying=True,
                  delete=lambda o: [Step(delete_secret, (o.obj["ID"], o.name), on=f"secret {o.name}")])
    network = live.network
    if network is not None:
        others = sorted(name for name, service in live.services.items()
                        if not owned(labels_of(service), app.name) and network["Id"] in {
                            n.get("Target") for n in (service["Spec"].get("TaskTemplate") or {}).get("Networks") or []})
        builder.container(NETWORK, network["Name"], tags=network.get("Labels"), others=others, holds="services",
                          delete=[Step(delete_network, (network["Id"], network["Name"]),
                                       on=f"network {network['Name']}")])
    return builder.build()

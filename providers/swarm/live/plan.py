"""The swarm plan: the app network and each rendered service against what is live, by exact name.

A service is compared through a projection of the fields cloudorch sets (image, command, args, env,
secrets, mounts, healthcheck, user, resources, restart policy, network and aliases, replicas,
update/rollback configs, endpoint mode and ports, labels): whatever differs is an UPDATE (Swarm
updates every field in place, rolling the tasks); fields Docker fills in itself are ignored. A service
whose last update was rolled back shows as an UPDATE too (its live spec is the previous one).

Payload steps (run by :mod:`.apply`): ``("create_network", body)``, ``("create_service", body)``,
``("update_service", id, version, body)``, ``("delete_service", id, name)``,
``("delete_network", id, name)``, ``("delete_secret", id, name)``.

A same-named service or network without this app's labels is refused, never adopted.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudorch.errors import ProviderError
from cloudorch.provider import Action, Change, Plan
from cloudorch.spec.models import App
from cloudorch_providers.swarm.convert import service_bodies
from cloudorch_providers.swarm.live.state import OWNER, TOOL, TOOL_VALUE, Live, labels_of, owned, spec_service_of
from cloudorch_providers.swarm.settings import SwarmSettings

NETWORK, SERVICE, SECRET = "Network", "Service", "Secret"
_CONTAINER_KEYS = ("Image", "Labels", "Command", "Args", "Env", "Healthcheck", "User", "Groups", "ReadOnly",
                   "CapabilityDrop", "StopGracePeriod")
_UPDATE_KEYS = ("Parallelism", "FailureAction", "Monitor", "MaxFailureRatio", "Order")


class MissingSecret(ProviderError):
    exit_code = 2


def not_ours(kind: str, name: str, labels: dict[str, str], app: str) -> ProviderError:
    owner = (f"it belongs to cloudorch app {labels[OWNER]!r}" if labels.get(OWNER) and labels.get(OWNER) != app
             else f"it has no {OWNER}={app} / {TOOL}={TOOL_VALUE} labels")
    return ProviderError(f"{kind.lower()} {name} exists but is not managed by cloudorch for app {app!r} ({owner}); "
                         f"refusing to adopt or change it: rename the app or service, or remove that {kind.lower()} "
                         "yourself")


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
    out["EndpointSpec.Ports"] = sorted((p.get("Protocol", "tcp"), p.get("TargetPort"), p.get("PublishedPort"),
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


def resolve(body: dict[str, Any], live: Live, network_id: str | None) -> dict[str, Any]:
    """The body with the live ids Docker stores: the network's id and each secret's newest version."""
    body = copy.deepcopy(body)
    template = body["TaskTemplate"]
    if network_id:
        for attachment in template["Networks"]:
            attachment["Target"] = network_id
    for ref in template["ContainerSpec"].get("Secrets", []):
        version = live.secret_version(ref["SecretName"])
        if version is None:
            raise MissingSecret(
                f"service {body['Name']}: Docker secret {ref['SecretName']!r} does not exist; store its value with "
                f"`cloudorch secrets set -p swarm NAME` or `docker secret create {ref['SecretName']} FILE`")
        ref["SecretID"], ref["SecretName"] = version["ID"], version["Spec"]["Name"]
    return body


class Planner:
    def __init__(self, app: App, settings: SwarmSettings, markers: dict[str, str], live: Live):
        self.app, self.settings, self.markers, self.live = app, settings, markers, live

    def plan(self, network_body: dict[str, Any]) -> Plan:
        changes: list[Change] = []
        network = self.live.network
        name = network_body["Name"]
        if network is None:
            changes.append(Change(Action.CREATE, NETWORK, name, reason="it does not exist",
                                  payload=[("create_network", network_body)]))
        elif not owned(network.get("Labels"), self.app.name):
            raise not_ours(NETWORK, name, network.get("Labels") or {}, self.app.name)
        else:
            changes.append(Change(Action.NOOP, NETWORK, name))
        network_id = network["Id"] if network else None
        wanted = set()
        for service, _sidecar, body in service_bodies(self.app, self.settings, self.markers):
            wanted.add(body["Name"])
            changes.append(self.service_change(service, body, network_id))
        changes += self.orphans(wanted)
        return Plan(self.app.name, "swarm", changes)

    def service_change(self, service: str, body: dict[str, Any], network_id: str | None) -> Change:
        name = body["Name"]
        live = self.live.services.get(name)
        desired = resolve(body, self.live, network_id)
        if live is None:
            # a new network's id is known only once it exists: created with the network's name
            return Change(Action.CREATE, SERVICE, name, service, payload=[("create_service", desired)])
        if not owned(labels_of(live), self.app.name):
            raise not_ours(SERVICE, name, labels_of(live), self.app.name)
        force = ((live["Spec"].get("TaskTemplate") or {}).get("ForceUpdate"))
        if force:  # kept: a restart's counter, not something the spec sets
            desired["TaskTemplate"]["ForceUpdate"] = force
        paths = differences(desired, live["Spec"])
        state = (live.get("UpdateStatus") or {}).get("State", "")
        if paths:
            reason = f"its last update was rolled back ({state})" if state.startswith("rollback") else ""
            return Change(Action.UPDATE, SERVICE, name, service, _field_names(paths), reason,
                          payload=[("update_service", live["ID"], live["Version"]["Index"], desired)])
        if state == "paused":
            return Change(Action.UPDATE, SERVICE, name, service, ["update"], "its update is paused",
                          payload=[("update_service", live["ID"], live["Version"]["Index"], desired)])
        return Change(Action.NOOP, SERVICE, name, service)

    def orphans(self, wanted: set[str]) -> list[Change]:
        changes = []
        for name, live in sorted(self.live.owned_services(self.app.name).items()):
            if name in wanted:
                continue
            service, sidecar = spec_service_of(live)
            reason = (f"sidecar {sidecar} is no longer in the spec" if sidecar and service in self.app.services
                      else f"service {service} is no longer in the spec")
            changes.append(Change(Action.DELETE, SERVICE, name, service, reason=reason,
                                  payload=[("delete_service", live["ID"], name)]))
        return changes


def destroy_plan(app: str, live: Live) -> Plan:
    """Every service, the network and the secret versions carrying the app's labels, by exact id."""
    changes = []
    for name, service in sorted(live.owned_services(app).items()):
        changes.append(Change(Action.DELETE, SERVICE, name, spec_service_of(service)[0],
                              payload=[("delete_service", service["ID"], name)]))
    for secret in sorted(live.secrets, key=lambda s: s["Spec"]["Name"]):
        if owned(labels_of(secret), app):
            changes.append(Change(Action.DELETE, SECRET, secret["Spec"]["Name"],
                                  reason="a secret version stored by cloudorch for this app",
                                  payload=[("delete_secret", secret["ID"], secret["Spec"]["Name"])]))
    network = live.network
    if network is not None and owned(network.get("Labels"), app):
        changes.append(Change(Action.DELETE, NETWORK, network["Name"],
                              payload=[("delete_network", network["Id"], network["Name"])]))
    return Plan(app, "swarm", changes)

"""Comparing a desired container group (a ``render`` body) with the live one ARM returns.

Both sides are reduced to the same normalised projection of what cloudorch manages, then
compared with :func:`cloudorch.diff.differences` (desired-as-subset: keys ARM adds, such as probe
defaults, ``ipAddress.ip``/``fqdn``, ``instanceView`` or ``provisioningState``, are ignored; a
managed key the desired group lacks must be absent live):

- containers are keyed by name (a different set of names is a difference of ``containers``);
- environment variables become sorted ``[name, value]`` pairs; a secure variable is compared by name only
  (``SECURE``), because ARM never returns ``secureValue``: a changed secret value is not seen;
- ports, volume mounts and volumes become sorted lists; volumes by name and kind;
- ``imageRegistryCredentials`` are compared by server (and username when it is not a secret);
- enum values compare case-insensitively; the location in ARM's short form.

Some properties cannot change in place (Microsoft Learn, "Update containers in Azure Container
Instances": OS type, CPU/memory resources, restart policy, network profile (``subnetIds``); a group
cannot move location; the ARM emulator refuses the same, see
``cloudorch_providers.azure.emulation.updates``):
:data:`REPLACE_PATHS` marks them, and such a change is planned as a replacement.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cloudorch.diff import differences

SECURE = "<secure value>"
PROBE_KEYS = ("httpGet", "exec", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold",
              "successThreshold")
VOLUME_KINDS = ("emptyDir", "azureFile", "secret", "gitRepo")
#: first path components whose change needs delete + create
REPLACE_PATHS = ("location", "osType", "restartPolicy", "sku", "subnetIds")
REPLACE_CONTAINER_KEYS = ("resources",)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _ports(ports: list[dict] | None) -> list[list]:
    return sorted([p.get("port"), (p.get("protocol") or "TCP").upper()] for p in ports or [])


def _env(variables: list[dict] | None) -> list[list[str]]:
    out = []
    for var in variables or []:
        value = var.get("value")
        secure = "secureValue" in var or value is None
        out.append([var.get("name"), SECURE if secure else value])
    return sorted(out)


def _probe(probe: dict | None) -> dict | None:
    if not probe:
        return None
    out = {k: probe.get(k) for k in PROBE_KEYS if probe.get(k) is not None}
    if isinstance(out.get("httpGet"), dict):
        http = dict(out["httpGet"])
        if "scheme" in http:
            http["scheme"] = _lower(http["scheme"])
        out["httpGet"] = http
    return out


def _resources(resources: dict | None) -> dict | None:
    if not resources:
        return None
    return {part: {"cpu": (resources.get(part) or {}).get("cpu"),
                   "memoryInGB": (resources.get(part) or {}).get("memoryInGB")}
            for part in ("requests", "limits") if resources.get(part)}


def _container(container: dict) -> dict:
    props = container.get("properties") or {}
    return {
        "image": props.get("image"),
        "command": list(props.get("command") or []) or None,
        "ports": _ports(props.get("ports")) or None,
        "environmentVariables": _env(props.get("environmentVariables")) or None,
        "resources": _resources(props.get("resources")),
        "volumeMounts": sorted([m.get("name"), m.get("mountPath"), bool(m.get("readOnly"))]
                               for m in props.get("volumeMounts") or []) or None,
        "livenessProbe": _probe(props.get("livenessProbe")),
        "readinessProbe": _probe(props.get("readinessProbe")),
    }


def _ip(ip: dict | None, keep_label: bool = True) -> dict | None:
    if not ip:
        return None
    out = {"type": _lower(ip.get("type")), "ports": _ports(ip.get("ports"))}
    if keep_label:
        out["dnsNameLabel"] = ip.get("dnsNameLabel")
    return out


def _volumes(volumes: list[dict] | None) -> list[list] | None:
    found = sorted([v.get("name"), next((k for k in VOLUME_KINDS if v.get(k) is not None), None)]
                   for v in volumes or [])
    return found or None


def _credentials(credentials: list[dict] | None) -> list[dict] | None:
    out = []
    for credential in sorted(credentials or [], key=lambda c: c.get("server") or ""):
        entry = {"server": _lower(credential.get("server"))}
        username = credential.get("username")
        if username and not username.startswith("<placeholder: "):
            entry["username"] = username
        out.append(entry)
    return out or None


def project(body: dict, keep_label: bool = True) -> dict:
    """The managed part of a container group (a PUT body or an ARM reply), normalised."""
    props = body.get("properties") or {}
    return {
        "location": (body.get("location") or "").replace(" ", "").lower(),
        "containers": {c["name"]: _container(c) for c in props.get("containers") or []},
        "initContainers": [c.get("name") for c in props.get("initContainers") or []] or None,
        "osType": _lower(props.get("osType")),
        "restartPolicy": _lower(props.get("restartPolicy") or "Always"),
        "sku": _lower(props.get("sku") or "Standard"),
        "ipAddress": _ip(props.get("ipAddress"), keep_label),
        "volumes": _volumes(props.get("volumes")),
        "imageRegistryCredentials": _credentials(props.get("imageRegistryCredentials")),
        "subnetIds": sorted((s.get("id") or "").lower() for s in props.get("subnetIds") or []) or None,
        "dnsConfig": _dns(props.get("dnsConfig")),
    }


def _dns(config: dict | None) -> dict | None:
    if not config:
        return None
    return {"nameServers": list(config.get("nameServers") or []),
            "searchDomains": " ".join((config.get("searchDomains") or "").split()) or None}


#: properties the projection above compares; any other one in a desired body (set by an override
#: block) is compared as written, desired-as-subset
PROJECTED = {"containers", "initContainers", "osType", "restartPolicy", "sku", "ipAddress", "volumes",
             "imageRegistryCredentials"}
PROJECTED_CONTAINER = {"image", "command", "ports", "environmentVariables", "resources", "volumeMounts",
                       "livenessProbe", "readinessProbe"}


def _unprojected(desired: dict, live: dict) -> list[str]:
    props, have = desired.get("properties") or {}, live.get("properties") or {}
    found = []
    for key, value in props.items():
        if key not in PROJECTED:
            found += differences(value, have.get(key), f"properties.{key}")
    live_containers = {c.get("name"): c.get("properties") or {} for c in have.get("containers") or []}
    for container in props.get("containers") or []:
        theirs = live_containers.get(container["name"], {})
        for key, value in (container.get("properties") or {}).items():
            if key not in PROJECTED_CONTAINER:
                found += differences(value, theirs.get(key), f"containers.{container['name']}.{key}")
    return found


def body_differences(desired: dict, live: dict) -> list[str]:
    """Dotted paths where the live group differs from the desired one (tags left out)."""
    want, have = project(desired), project(live)
    found = _unprojected(desired, live)
    if sorted(want["containers"]) != sorted(have["containers"]):
        found.append("containers")
        want = dict(want, containers=None)
        have = dict(have, containers=None)
    return found + differences(want, have)


def shown(body: dict, tags: dict | None = None) -> dict:
    """The projection a plan shows values from: environment variables as a mapping by name (a secure
    one as :data:`SECURE`, masked again by the core's rule) and the group's tags."""
    out = project(body)
    for container in out["containers"].values():
        pairs = container.get("environmentVariables")
        if pairs:
            container["environmentVariables"] = {name: value for name, value in pairs}
    out["tags"] = dict(tags if tags is not None else body.get("tags") or {})
    return out


def needs_replacement(paths: list[str]) -> list[str]:
    """The paths among ``paths`` that ACI cannot change in place."""
    return [p for p in paths if p.split(".", 1)[0] in REPLACE_PATHS
            or (p.startswith("containers.") and p.split(".")[2:3] and p.split(".")[2] in REPLACE_CONTAINER_KEYS)]


def tag_differences(desired: dict[str, str], live: dict[str, str] | None) -> list[str]:
    """Tags we set whose live value differs (tags someone else added are left alone)."""
    live = live or {}
    return sorted(k for k, v in desired.items() if live.get(k) != v)


def revision(body: dict) -> str:
    """A short hash of a live group's managed body, the same for every replica of one body."""
    data = project(body, keep_label=False)
    data.pop("location")
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:8]

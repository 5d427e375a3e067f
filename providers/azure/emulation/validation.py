"""What ARM and ACI refuse in a PUT body, with the error codes they use.

``InvalidRequestContent`` is ARM's code for a body it cannot deserialise against the API's schema
(missing required property, wrong type, bad enum value). Semantic checks (unknown volume in a mount,
an IP port no container exposes) use the same code here; their exact ACI codes are not modelled.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from cloudorch_providers.azure.emulation.arm import ArmError, invalid_content

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")
_ENUMS = {
    "osType": ("Linux", "Windows"),
    "restartPolicy": ("Always", "OnFailure", "Never"),
    "sku": ("Standard", "Dedicated", "Confidential"),
    "ipType": ("Public", "Private"),
    "protocol": ("TCP", "UDP"),
}
_VOLUME_KINDS = ("azureFile", "emptyDir", "secret", "gitRepo")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise invalid_content(f"The request content was invalid and could not be deserialized: '{exc}'.") from None


def _missing(prop: str, path: str) -> ArmError:
    return invalid_content(
        "The request content was invalid and could not be deserialized: "
        f"'Required property '{prop}' not found in JSON. Path '{path}'.'"
    )


def _wrong(path: str, expected: str) -> ArmError:
    return invalid_content(
        f"The request content was invalid and could not be deserialized: 'Property '{path}' must be {expected}.'"
    )


def _obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _wrong(path, "an object")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise _wrong(path, "an array")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _wrong(path, "a non-empty string")
    return value


def _positive(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _wrong(path, "a positive number")
    return value


def _enum(value: Any, kind: str, path: str) -> str:
    for allowed in _ENUMS[kind]:
        if isinstance(value, str) and value.lower() == allowed.lower():
            return allowed
    raise invalid_content(f"The value '{value}' of '{path}' is not valid. Allowed values: {', '.join(_ENUMS[kind])}.")


def _required(obj: dict, key: str, path: str) -> Any:
    if obj.get(key) is None:
        raise _missing(key, path)
    return obj[key]


def check_group_name(name: str) -> None:
    if not (1 <= len(name) <= 63 and _NAME.match(name) and "--" not in name):
        raise ArmError(
            400,
            "ContainerGroupNameInvalid",
            f"The container group name '{name}' is invalid. The name must be 1-63 characters of lowercase "
            "letters, numbers and single hyphens, and start and end with a letter or number.",
        )


def check_resource_group_name(name: str) -> None:
    if not _RG_NAME.match(name) or name.endswith("."):
        raise ArmError(
            400,
            "InvalidResourceGroupName",
            f"The resource group name '{name}' is invalid: use 1-90 letters, digits, '_', '-', '.', '(' "
            "or ')', not ending in '.'.",
        )


def location_key(location: str) -> str:
    """ARM's short form of a region: lowercase, no spaces ("West Europe" -> "westeurope")."""
    return location.replace(" ", "").lower()


def check_resource_group(body: Any) -> dict:
    body = _obj(body, "body") if body is not None else {}
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    tags = _obj(body.get("tags") or {}, "tags")
    return {"location": location_key(location), "tags": tags, "managedBy": body.get("managedBy")}


def _check_ports(ports: Any, path: str) -> list[dict]:
    checked = []
    for index, port in enumerate(_list(ports, path)):
        where = f"{path}[{index}]"
        port = _obj(port, where)
        number = _required(port, "port", where)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
            raise _wrong(f"{where}.port", "an integer from 1 to 65535")
        entry = dict(port)
        if "protocol" in port and port["protocol"] is not None:
            entry["protocol"] = _enum(port["protocol"], "protocol", f"{where}.protocol")
        checked.append(entry)
    return checked


def _check_container(container: Any, path: str, volumes: set[str], init: bool) -> dict:
    container = _obj(container, path)
    name = _str(_required(container, "name", path), f"{path}.name")
    if not (len(name) <= 63 and _NAME.match(name)):
        raise invalid_content(
            f"The container name '{name}' in '{path}' is invalid: use lowercase letters, "
            "numbers and '-', up to 63 characters."
        )
    props = _obj(_required(container, "properties", path), f"{path}.properties")
    ppath = f"{path}.properties"
    _str(_required(props, "image", ppath), f"{ppath}.image")
    props = dict(props)
    if not init:
        resources = _obj(_required(props, "resources", ppath), f"{ppath}.resources")
        requests = _obj(_required(resources, "requests", f"{ppath}.resources"), f"{ppath}.resources.requests")
        rpath = f"{ppath}.resources.requests"
        _positive(_required(requests, "cpu", rpath), f"{rpath}.cpu")
        _positive(_required(requests, "memoryInGB", rpath), f"{rpath}.memoryInGB")
        if props.get("ports") is not None:
            props["ports"] = _check_ports(props["ports"], f"{ppath}.ports")
    if props.get("command") is not None:
        for index, arg in enumerate(_list(props["command"], f"{ppath}.command")):
            if not isinstance(arg, str):
                raise _wrong(f"{ppath}.command[{index}]", "a string")
    for index, var in enumerate(_list(props.get("environmentVariables") or [], f"{ppath}.environmentVariables")):
        vpath = f"{ppath}.environmentVariables[{index}]"
        var = _obj(var, vpath)
        _str(_required(var, "name", vpath), f"{vpath}.name")
        for key in ("value", "secureValue"):
            if var.get(key) is not None and not isinstance(var[key], str):
                raise _wrong(f"{vpath}.{key}", "a string")
    for index, mount in enumerate(_list(props.get("volumeMounts") or [], f"{ppath}.volumeMounts")):
        mpath = f"{ppath}.volumeMounts[{index}]"
        mount = _obj(mount, mpath)
        mount_name = _str(_required(mount, "name", mpath), f"{mpath}.name")
        _str(_required(mount, "mountPath", mpath), f"{mpath}.mountPath")
        if mount_name not in volumes:
            raise invalid_content(
                f"The volume mount '{mount_name}' of container '{name}' names no volume of the container group."
            )
    for probe in ("livenessProbe", "readinessProbe"):
        if props.get(probe) is not None:
            _obj(props[probe], f"{ppath}.{probe}")
    return {"name": name, "properties": props}


def _check_volumes(volumes: Any) -> list[dict]:
    checked, names = [], set()
    for index, volume in enumerate(_list(volumes, "properties.volumes")):
        path = f"properties.volumes[{index}]"
        volume = _obj(volume, path)
        name = _str(_required(volume, "name", path), f"{path}.name")
        kinds = [kind for kind in _VOLUME_KINDS if volume.get(kind) is not None]
        if len(kinds) != 1:
            raise invalid_content(f"The volume '{name}' must have exactly one of {', '.join(_VOLUME_KINDS)}.")
        if name in names:
            raise invalid_content(f"The volume name '{name}' is used twice.")
        names.add(name)
        checked.append(volume)
    return checked


def _check_ip(ip: Any, container_ports: set[int]) -> dict:
    ip = dict(_obj(ip, "properties.ipAddress"))
    ip["type"] = _enum(_required(ip, "type", "properties.ipAddress"), "ipType", "properties.ipAddress.type")
    ip["ports"] = _check_ports(_required(ip, "ports", "properties.ipAddress"), "properties.ipAddress.ports")
    for port in ip["ports"]:
        if port["port"] not in container_ports:
            raise invalid_content(f"The port {port['port']} of the IP address is not exposed by any container.")
    label = ip.get("dnsNameLabel")
    if label is not None and not (isinstance(label, str) and len(label) <= 63 and _DNS_LABEL.match(label)):
        raise ArmError(
            400,
            "InvalidDnsNameLabel",
            f"The DNS name label '{label}' is invalid. It can contain only lowercase letters, numbers "
            "and hyphens, must start with a letter and end with a letter or number.",
        )
    for key in ("ip", "fqdn"):
        ip.pop(key, None)  # assigned by the service
    return ip


def check_container_group(body: Any) -> dict:
    """The accepted parts of a container group PUT body, normalised; raises :class:`ArmError`."""
    body = _obj(body, "body")
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    tags = _obj(body.get("tags") or {}, "tags")
    for key, value in tags.items():
        if not isinstance(value, str):
            raise _wrong(f"tags.{key}", "a string")
    props = dict(_obj(_required(body, "properties", "body"), "properties"))
    props["osType"] = _enum(_required(props, "osType", "properties"), "osType", "properties.osType")
    props["restartPolicy"] = _enum(props.get("restartPolicy") or "Always", "restartPolicy", "properties.restartPolicy")
    props["sku"] = _enum(props.get("sku") or "Standard", "sku", "properties.sku")
    volumes = _check_volumes(props.get("volumes") or [])
    props["volumes"] = volumes
    volume_names = {volume["name"] for volume in volumes}
    containers = _list(_required(props, "containers", "properties"), "properties.containers")
    if not containers:
        raise invalid_content("The container group must have at least one container in 'properties.containers'.")
    checked = [
        _check_container(c, f"properties.containers[{i}]", volume_names, init=False) for i, c in enumerate(containers)
    ]
    names = [c["name"] for c in checked]
    if len(set(names)) != len(names):
        raise invalid_content("Container names must be unique within a container group.")
    props["containers"] = checked
    init = props.get("initContainers") or []
    props["initContainers"] = [
        _check_container(c, f"properties.initContainers[{i}]", volume_names, init=True)
        for i, c in enumerate(_list(init, "properties.initContainers"))
    ]
    if props.get("ipAddress") is not None:
        exposed = {p["port"] for c in checked for p in c["properties"].get("ports") or []}
        props["ipAddress"] = _check_ip(props["ipAddress"], exposed)
    for readonly in ("provisioningState", "instanceView"):
        props.pop(readonly, None)
    return {
        "location": location_key(location),
        "tags": tags,
        "zones": body.get("zones"),
        "identity": copy.deepcopy(body.get("identity")),
        "properties": copy.deepcopy(props),
    }

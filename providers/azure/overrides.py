"""``providers.azure.overrides.SERVICE.container_group``: native ARM fields merged onto the PUT body of
each of the service's container groups (one per replica), after translation.

The merge is the strategic merge of :mod:`cloudorch.overrides`: ``properties.containers`` and
``properties.initContainers`` merge on ``name``, and in a container ``properties.environmentVariables``
on ``name``, ``properties.ports`` on ``port``, ``properties.volumeMounts`` on ``mountPath``;
``properties.volumes`` on ``name``; ``tags`` merge as a mapping; other lists replace; ``null``
removes a field.

Checked (``file:line`` of the offending override value) by a round trip through the Azure SDK's
``ContainerGroup`` model (azure-mgmt-containerinstance, imported only when an override exists): a
field the model does not know is dropped by the round trip and reported as unknown, a value the
model converts is reported with the type it expects, a value it cannot convert is found by taking
the override's fields out one at a time. The group's ownership tags stay cloudorch's; a
``secureValue`` (a secret in clear in the spec) and a plain ``value`` for a variable the spec reads
from a secret (or that looks like a password) are refused.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudorch.errors import SpecIssue
from cloudorch.overrides import (
    Block,
    Merged,
    env_in_clear,
    issue_at,
    leaves,
    markers_kept,
    strategic_merge,
    walk,
)
from cloudorch.overrides import unchecked as _unchecked
from cloudorch.provider import FieldReport, Fit

_KEYS = {("properties", "containers"): "name", ("properties", "initContainers"): "name",
         ("properties", "volumes"): "name",
         ("properties", "containers", "properties", "environmentVariables"): "name",
         ("properties", "containers", "properties", "ports"): "port",
         ("properties", "containers", "properties", "volumeMounts"): "mountPath",
         ("properties", "ipAddress", "ports"): "port"}


def list_key(path: tuple[str, ...]) -> str | None:
    return _KEYS.get(path)


def block_for(settings: Any, service: str) -> Block | None:
    override = settings.overrides.get(service)
    if override is None or override.container_group is None:
        return None
    return Block("azure", service, "container_group", override.container_group)


def apply(body: dict[str, Any], settings: Any, service: str) -> dict[str, Any]:
    """``body`` (one container group) with the service's override merged in."""
    block = block_for(settings, service)
    return body if block is None else strategic_merge(body, block.patch, list_key).body


def issues(spec: Any, settings: Any, bodies: dict[str, dict[str, Any]]) -> list[SpecIssue]:
    """Problems of the override blocks; ``bodies``: service -> its first group rendered without them."""
    found: list[SpecIssue] = []
    for service in settings.overrides:
        block = block_for(settings, service)
        if block is None:
            continue
        if service not in spec.app.services:
            found.append(spec.issue(block.path[:-1], f"no service {service!r} in the spec", key=True))
            continue
        base = bodies[service]
        merged = strategic_merge(base, block.patch, list_key)
        problems = _guards(spec, block, base, merged)
        found += problems or _round_trip(spec, block, merged)
    return found


def _guards(spec: Any, block: Block, base: dict, merged: Merged) -> list[SpecIssue]:
    found = []
    markers = {k: v for k, v in base["tags"].items() if k.startswith("cloudorch") or k == "managed-by"}
    found += markers_kept(merged, markers, merged.body.get("tags") or {}, block, spec, ("tags",))
    if merged.body.get("location") != base.get("location"):
        found.append(issue_at(spec, block, merged.source(("location",)),
                              "refused: the location comes from providers.azure.location"))
    entries = []
    for path, value in walk(merged.body):
        if len(path) >= 2 and path[-2] == "environmentVariables" and isinstance(value, dict):
            if "secureValue" in value and merged.origin.get(path + ("secureValue",)) is not None:
                found.append(issue_at(spec, block, merged.origin[path + ("secureValue",)],
                                      "refused: a secureValue in an override is a secret written in clear; "
                                      "put it in secrets: and set it with cloudorch secrets set"))
            elif "value" in value and "name" in value:
                entries.append((path + ("value",), str(value["name"])))
    found += env_in_clear(merged, entries, set(spec.app.services[block.service].secrets), block, spec)
    return found


def model() -> Any | None:
    try:
        from azure.mgmt.containerinstance.models import ContainerGroup
    except ImportError:
        return None
    return ContainerGroup


def _round_trip(spec: Any, block: Block, merged: Merged) -> list[SpecIssue]:
    group = model()
    if group is None:
        _unchecked("providers.azure", "the Azure SDK is not installed (pip install 'cloudorch[azure]')")
        return []
    from azure.core.exceptions import DeserializationError

    try:
        back = group.deserialize(copy.deepcopy(merged.body)).serialize()
    except DeserializationError:
        return [_culprit(spec, block, merged, group)]
    found = []
    for native, source in sorted(merged.origin.items(), key=lambda item: len(item[0])):
        if not source or _missing(back, native[:-1]):
            continue  # the whole block, or under a field already reported
        value = _get(merged.body, native)
        if _missing(back, native):
            found.append(issue_at(spec, block, source, f"unknown field {native[-1]!r} in an ARM container group "
                                                       f"(the Azure SDK's ContainerGroup model drops it)", key=True))
        elif not isinstance(value, dict | list) and _get(back, native) != value:
            found.append(issue_at(spec, block, source, f"{value!r} has the wrong type for ARM "
                                                       f"(the SDK model reads it as {_get(back, native)!r})"))
    return _outermost(found)


def _culprit(spec: Any, block: Block, merged: Merged, group: Any) -> SpecIssue:
    """The override value the model cannot convert: the one whose removal lets it deserialize."""
    from azure.core.exceptions import DeserializationError

    for native, source in merged.origin.items():
        value = _get(merged.body, native)
        if not source or isinstance(value, dict | list):
            continue
        trial = copy.deepcopy(merged.body)
        parent = _get(trial, native[:-1])
        parent.pop(native[-1]) if isinstance(parent, dict) else parent.pop(native[-1])
        try:
            group.deserialize(trial)
        except DeserializationError:
            continue
        return issue_at(spec, block, source, f"{value!r} has the wrong type for ARM (the Azure SDK's ContainerGroup "
                                             f"model cannot read it)")
    return issue_at(spec, block, None, "the merged container group is not one the Azure SDK's model can read")


def _get(body: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and isinstance(part, int) and part < len(body):
            body = body[part]
        else:
            return _MISSING
    return body


_MISSING = object()


def _missing(body: Any, path: tuple) -> bool:
    return _get(body, path) is _MISSING


def _outermost(issues: list[SpecIssue]) -> list[SpecIssue]:
    return [i for i in issues if not any(o is not i and i.field.startswith(o.field + ".") for o in issues)]


def field_reports(settings: Any) -> list[FieldReport]:
    checked = ("checked by a round trip through the Azure SDK's ContainerGroup model" if model() is not None else
               "NOT checked: the Azure SDK is not installed (pip install 'cloudorch[azure]')")
    lines = []
    for service in settings.overrides:
        block = block_for(settings, service)
        if block is not None:
            lines += [FieldReport(".".join(map(str, block.path + path)), Fit.OVERRIDE,
                                  f"container group {'.'.join(map(str, path))} set natively; {checked}")
                      for path in leaves(block.patch)]
    return lines

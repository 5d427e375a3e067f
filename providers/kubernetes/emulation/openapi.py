"""OpenAPI documents for kubectl: ``/openapi/v2`` (Swagger 2.0, JSON) and the ``/openapi/v3`` index with one
OpenAPI 3.0 document per served group version.

The schemas are not written here: they come from the Kubernetes API definitions that the
``kubernetes-validate`` package ships per Kubernetes version (JSON Schema generated from the apiserver's
own OpenAPI, with the ``x-kubernetes-*`` extensions kept). They are turned back into the shapes the
apiserver serves (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-interface-definition):
nullable types become plain types, ``IntOrString`` and ``Quantity`` become strings (``format:
int-or-string``), references point at ``#/definitions`` (v2) or ``#/components/schemas`` (v3, wrapped in
``allOf`` when they carry a description, as upstream does). kubectl reads ``x-kubernetes-patch-strategy``
and ``x-kubernetes-patch-merge-key`` there to compute client-side apply and diff patches, the
``fieldValidation`` parameter to leave validation to the server, and the schemas for ``kubectl explain``.

kubectl asks for v2 in protobuf only (``Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf``);
this emulator serves JSON, so such a request gets a 406 Not Acceptable and kubectl works from v3, which
it prefers anyway (apply, diff and explain all read v3 when the server serves it).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache
from importlib import resources as package_files
from typing import Any

from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.registry import PATCH_TYPES
from cloudorch_providers.kubernetes.emulation.resources import ResourceType

SCHEMA_MINOR = 32  # the Kubernetes minor version the emulator reports in /version
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
_LOCAL_REF = "#/$defs/"
_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "pretty")


@lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    """The JSON Schema definitions for the newest shipped Kubernetes version not newer than the one the
    emulator reports (falling back to the oldest shipped)."""
    root = package_files.files("kubernetes_validate") / "kubernetes-json-schema"
    shipped = []
    for entry in root.iterdir():
        name = entry.name
        if name.startswith("v") and name.endswith(".0-local"):
            try:
                shipped.append((int(name[1:].split(".")[1]), entry))
            except (IndexError, ValueError):
                continue
    if not shipped:
        raise RuntimeError("kubernetes-validate ships no Kubernetes schemas")
    shipped.sort(key=lambda pair: pair[0])
    fitting = [pair for pair in shipped if pair[0] <= SCHEMA_MINOR] or shipped[:1]
    document = json.loads((fitting[-1][1] / "_definitions.json").read_text())
    return document["$defs"]


def _plain_type(kind: Any) -> Any:
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        return real[0] if len(real) == 1 else real
    return kind


def convert(schema: Any, ref_prefix: str, wrap_refs: bool) -> Any:
    """One JSON Schema node as OpenAPI: ``ref_prefix`` is ``#/definitions/`` or ``#/components/schemas/``;
    ``wrap_refs`` puts a reference with siblings into ``allOf`` (OpenAPI 3 ignores siblings of $ref)."""
    if isinstance(schema, list):
        return [convert(item, ref_prefix, wrap_refs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "oneOf" in schema:  # IntOrString and Quantity: strings on the wire for OpenAPI
        kinds = {_plain_type(option.get("type")) for option in schema["oneOf"]}
        out = {k: v for k, v in schema.items() if k != "oneOf"}
        out["type"] = "string"
        if "integer" in kinds:
            out["format"] = "int-or-string"
        return out
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            out[key] = _plain_type(value)
        elif key == "$ref":
            out[key] = ref_prefix + value[len(_LOCAL_REF):] if value.startswith(_LOCAL_REF) else value
        elif key == "properties":
            out[key] = {name: convert(sub, ref_prefix, wrap_refs) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = convert(value, ref_prefix, wrap_refs)
        else:
            out[key] = value
    if wrap_refs and "$ref" in out and len(out) > 1:
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def _references(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL_REF):
            found.add(ref[len(_LOCAL_REF):])
        for value in schema.values():
            _references(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _references(value, found)


def _closure(names: set[str]) -> set[str]:
    defs, seen, todo = definitions(), set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        refs: set[str] = set()
        _references(defs[name], refs)
        todo.extend(refs - seen)
    return seen


def kind_definition(rt: ResourceType) -> str | None:
    """The definition name of a served kind, found by its x-kubernetes-group-version-kind."""
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            if (gvk.get("group", ""), gvk.get("version"), gvk.get("kind")) == (rt.group, rt.version, rt.kind):
                return name
    return None


# -- paths -------------------------------------------------------------------------------------------
def _path_name(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _operation(verb: str, rt: ResourceType, action: str, ref: str | None, v3: bool, list_op: bool = False
               ) -> dict[str, Any]:
    params = [{"name": name, "in": "query", "uniqueItems": True,
               **({"schema": {"type": "string"}} if v3 else {"type": "string"})}
              for name in (_WRITE_PARAMS if verb in ("post", "put", "patch") else ("pretty",))]
    response: dict[str, Any] = {"description": "OK"}
    if ref and not list_op:
        schema = {"$ref": ref}
        response.update({"content": {"application/json": {"schema": schema}}} if v3 else {"schema": schema})
    operation = {"operationId": f"{verb}{rt.kind}{'List' if list_op else ''}", "parameters": params,
                 "x-kubernetes-action": action,
                 "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
                 "responses": {"200": response}}
    if verb in ("post", "put", "patch"):
        # kubectl computes a strategic merge patch from v3 only for kinds whose patch operation takes one
        kinds = PATCH_TYPES if verb == "patch" else ("application/json", "application/yaml")
        body = {"$ref": ref} if ref and verb != "patch" else {"type": "object"}
        if v3:
            operation["requestBody"] = {"content": {kind: {"schema": body} for kind in kinds}, "required": True}
        else:
            operation["consumes"] = list(kinds)
            operation["parameters"] = [*params, {"name": "body", "in": "body", "required": True, "schema": body}]
    return operation


def _paths(served: list[ResourceType], ref_prefix: str, v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rt in served:
        name = kind_definition(rt)
        ref = ref_prefix + name if name else None
        prefix = "/" + _path_name(rt.group, rt.version)
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        paths[f"{prefix}{scope}/{rt.plural}"] = {
            "get": _operation("list", rt, "list", ref, v3, list_op=True),
            **({"post": _operation("post", rt, "post", ref, v3)} if "create" in rt.verbs else {})}
        item = {"get": _operation("get", rt, "get", ref, v3)}
        for verb, action in (("put", "put"), ("patch", "patch"), ("delete", "delete")):
            if {"put": "update"}.get(verb, verb) in rt.verbs:
                item[verb] = _operation(verb, rt, action, ref, v3)
        paths[f"{prefix}{scope}/{rt.plural}/{{name}}"] = item
    return paths


# -- documents -----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def v2_document() -> bytes:
    """The Swagger 2.0 document of every served kind, with every definition its kinds reach."""
    defs = definitions()
    names = _closure({n for rt in r.RESOURCES if (n := kind_definition(rt))})
    document = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": f"v1.{SCHEMA_MINOR}.0"},
                "paths": _paths(list(r.RESOURCES), "#/definitions/", v3=False),
                "definitions": {name: convert(defs[name], "#/definitions/", False) for name in sorted(names)}}
    return json.dumps(document).encode()


@cache
def v3_document(group: str, version: str) -> bytes | None:
    served = [rt for rt in r.RESOURCES if (rt.group, rt.version) == (group, version)]
    if not served:
        return None
    defs = definitions()
    names = _closure({n for rt in served if (n := kind_definition(rt))})
    prefix = "#/components/schemas/"
    document = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": f"v1.{SCHEMA_MINOR}.0"},
                "paths": _paths(served, prefix, v3=True),
                "components": {"schemas": {name: convert(defs[name], prefix, True) for name in sorted(names)}}}
    return json.dumps(document).encode()


def v3_index() -> dict[str, Any]:
    paths = {}
    for group, version in r.group_versions():
        name = _path_name(group, version)
        digest = hashlib.sha512(v3_document(group, version) or b"").hexdigest()[:128].upper()
        paths[name] = {"serverRelativeURL": f"/openapi/v3/{name}?hash={digest}"}
    return {"paths": paths}


def v3_at(path: str) -> bytes | None:
    """The document at /openapi/v3/{path} (``api/v1``, ``apis/apps/v1``, ...)."""
    for group, version in r.group_versions():
        if path.strip("/") == _path_name(group, version):
            return v3_document(group, version)
    return None

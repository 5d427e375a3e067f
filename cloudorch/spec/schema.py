"""The JSON Schema of the app spec: the core models plus each installed provider's settings."""

from __future__ import annotations

from typing import Any

from cloudorch import registry
from cloudorch.errors import CloudorchError
from cloudorch.spec.models import App

SCHEMA_ID = "https://cloudorch.dev/schema/v1.json"


def app_schema() -> dict[str, Any]:
    schema = App.model_json_schema()
    defs = schema.setdefault("$defs", {})
    providers: dict[str, Any] = {}
    for name in registry.names():
        prefix = "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
        try:
            cls = registry.load(name)
        except CloudorchError:  # a broken plugin: `cloudorch providers` says why; the others still count
            continue
        settings = _prefixed(cls.settings_schema(), prefix)
        for key, value in settings.pop("$defs", {}).items():
            defs[key] = value
        defs[f"{prefix}Settings"] = settings
        providers[name] = {"$ref": f"#/$defs/{prefix}Settings"}
    block = schema["properties"]["providers"]
    block.pop("additionalProperties", None)
    block["properties"] = providers
    block["additionalProperties"] = False
    _names_closed(schema)
    for name, node in list(defs.items()):
        defs[name] = _interpolable(node)
    schema["properties"] = {k: v if k == "providers" else _interpolable_value(v)
                            for k, v in schema["properties"].items()}
    defs["Interpolated"] = INTERPOLATED
    schema["properties"]["environments"] = {
        "type": "object",
        "description": "named overlays merged onto the spec when chosen (--env NAME or CLOUDORCH_ENV): "
                       "maps merge, lists replace, null removes a key",
        "additionalProperties": {"type": "object"},
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


#: a value holding a ``${VAR}`` reference: the loader substitutes it before checking the type, so
#: the schema (which sees the file as written) accepts it wherever a scalar goes
INTERPOLATED = {"type": "string", "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}",
                "description": "a ${VAR} reference, substituted before the value is checked"}
_REF = {"$ref": "#/$defs/Interpolated"}


def _names_closed(node: Any) -> None:
    """Map keys with a pattern (service, env, label names) are refused when they do not match:
    the pattern goes into propertyNames and nothing else is allowed."""
    if isinstance(node, dict):
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1 and "properties" not in node:
            (pattern, value), = patterns.items()
            node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
            node["additionalProperties"] = value
            del node["patternProperties"]
        for value in node.values():
            _names_closed(value)
    elif isinstance(node, list):
        for value in node:
            _names_closed(value)


def _interpolable(model: dict) -> dict:
    """A model's schema whose scalar properties also take a ``${VAR}`` reference."""
    if "properties" in model:
        model = {**model, "properties": {k: _interpolable_value(v) for k, v in model["properties"].items()}}
    return model


def _interpolable_value(node: Any) -> Any:
    if not isinstance(node, dict) or "$ref" in node:
        return node
    if "anyOf" in node:
        return {**node, "anyOf": _flatten([_interpolable_value(m) for m in node["anyOf"]])}
    kind = node.get("type")
    if kind == "array":
        return {**node, "items": _interpolable_value(node["items"])} if "items" in node else node
    if kind == "object":
        extra = node.get("additionalProperties")
        return {**node, "additionalProperties": _interpolable_value(extra)} if isinstance(extra, dict) else node
    if kind in ("integer", "number", "boolean") or "const" in node or "enum" in node or (
            kind == "string" and ("pattern" in node or "maxLength" in node or "minLength" in node)):
        keep = {k: node[k] for k in ("default", "title", "description", "examples") if k in node}
        check = {k: v for k, v in node.items() if k not in keep}
        return {**keep, "anyOf": [check, _REF]}
    return node


def _flatten(members: list) -> list:
    out = []
    for m in members:
        if isinstance(m, dict) and set(m) <= {"anyOf"} and "anyOf" in m:
            out += [x for x in m["anyOf"] if x not in out]
        elif m not in out:
            out.append(m)
    return out


def _prefixed(node: Any, prefix: str) -> Any:
    """Give a provider's $defs names its own prefix so two providers never collide."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/$defs/{prefix}{value[len('#/$defs/'):]}"
            elif key == "$defs":
                out[key] = {f"{prefix}{k}": _prefixed(v, prefix) for k, v in value.items()}
            else:
                out[key] = _prefixed(value, prefix)
        return out
    if isinstance(node, list):
        return [_prefixed(v, prefix) for v in node]
    return node

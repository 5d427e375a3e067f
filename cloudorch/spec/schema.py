"""The JSON Schema of the app spec: the core models plus each installed provider's settings."""

from __future__ import annotations

from typing import Any

from cloudorch import registry
from cloudorch.spec.models import App

SCHEMA_ID = "https://cloudorch.dev/schema/v1.json"


def app_schema() -> dict[str, Any]:
    schema = App.model_json_schema()
    defs = schema.setdefault("$defs", {})
    providers: dict[str, Any] = {}
    for name in registry.names():
        prefix = "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
        settings = _prefixed(registry.load(name).settings_schema(), prefix)
        for key, value in settings.pop("$defs", {}).items():
            defs[key] = value
        defs[f"{prefix}Settings"] = settings
        providers[name] = {"$ref": f"#/$defs/{prefix}Settings"}
    block = schema["properties"]["providers"]
    block.pop("additionalProperties", None)
    block["properties"] = providers
    block["additionalProperties"] = False
    schema["properties"]["environments"] = {
        "type": "object",
        "description": "named overlays merged onto the spec when chosen (--env NAME or CLOUDORCH_ENV): "
                       "maps merge, lists replace, null removes a key",
        "additionalProperties": {"type": "object"},
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


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

"""The OpenAPI documents built from the shipped Kubernetes schemas, without a server."""

from __future__ import annotations

import json

from cloudorch_providers.kubernetes.emulation import openapi
from cloudorch_providers.kubernetes.emulation import resources as r


def test_json_schema_nodes_become_openapi():
    node = {"type": ["object", "null"], "properties": {
        "spec": {"$ref": "#/$defs/io.k8s.X", "description": "d"},
        "count": {"type": ["integer", "null"], "format": "int32"},
        "port": {"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]},
        "size": {"oneOf": [{"type": ["string", "null"]}, {"type": ["number", "null"]}]},
        "items": {"type": ["array", "null"], "items": {"$ref": "#/$defs/io.k8s.Y"}}}}
    v2 = openapi.convert(node, "#/definitions/", wrap_refs=False)
    assert v2["type"] == "object"
    assert v2["properties"]["spec"] == {"$ref": "#/definitions/io.k8s.X", "description": "d"}
    assert v2["properties"]["count"] == {"type": "integer", "format": "int32"}
    assert v2["properties"]["port"] == {"type": "string", "format": "int-or-string"}
    assert v2["properties"]["size"] == {"type": "string"}
    v3 = openapi.convert(node, "#/components/schemas/", wrap_refs=True)
    assert v3["properties"]["spec"] == {"allOf": [{"$ref": "#/components/schemas/io.k8s.X"}], "description": "d"}
    assert v3["properties"]["items"]["items"] == {"$ref": "#/components/schemas/io.k8s.Y"}


def test_every_served_kind_has_its_schema_and_every_reference_resolves():
    document = json.loads(openapi.v2_document())
    for rt in r.RESOURCES:
        assert openapi.kind_definition(rt) in document["definitions"], rt.kind
    text = json.dumps(document)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/definitions/')[1:]}:
        assert ref in document["definitions"], ref


def test_v3_index_points_at_each_group_version():
    index = openapi.v3_index()
    for name, entry in index["paths"].items():
        path = entry["serverRelativeURL"].split("?")[0].removeprefix("/openapi/v3/")
        assert path == name and openapi.v3_at(name) is not None

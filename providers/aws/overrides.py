"""``providers.aws.overrides.SERVICE.{task_definition,service}``: native ECS fields merged onto the
service's rendered ``RegisterTaskDefinition`` / ``CreateService`` kwargs, after translation.

The merge is the strategic merge of :mod:`cloudorch.overrides`: ``containerDefinitions`` merge on
``name`` (the service's own container is named after the service), and inside a container
``environment``, ``secrets``, ``mountPoints``-free lists of named items (``environment``,
``secrets``, ``ulimits``, ``systemControls`` by ``namespace``) merge on their key; ``portMappings``
merge on ``containerPort``, ``volumes`` on ``name``, ``tags`` on ``key``; other lists replace.
``null`` removes a field.

Checked (``file:line`` of the offending override value): the merged kwargs against botocore's
model of the ECS API (its ``ParamValidator``: unknown fields, wrong types, missing required
fields), imported only when an override exists; the family, service name, cluster and the
ownership tags stay cloudorch's; an ``environment`` value written in clear for a variable the spec
reads from a secret (or that looks like a password) is refused (``secrets`` with ``valueFrom``
references are the way).
"""

from __future__ import annotations

import re
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
)
from cloudorch.overrides import unchecked as _unchecked
from cloudorch.provider import Document, FieldReport, Fit

#: block -> (document kind, ECS operation whose input the document is)
KINDS = {"task_definition": ("TaskDefinition", "RegisterTaskDefinition"),
         "service": ("Service", "CreateService")}
#: names cloudorch gives; an override may not change them
OWNED = {"TaskDefinition": ("family",), "Service": ("serviceName", "cluster", "taskDefinition")}
_KEYS = {("containerDefinitions",): "name", ("volumes",): "name", ("tags",): "key",
         ("containerDefinitions", "environment"): "name", ("containerDefinitions", "secrets"): "name",
         ("containerDefinitions", "portMappings"): "containerPort",
         ("containerDefinitions", "ulimits"): "name", ("containerDefinitions", "systemControls"): "namespace",
         ("containerDefinitions", "dependsOn"): "containerName"}


def list_key(path: tuple[str, ...]) -> str | None:
    return _KEYS.get(path)


def blocks(settings: Any) -> list[Block]:
    return [Block("aws", service, name, getattr(override, name))
            for service, override in settings.overrides.items() for name in KINDS
            if getattr(override, name) is not None]


def apply(docs: list[Document], settings: Any) -> list[Document]:
    """The documents with every override merged in (pure; run :func:`issues` first)."""
    wanted = {(b.service, KINDS[b.name][0]): b for b in blocks(settings)}
    for doc in docs:
        block = wanted.get((doc.service, doc.kind))
        if block is not None:
            doc.body = strategic_merge(doc.body, block.patch, list_key).body
    return docs


def issues(spec: Any, settings: Any, docs: list[Document]) -> list[SpecIssue]:
    """Problems of the override blocks, given the documents rendered without them."""
    found: list[SpecIssue] = []
    rendered = {(d.service, d.kind): d for d in docs}
    for block in blocks(settings):
        if block.service not in spec.app.services:
            found.append(spec.issue(block.path[:-1], f"no service {block.service!r} in the spec", key=True))
            continue
        kind, operation = KINDS[block.name]
        doc = rendered[(block.service, kind)]
        merged = strategic_merge(doc.body, block.patch, list_key)
        problems = _guards(spec, block, doc, merged)
        found += problems or _schema(spec, block, merged, operation)
    return found


def _guards(spec: Any, block: Block, doc: Document, merged: Merged) -> list[SpecIssue]:
    found = []
    for key in OWNED[doc.kind]:
        if merged.body.get(key) != doc.body.get(key):
            found.append(issue_at(spec, block, merged.source((key,)),
                                  f"refused: {key} is cloudorch's (it names what the app owns)"))
    want = {t["key"]: t["value"] for t in doc.body.get("tags", [])}
    have = {t.get("key"): t.get("value") for t in merged.body.get("tags", []) if isinstance(t, dict)}
    markers = {k: v for k, v in want.items() if k in ("cloudorch-app", "managed-by")}
    found += markers_kept(merged, markers, have, block, spec, ("tags",))
    entries = []
    for i, container in enumerate(merged.body.get("containerDefinitions") or []):
        for j, item in enumerate(container.get("environment") or [] if isinstance(container, dict) else []):
            if isinstance(item, dict) and "name" in item:
                entries.append((("containerDefinitions", i, "environment", j, "value"), str(item["name"])))
    secret_vars = set(spec.app.services[block.service].secrets)
    found += env_in_clear(merged, entries, secret_vars, block, spec)
    return found


def checker() -> Any | None:
    """botocore's ECS service model, or None when botocore is not installed."""
    try:
        import botocore.session
    except ImportError:
        return None
    return botocore.session.get_session().get_service_model("ecs")


def _schema(spec: Any, block: Block, merged: Merged, operation: str) -> list[SpecIssue]:
    model = checker()
    if model is None:
        _unchecked("providers.aws", "botocore is not installed (pip install 'cloudorch[aws]')")
        return []
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(merged.body, model.operation_model(operation).input_shape)
    found = []
    for kind, name, details in report._errors:  # botocore keeps the structured errors here
        path = _path(name)
        if kind == "unknown field":
            path = path + (details["unknown_param"],)
            close = _close(details["unknown_param"], details.get("valid_names", []))
            message = f"unknown field {details['unknown_param']!r} in ECS {operation}{close}"
        elif kind == "invalid type":
            message = (f"{details['param']!r} has the wrong type for ECS {operation} "
                       f"(expected {', '.join(t.split(chr(39))[1] for t in details['valid_types'])})")
        elif kind == "missing required field":
            path = path + (details["required_name"],)
            message = f"ECS {operation} requires {details['required_name']!r} here"
        else:
            message = f"{kind} for ECS {operation}: {details}"
        source = merged.source(path)
        found.append(issue_at(spec, block, source, f"{message} ({'.'.join(map(str, path))})",
                              key=kind == "unknown field" and source is not None))
    return found


def _path(name: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", name):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(parts)


def _close(word: str, choices: list[str]) -> str:
    import difflib

    match = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def field_reports(settings: Any) -> list[FieldReport]:
    model = checker()
    checked = ("checked against botocore's ECS model" if model is not None else
               "NOT checked: botocore is not installed (pip install 'cloudorch[aws]')")
    return [FieldReport(".".join(map(str, block.path + path)), Fit.OVERRIDE,
                        f"ECS {KINDS[block.name][1]} {'.'.join(map(str, path))} set natively; {checked}")
            for block in blocks(settings) for path in leaves(block.patch)]

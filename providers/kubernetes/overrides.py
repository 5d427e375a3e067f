"""``providers.kubernetes.overrides.SERVICE.{deployment,service}``: partial manifests merged onto
the rendered Deployment / Service of a service (``providers.gcp.overrides`` likewise on GKE).

The merge is a strategic merge patch, as ``kubectl patch`` applies by default, not a JSON merge
patch: with a JSON merge patch, adding one field to the service's container would have to repeat
the whole ``containers`` list. Lists merge on the keys the Kubernetes API declares for them
(``x-kubernetes-patch-merge-key``): containers, init containers, volumes, env and image pull secrets
on ``name``, container ports on ``containerPort``, volume mounts on ``mountPath``, Service ports on
``port``. ``null`` removes a field; ``$patch: delete`` in a list item removes that item.

Checked (with ``file:line`` of the offending override value): the merged manifest against the
Kubernetes OpenAPI schema (kubernetes-validate, strict: an unknown field is an error), imported only
when an override exists; the ownership labels, the name and the namespace stay cloudorch's; an env
value written in clear for a variable the spec reads from a secret (or that looks like a password)
is refused.
"""

from __future__ import annotations

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
from cloudorch.provider import Document, FieldReport, Fit

KINDS = {"deployment": "Deployment", "service": "Service"}
_NAME_KEYED = {"containers", "initContainers", "volumes", "env", "imagePullSecrets", "envFrom"}


def list_key(kind: str):
    def key(path: tuple[str, ...]) -> str | None:
        if not path:
            return None
        last = path[-1]
        if kind == "Service" and path == ("spec", "ports"):
            return "port"
        if last == "ports" and len(path) > 1 and path[-2] in ("containers", "initContainers"):
            return "containerPort"
        if last == "volumeMounts":
            return "mountPath"
        return "name" if last in _NAME_KEYED else None
    return key


def blocks(provider: str, settings: Any) -> list[Block]:
    found = []
    for service, override in settings.overrides.items():
        for name in KINDS:
            patch = getattr(override, name)
            if patch is not None:
                found.append(Block(provider, service, name, patch))
    return found


def apply(docs: list[Document], provider: str, settings: Any) -> list[Document]:
    """The documents with every override merged in (pure; run the checks first)."""
    wanted = {(b.service, KINDS[b.name]): b for b in blocks(provider, settings)}
    for doc in docs:
        block = wanted.get((doc.service, doc.kind))
        if block is not None:
            doc.body = strategic_merge(doc.body, block.patch, list_key(doc.kind)).body
    return docs


def issues(spec: Any, provider: str, settings: Any, docs: list[Document]) -> list[SpecIssue]:
    """Problems of the override blocks, given the documents rendered without them."""
    found: list[SpecIssue] = []
    rendered = {(d.service, d.kind): d for d in docs}
    for block in blocks(provider, settings):
        if block.service not in spec.app.services:
            found.append(spec.issue(block.path[:-1], f"no service {block.service!r} in the spec", key=True))
            continue
        doc = rendered.get((block.service, KINDS[block.name]))
        if doc is None:
            found.append(issue_at(spec, block, None, f"service {block.service!r} has no ports, so there is no "
                                                     f"Kubernetes Service to override"))
            continue
        merged = strategic_merge(doc.body, block.patch, list_key(doc.kind))
        found += _guards(spec, block, doc, merged)
        if not found:
            found += _schema(spec, block, merged)
    return found


def _guards(spec: Any, block: Block, doc: Document, merged: Merged) -> list[SpecIssue]:
    found = []
    for key in ("name", "namespace"):
        if merged.body.get("metadata", {}).get(key) != doc.body["metadata"].get(key):
            found.append(issue_at(spec, block, merged.source(("metadata", key)),
                                  f"refused: metadata.{key} is cloudorch's (it names what the app owns)"))
    for where in (("metadata", "labels"), ("spec", "template", "metadata", "labels")):
        want = _get(doc.body, where)
        if want is not None:
            found += markers_kept(merged, want, _get(merged.body, where) or {}, block, spec, where)
    if doc.kind == "Deployment" and _get(merged.body, ("spec", "selector")) != _get(doc.body, ("spec", "selector")):
        found.append(issue_at(spec, block, merged.source(("spec", "selector")),
                              "refused: spec.selector is cloudorch's (it finds the app's pods by it)"))
    entries = [(path[:-1], value) for path, value in walk(merged.body)
               if len(path) > 3 and path[-1] == "name" and path[-3] == "env"
               and isinstance(_get(merged.body, path[:-1]), dict) and "value" in _get(merged.body, path[:-1])]
    secret_vars = set(spec.app.services[block.service].secrets)
    found += env_in_clear(merged, [((*p, "value"), n) for p, n in entries], secret_vars, block, spec)
    return found


def _get(body: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and isinstance(part, int) and part < len(body):
            body = body[part]
        else:
            return None
    return body


def checker() -> tuple[Any, str] | None:
    try:
        import kubernetes_validate
    except ImportError:
        return None
    return kubernetes_validate, kubernetes_validate.latest_version()


def _schema(spec: Any, block: Block, merged: Merged) -> list[SpecIssue]:
    found = checker()
    if found is None:
        _unchecked(f"providers.{block.provider}",
                   "kubernetes-validate is not installed (pip install kubernetes-validate)")
        return []
    kv, version = found
    try:
        kv.validate(merged.body, version, strict=True)
    except kv.ValidationError as exc:
        path = tuple(exc.path)
        message = exc.message
        if exc.validator == "additionalProperties":
            import re

            extra = re.findall(r"'([^']+)' was unexpected", message) or re.findall(r"'([^']+)'", message)
            if extra:
                path = path + (extra[0],)
                message = f"unknown field {extra[0]!r} in a Kubernetes {merged.body['kind']}"
        source = merged.source(path)
        return [issue_at(spec, block, source, f"{message} (Kubernetes {version} schema, "
                                              f"{'.'.join(map(str, path)) or 'the manifest'})",
                         key=source is not None and exc.validator == "additionalProperties")]
    except (kv.SchemaNotFoundError, kv.InvalidSchemaError) as exc:
        return [issue_at(spec, block, None, f"cannot check against the Kubernetes schema: {exc}")]
    return []


def field_reports(provider: str, settings: Any) -> list[FieldReport]:
    """``validate -p``: one line per overridden native field (a list counts as one field)."""
    found = checker()
    checked = (f"checked against the Kubernetes {found[1]} schema" if found else
               "NOT checked: kubernetes-validate is not installed (pip install kubernetes-validate)")
    return [FieldReport(".".join(map(str, block.path + path)), Fit.OVERRIDE,
                        f"{KINDS[block.name]} {'.'.join(map(str, path))} set natively; {checked}")
            for block in blocks(provider, settings) for path in leaves(block.patch)]

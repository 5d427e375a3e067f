"""Label selectors (``a=b,c!=d,e in (f,g),h,!i``), LabelSelector objects and field selectors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cloudorch_providers.kubernetes.emulation.errors import bad_request

Matcher = Callable[[dict[str, Any]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def parse_labels(selector: str | None) -> Callable[[dict[str, str]], bool]:
    """A predicate over a label map for a label selector string (empty selects everything)."""
    requirements: list[Callable[[dict[str, str]], bool]] = []
    for part in _split(selector or ""):
        eq = _EQ_RE.match(part)
        if eq:
            key, op, value = eq.groups()
            if op == "!=":
                requirements.append(lambda labels, k=key, v=value: labels.get(k) != v)
            else:
                requirements.append(lambda labels, k=key, v=value: labels.get(k) == v)
            continue
        st = _SET_RE.match(part)
        if not st:
            raise bad_request(f"unable to parse requirement: {part.strip()!r}: invalid label selector")
        negate, key, op, values = st.groups()
        if op:
            if negate:
                raise bad_request(f"unable to parse requirement: {part.strip()!r}")
            options = {v.strip() for v in values.split(",") if v.strip()}
            if op == "in":
                requirements.append(lambda labels, k=key, o=options: labels.get(k) in o)
            else:
                requirements.append(lambda labels, k=key, o=options: labels.get(k) not in o)
        elif negate:
            requirements.append(lambda labels, k=key: k not in labels)
        else:
            requirements.append(lambda labels, k=key: k in labels)
    return lambda labels: all(r(labels or {}) for r in requirements)


def selector_to_string(selector: dict[str, Any] | None) -> str:
    """A LabelSelector object ({matchLabels, matchExpressions}) as a selector string."""
    selector = selector or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str] | None) -> bool:
    """Whether a LabelSelector object selects ``labels`` (an empty selector selects everything)."""
    return parse_labels(selector_to_string(selector))(labels or {})


#: fields each kind can be selected on, besides metadata.name and metadata.namespace
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "pods": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "status.phase", "status.podIP", "status.nominatedNodeName"),
    "events": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
               "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
               "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "secrets": ("type",),
    "namespaces": ("status.phase",),
    "replicasets": ("status.replicas",),
}
_FIELD_ALIASES = {"source": "source.component"}


def _field_value(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for part in _FIELD_ALIASES.get(path, path).split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def parse_fields(selector: str | None, plural: str) -> Matcher:
    """A predicate over objects for a field selector; unsupported fields are a 400, as upstream."""
    allowed = ("metadata.name", "metadata.namespace") + FIELD_LABELS.get(plural, ())
    requirements: list[Matcher] = []
    for part in _split(selector or ""):
        match = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise bad_request(f"invalid field selector: {part.strip()!r}")
        field, op, value = match.groups()
        if field not in allowed:
            raise bad_request(f'field label not supported: {field}')
        if op == "!=":
            requirements.append(lambda o, f=field, v=value: _field_value(o, f) != v)
        else:
            requirements.append(lambda o, f=field, v=value: _field_value(o, f) == v)
    return lambda obj: all(r(obj) for r in requirements)

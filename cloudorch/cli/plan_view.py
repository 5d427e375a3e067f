"""How a plan is shown: the table of changes, then each changed resource's fields with their live
and desired values (``image: nginx:1.27.1 -> nginx:1.27.2``); nested values (lists, mappings) as a
unified diff of their YAML. Secrets are masked already (:mod:`cloudorch.secretmask`). Used by
``plan``, ``deploy --diff`` / ``--confirm`` and ``history``."""

from __future__ import annotations

import difflib
import json
from typing import Any

SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
STYLE = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}


def scalar(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return json.dumps(value) if (value == "" or value != value.strip() or "\n" in value) else value
    return json.dumps(value)


def _yaml(value: Any) -> list[str]:
    import yaml

    if value is None:
        return []
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=100).splitlines()


def value_lines(path: str, live: Any, desired: Any) -> list[str]:
    """One field's change: ``path: live -> desired``, or ``path:`` and a unified diff for nested values."""
    nested = isinstance(live, dict | list) or isinstance(desired, dict | list)
    if not nested:
        changed = " (changed)" if live == desired else ""  # masked on both sides
        return [f"{path}: {scalar(live)} -> {scalar(desired)}{changed}"]
    lines = [f"{path}:"]
    for line in difflib.unified_diff(_yaml(live), _yaml(desired), "live", "desired", lineterm="", n=2):
        lines.append(f"  {line}")
    if len(lines) == 1:  # the same once masked: only a secret value in it changed
        lines[0] = f"{path}: a secret value changed"
    return lines


def change_lines(change) -> list[str]:
    """The detail lines of one change (empty for creates and deletes: the whole resource)."""
    lines: list[str] = []
    for entry in change.diff:
        lines += value_lines(entry.path, entry.live, entry.desired)
    if not lines and str(change.action) in ("update", "replace"):
        lines = [f"{name}: changed" for name in change.fields]  # compared without values to show
    return lines


def print_changes(plan, wide: bool = False, stderr: bool = False) -> None:
    """The summary table, then each update's field values."""
    import click

    from cloudorch.cli.render_table import cell, console, table

    t = table(f"{plan.app} on {plan.provider}: {len(plan.pending)} changes",
              ["action", "kind", "name", "service", ("fields", {"no_wrap": wide})], wide)
    for c in plan.pending:
        detail = "; ".join(filter(None, [", ".join(c.fields), c.reason]))
        t.add_row(cell(c.action, STYLE.get(str(c.action), "")), cell(c.kind), cell(c.name),
                  cell(c.service or ""), cell(detail))
    console(wide=wide, stderr=stderr).print(t)
    for c in plan.pending:
        lines = change_lines(c)
        if not lines:
            continue
        click.echo(f"{SYMBOL.get(str(c.action), '~')} {c.kind} {c.name}"
                   + (f" (service {c.service})" if c.service else ""), err=stderr)
        for line in lines:
            click.echo(f"    {line}", err=stderr)


def plan_document(plan) -> dict[str, Any]:
    """``-o json``: ``{"changes": [{action, kind, name, service, fields, reason, diff: [{path, live,
    desired}]}]}``, every key always present (``diff`` is empty for creates and deletes)."""
    return {"changes": [c.to_dict() for c in plan.pending]}

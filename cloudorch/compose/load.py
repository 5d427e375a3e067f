"""Reading compose files as ``docker compose -f A -f B`` does: ``.env`` from the project folder,
variable substitution, YAML anchors and merge keys, then the Compose Specification's merge rules.

Merge rules (Compose Specification, "Merge"): mappings merge key by key; sequences append, except
``command``, ``entrypoint`` and ``healthcheck.test``, which the later file replaces; ``ports``,
``volumes``, ``secrets`` and ``configs`` entries sharing a unique key (ports: host ip, target,
published port and protocol; the others: target) are replaced rather than appended; elements that
have a short and a long form (``environment`` and ``labels`` as lists, ``depends_on`` as a list,
``build`` as a string) merge in their long form. ``!reset`` removes a value, ``!override``
replaces it whole.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudorch.compose.interpolate import InterpolationError, Interpolator, parse_dotenv
from cloudorch.compose.ports import port_key, volume_target
from cloudorch.errors import SpecError, SpecIssue
from cloudorch.spec.yamlsafe import Located, YamlProblem, read_yaml

TAGS = frozenset({"!reset", "!override"})
REPLACED = {"command", "entrypoint"}
UNIQUE = {"ports": port_key, "volumes": volume_target, "secrets": volume_target, "configs": volume_target}


@dataclass
class Project:
    """The merged compose model and where its keys were written."""

    data: dict[str, Any]
    folder: Path
    env: dict[str, str]
    files: list[str]
    #: (section, name, key...) -> "file:line" of the last file that wrote it
    where: dict[tuple, str] = field(default_factory=dict)
    #: variables used but unset (substituted by empty strings, as compose does)
    unset: list[str] = field(default_factory=list)

    def at(self, *path: str | int) -> str:
        path = tuple(path)
        while path and path not in self.where:
            path = path[:-1]
        return self.where.get(path, self.files[0])


def load_project(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> Project:
    environ = os.environ if environ is None else environ
    folder = Path(paths[0]).resolve().parent
    env = dict(_dotenv(folder / ".env", environ))
    env.update(environ)  # the shell's environment wins over .env
    interpolate = Interpolator(env)
    project = Project({}, folder, env, [str(p) for p in paths])
    for path in paths:
        located = _read(str(path), interpolate)
        _record(project, located, str(path))
        project.data = merge(project.data, normalize(located.data), located.tags, ())
    project.unset = list(interpolate.missing)
    return project


def _dotenv(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        return parse_dotenv(path.read_text(), Interpolator(environ))
    except InterpolationError as exc:
        raise SpecError([SpecIssue(str(path), 0, 0, "", str(exc))]) from None


def _read(name: str, interpolate: Interpolator) -> Located:
    try:
        text = Path(name).read_text()
    except FileNotFoundError:
        raise SpecError([SpecIssue(name, 0, 0, "", "no such compose file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([SpecIssue(name, 0, 0, "", f"cannot read: {exc}")]) from None
    try:
        located = read_yaml(text, interpolate, tags=TAGS, merge_keys=True)
    except YamlProblem as exc:
        raise SpecError([SpecIssue(name, exc.line, exc.col, ".".join(map(str, exc.path)), exc.message)]) from None
    if not isinstance(located.data, dict):
        raise SpecError([SpecIssue(name, 1, 1, "", "a compose file is a mapping (services: ...)")])
    services = located.data.get("services")
    if services is not None and not isinstance(services, dict):
        line, col = located.locate(("services",))
        raise SpecError([SpecIssue(name, line, col, "services", "must map service names to services")])
    for svc, body in (services or {}).items():
        if body is not None and not isinstance(body, dict):
            line, col = located.locate(("services", svc))
            raise SpecError([SpecIssue(name, line, col, f"services.{svc}", "a service is a mapping")])
    return located


def _record(project: Project, located: Located, name: str) -> None:
    for path, (line, _) in located.keys.items():
        if len(path) <= 4:
            project.where[tuple(path)] = f"{name}:{line}"


def normalize(data: Any) -> Any:
    """A compose file with short forms expanded (those that merge in their long form)."""
    data = copy.deepcopy(data)
    for body in (data.get("services") or {}).values():
        if not isinstance(body, dict):
            continue
        for key in ("environment", "labels", "annotations", "extra_hosts", "sysctls"):
            if isinstance(body.get(key), list):
                body[key] = _list_to_map(body[key])
        if isinstance(body.get("networks"), list):
            body["networks"] = {str(n): None for n in body["networks"]}
        if isinstance(body.get("depends_on"), list):
            body["depends_on"] = {str(d): {"condition": "service_started"} for d in body["depends_on"]}
        if isinstance(body.get("build"), str):
            body["build"] = {"context": body["build"]}
    return data


def _list_to_map(items: list) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items:
        text = str(item)
        key, sep, value = text.partition("=")
        result[key] = value if sep else None
    return result


def merge(old: Any, new: Any, tags: dict, path: tuple) -> Any:
    tag = tags.get(path)
    if tag == "!reset":
        return _RESET
    if tag == "!override" or old is None:
        return _strip(new, tags, path)
    if isinstance(old, dict) and isinstance(new, dict):
        result = dict(old)
        for key, value in new.items():
            merged = merge(result.get(key), value, tags, path + (key,))
            if merged is _RESET:
                result.pop(key, None)
            else:
                result[key] = merged
        return result
    if isinstance(old, list) and isinstance(new, list):
        key = path[-1] if len(path) == 3 and path[0] == "services" else None
        if key in REPLACED or path[-2:] == ("healthcheck", "test"):
            return list(new)
        if key in UNIQUE:
            unique = UNIQUE[key]
            result = list(old)
            for item in new:
                found = next((i for i, o in enumerate(result) if unique(o) == unique(item)), None)
                if found is None:
                    result.append(item)
                else:
                    result[found] = item
            return result
        return old + [v for v in new]
    return _strip(new, tags, path)


_RESET = object()


def _strip(value: Any, tags: dict, path: tuple) -> Any:
    """``value`` with the ``!reset`` entries beneath it removed."""
    if isinstance(value, dict):
        return {k: _strip(v, tags, path + (k,)) for k, v in value.items() if tags.get(path + (k,)) != "!reset"}
    return value

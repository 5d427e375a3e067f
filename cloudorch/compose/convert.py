"""A merged compose project -> a cloudorch spec (a plain dict, written as YAML) and its report."""

from __future__ import annotations

import re
from typing import Any

from cloudorch.compose.convert_service import Context, ServiceConverter
from cloudorch.compose.load import Project
from cloudorch.compose.report import Outcome, Report

C, X, D = Outcome.CARRIED, Outcome.CHANGED, Outcome.DROPPED
TOP_LEVEL_NOTES = {
    "version": (C, "obsolete in the Compose Specification; cloudorch specs are version 1"),
    "networks": (X, "not carried: every service of the app shares one network and reaches the others by name"),
    "configs": (D, "bake the files into the image, or pass them as env/secrets"),
    "include": (D, "list the included files with -f instead"),
}


def dns_label(text: str, limit: int) -> str:
    """``text`` as a DNS label: lowercase letters, digits and '-', starting with a letter."""
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower())
    label = re.sub(r"^[^a-z]+", "", label)[:limit].strip("-")
    return label or "app"


def convert(project: Project, name: str | None = None, profiles: tuple[str, ...] = ()) -> tuple[dict, Report]:
    data = project.data
    report = Report()
    app = name or dns_label(str(data.get("name") or project.folder.name), 40)
    report.app = app
    if name is None:
        source = "the name: key" if data.get("name") else f"the folder {project.folder.name!r}"
        report.add(None, "name", C, f"app name {app!r} (from {source}, as compose names the project)")
    for var in project.unset:
        report.add(None, f"${{{var}}}", X, "unset (not in the environment or .env): compose substitutes an "
                                          "empty string, and so did the import")
    services = data.get("services") or {}
    chosen = {}
    for svc, body in services.items():
        body = body or {}
        wanted = body.get("profiles") or []
        if wanted and not set(map(str, wanted)) & set(profiles):
            report.add(svc, "profiles", D, f"only in profile {', '.join(map(str, wanted))}: not started by "
                                           f"default, so not imported (pass --profile to include it)",
                       project.at("services", svc, "profiles"))
            continue
        chosen[svc] = body
    names = _service_names(chosen, report, project)
    ctx = Context(project, report, app, names, volumes=set(data.get("volumes") or {}),
                  secrets=dict(data.get("secrets") or {}))
    converters = {svc: ServiceConverter(ctx, svc, body) for svc, body in chosen.items()}
    out_services = {names[svc]: c.convert() for svc, c in converters.items()}
    spec: dict[str, Any] = {"version": 1, "name": app}
    if ctx.labels:
        spec["labels"] = ctx.labels
    spec["services"] = out_services
    _shared_public_ports(converters, report, project)
    _top_level(data, report, project)
    _secrets(ctx, report)
    return _escape(spec), report


def _service_names(services: dict, report: Report, project: Project) -> dict[str, str]:
    names: dict[str, str] = {}
    for svc in services:
        name = dns_label(svc, 30)
        base, n = name, 2
        while name in names.values():
            name = f"{base[:27]}-{n}"
            n += 1
        names[svc] = name
        if name != svc:
            report.renamed[svc] = name
            report.add(svc, "(name)", X, f"service {name!r}: cloudorch service names are DNS labels (a-z, 0-9, "
                                         f"-, at most 30); other services now reach it as {name!r}",
                       project.at("services", svc))
    return names


def _shared_public_ports(converters: dict[str, ServiceConverter], report: Report, project: Project) -> None:
    """Two services making the same port number public (compose gave them random host ports): on
    Swarm, AWS's Network Load Balancer and Azure's private network a number serves one service."""
    public: dict[tuple[int, str], list[ServiceConverter]] = {}
    for c in converters.values():
        for entry in c.ports:
            if entry.get("public"):
                number = entry.get("published", entry["port"])
                public.setdefault((number, entry.get("protocol", "tcp")), []).append(c)
    for (number, protocol), users in public.items():
        if len(users) < 2:
            continue
        others = ", ".join(c.name for c in users)
        for c in users:
            report.add(c.compose_name, "ports", Outcome.CHANGED,
                       f"public port {number}/{protocol} is public on {others}: Swarm, AWS's Network Load "
                       f"Balancer and Azure's private network serve a port number for one service (Kubernetes "
                       f"gives each service its own address): give each its own number with published:",
                       project.at("services", c.compose_name, "ports"))


def _top_level(data: dict, report: Report, project: Project) -> None:
    for key in data:
        if key in ("services", "name", "secrets"):
            continue
        where = project.at(key)
        if key.startswith("x-"):
            report.add(None, key, C, "extension field: its anchors were expanded where used", where)
        elif key == "volumes":
            for volume, body in (data[key] or {}).items():
                external = isinstance(body, dict) and body.get("external")
                note = ("an external volume: its data stays where it is; cloudorch cannot mount it"
                        if external else "named volumes become scratch volumes: their data is not kept "
                                         "(see each service's volumes)")
                report.add(None, f"volumes.{volume}", X if not external else D, note, project.at(key, volume))
        elif key in TOP_LEVEL_NOTES:
            outcome, note = TOP_LEVEL_NOTES[key]
            report.add(None, key, outcome, note, where)
        else:
            report.add(None, key, D, "no cloudorch equivalent", where)


def _secrets(ctx: Context, report: Report) -> None:
    for name, body in ctx.secrets.items():
        body = body or {}
        where = ctx.project.at("secrets", name)
        secret = re.sub(r"[^A-Za-z0-9_.-]", "-", name).strip("-.") or "secret"
        if "file" in body:
            how = f"cloudorch secrets set {secret} --from-file {body['file']}"
        elif "environment" in body:
            how = f"cloudorch secrets set {secret} (the value of ${body['environment']})"
        else:
            how = f"cloudorch secrets set {secret}, or point providers.<p>.secrets.{secret} at the existing one"
        report.add(None, f"secrets.{name}", X, f"secret {secret}: the value is not copied into the spec; "
                                               f"store it before deploying: {how}", where)


def _escape(value: Any) -> Any:
    """Values with a literal ``$`` written so that cloudorch's own ``${...}`` reading keeps them."""
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, str) and "$" in value and not re.fullmatch(r"\$\{[A-Z0-9_]+_IMAGE:-[^}]+\}", value):
        return value.replace("$", "$$")
    return value

"""One compose service -> one cloudorch service, reporting every key it meets."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from cloudorch.compose.convert_runtime import RuntimeKeys
from cloudorch.compose.convert_storage import StorageKeys
from cloudorch.compose.interpolate import InterpolationError, Interpolator, parse_dotenv
from cloudorch.compose.load import Project
from cloudorch.compose.ports import (
    LOOPBACK,
    parse_port,
    port_range,
)
from cloudorch.compose.report import Outcome, Report
from cloudorch.spec.models import ENV_NAME, IMAGE

C, X, D = Outcome.CARRIED, Outcome.CHANGED, Outcome.DROPPED
SECRET_LIKE = re.compile(r"PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
MAX_RANGE = 16
#: keys with no cloudorch equivalent, and what to do instead
NO_EQUIVALENT = {
    "container_name": "cloudorch names containers {app}-{service}; other services reach it by service name",
    "hostname": "services are reached by their service name",
    "working_dir": "set WORKDIR in the image",
    "logging": "logs go to the provider's log service (cloudorch logs)",
    "stop_grace_period": "the provider's default stop timeout applies",
    "stop_signal": "set STOPSIGNAL in the image",
    "privileged": "privileged containers are not offered",
    "cap_add": "adding capabilities is not offered (only dropping them all: security.drop_capabilities)",
    "extra_hosts": "use service names or DNS",
    "dns": "the provider's DNS is used",
    "ulimits": "not offered",
    "sysctls": "not offered",
    "devices": "not offered",
    "tty": "not offered",
    "stdin_open": "not offered",
    "init": "add an init (e.g. tini) to the image",
    "pid": "not offered",
    "ipc": "not offered",
    "platform": "build the image for the provider's platform (linux/amd64 on most)",
    "pull_policy": "images are pulled by the provider",
    "configs": "bake the files into the image, or pass them as env/secrets",
    "links": "services reach each other by name without links",
    "external_links": "not offered",
    "security_opt": "not offered",
    "shm_size": "not offered",
    "network_mode": "services share the app's network",
    "develop": "a development-time setting",
    "attach": "a development-time setting",
    "annotations": "not offered",
    "domainname": "not offered",
    "mac_address": "not offered",
    "oom_score_adj": "not offered",
    "group_add": "not offered",
    "userns_mode": "not offered",
    "cgroup_parent": "not offered",
    "runtime": "not offered",
    "extends": "write the extended service out",
}


@dataclass
class Context:
    project: Project
    report: Report
    app: str
    names: dict[str, str]  # compose service -> cloudorch service
    volumes: set[str] = field(default_factory=set)  # top-level named volumes
    secrets: dict[str, Any] = field(default_factory=dict)  # top-level secrets
    labels: dict[str, str] = field(default_factory=dict)  # app labels gathered from services


class ServiceConverter(RuntimeKeys, StorageKeys):
    def __init__(self, ctx: Context, compose_name: str, body: dict[str, Any]):
        self.ctx, self.compose_name, self.body = ctx, compose_name, body
        self.name = ctx.names[compose_name]
        self.out: dict[str, Any] = {}
        self.env: dict[str, str] = {}
        self.secret_env: dict[str, str] = {}
        self.ports: list[dict[str, Any]] = []
        self.bind_targets: list[str] = []  # container paths of dropped bind mounts

    def add(self, key: str, outcome: Outcome, note: str) -> None:
        top = key.split("[")[0].split(".")[0]
        self.ctx.report.add(self.compose_name, key, outcome, note,
                            self.ctx.project.at("services", self.compose_name, top))

    def convert(self) -> dict[str, Any]:
        handled = {"image", "build", "profiles"}
        self.image()
        for key, method in (("command", self.command), ("entrypoint", self.entrypoint),
                            ("env_file", self.env_file), ("environment", self.environment),
                            ("ports", self.ports_), ("expose", self.expose), ("depends_on", self.depends_on),
                            ("healthcheck", self.healthcheck), ("deploy", self.deploy), ("scale", self.scale),
                            ("mem_limit", self.mem_limit), ("mem_reservation", self.mem_limit),
                            ("cpus", self.cpus), ("secrets", self.secrets), ("volumes", self.volumes),
                            ("tmpfs", self.tmpfs), ("labels", self.labels), ("restart", self.restart),
                            ("user", self.user), ("read_only", self.read_only), ("cap_drop", self.cap_drop),
                            ("networks", self.networks)):
            handled.add(key)
            if key in self.body and self.body[key] is not None:
                method(self.body[key])
        for key in self.body:
            if key in handled or key.startswith("x-"):
                continue
            self.add(key, D, NO_EQUIVALENT.get(key, "no cloudorch equivalent"))
        self._uses_dropped_files()
        if self.env:
            self.out["env"] = self.env
        if self.secret_env:
            self.out["secrets"] = self.secret_env
        if self.ports:
            self.out["ports"] = self.ports
        return self.out

    def _uses_dropped_files(self) -> None:
        """A health check or command that runs a file from a dropped bind mount will fail."""
        for key, words in (("healthcheck", (self.out.get("health") or {}).get("command")),
                           ("command", self.out.get("args")), ("entrypoint", self.out.get("command"))):
            for target in self.bind_targets:
                used = [w for w in words or [] if target in w and (w == target or target + "/" in w)]
                if used:
                    self.add(key, X, f"runs {used[0]!r}, which came from the bind mount at {target}: bake it "
                                     f"into the image, or this will fail in the cloud")
                    break

    # -- image and process -------------------------------------------------------------------
    def image(self) -> None:
        image, build = self.body.get("image"), self.body.get("build")
        if image and IMAGE.match(str(image)):
            self.out["image"] = str(image)
            self.add("image", C, f"image {image}")
            if build:
                self.add("build", D, f"cloudorch deploys images: build and push {image} before deploying "
                                     f"(docker compose build {self.compose_name} && docker compose push "
                                     f"{self.compose_name})")
            return
        var = re.sub(r"[^A-Z0-9]", "_", self.name.upper()) + "_IMAGE"
        default = f"{self.ctx.app}-{self.name}:latest"
        self.out["image"] = f"${{{var}:-{default}}}"
        if image:
            self.add("image", D, f"{image!r} is not an image reference cloudorch accepts; set {var} "
                                 f"to one (registry/name:tag)")
        elif build:
            context = (build or {}).get("context", ".")
            self.add("build", D, f"cloudorch deploys images, it does not build them: build {context!r} "
                                 f"(docker compose build {self.compose_name}), push it to a registry the "
                                 f"cloud can pull from, and set {var} (default {default})")
        else:
            self.add("image", D, f"the service has neither image nor build; set {var}")

    def _words(self, value: Any, key: str) -> list[str] | None:
        if isinstance(value, list):
            return [str(v) for v in value]
        try:
            return shlex.split(str(value))
        except ValueError as exc:
            self.add(key, D, f"cannot split {value!r} into words: {exc}")
            return None

    def command(self, value: Any) -> None:
        words = self._words(value, "command")
        if words is not None:
            self.out["args"] = words
            self.add("command", C, "args (replaces the image's CMD)" +
                     ("; the string was split into words as compose does, not run by a shell"
                      if isinstance(value, str) else ""))

    def entrypoint(self, value: Any) -> None:
        words = self._words(value, "entrypoint")
        if words is not None:
            self.out["command"] = words
            self.add("entrypoint", C, "command (replaces the image's ENTRYPOINT)")

    # -- environment -------------------------------------------------------------------------
    def _set_env(self, key: str, name: str, value: Any, origin: str) -> None:
        if not re.match(ENV_NAME, name):
            self.add(f"{key}.{name}", D, f"{name!r} is not a variable name cloudorch accepts (letters, digits, _)")
            return
        if value is None:
            resolved = self.ctx.project.env.get(name)
            if resolved is None:
                self.add(f"{key}.{name}", D, "no value: compose passes it through from the shell, where it "
                                             "is unset now; add it to env when you know it")
                return
            value = resolved
            self.add(f"{key}.{name}", X, "compose passes it through from the shell at run time; its value "
                                         "now was written into the spec")
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.env[name] = str(value)
        if SECRET_LIKE.search(name) and not str(value).startswith("/run/secrets/"):
            self.add(f"{key}.{name}", X, f"value written in clear{origin}; a password belongs in a secret: "
                                         f"move it to secrets: {{{name}: <secret>}} and set it with "
                                         f"cloudorch secrets set")

    def environment(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.add("environment", D, "must be a mapping or a list of NAME=VALUE")
            return
        for name, item in value.items():
            self._set_env("environment", str(name), item, "")
        self.add("environment", C, f"env ({len(value)} variables)")

    def env_file(self, value: Any) -> None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            path = item.get("path") if isinstance(item, dict) else item
            required = item.get("required", True) if isinstance(item, dict) else True
            file = self.ctx.project.folder / str(path)
            if not file.is_file():
                outcome = D
                self.add("env_file", outcome, f"{path} does not exist" + (" (required)" if required else ""))
                continue
            try:
                values = parse_dotenv(file.read_text(), Interpolator(self.ctx.project.env))
            except (InterpolationError, OSError, UnicodeDecodeError) as exc:
                self.add("env_file", D, f"{path}: {exc}")
                continue
            for name, item_value in values.items():
                if name not in (self.body.get("environment") or {}):  # environment wins over env_file
                    self._set_env("env_file", name, item_value, f" (from {path})")
            self.add("env_file", X, f"{len(values)} variables of {path} copied into env: the spec no longer "
                                    f"reads the file, edit env instead")

    # -- ports -------------------------------------------------------------------------------
    def _add_port(self, key: str, port: int, protocol: str, public: bool, published: int | None = None) -> bool:
        if any(p["port"] == port for p in self.ports):
            self.add(key, D, f"port {port} is already listed (cloudorch lists a port once, with one protocol)")
            return False
        entry: dict[str, Any] = {"port": port}
        if protocol != "tcp":
            entry["protocol"] = protocol
        if public:
            entry["public"] = True
        if published is not None and published != port:
            entry["published"] = published
        self.ports.append(entry)
        return True

    def ports_(self, value: Any) -> None:
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            key = f"ports[{i}]"
            try:
                spec = parse_port(item)
            except ValueError as exc:
                self.add(key, D, str(exc))
                continue
            protocol = "http" if (spec.app_protocol or "").lower() in ("http", "http2") else spec.protocol
            if protocol not in ("tcp", "udp", "http"):
                self.add(key, D, f"protocol {spec.protocol!r} is not offered (tcp, udp)")
                continue
            targets = port_range(spec.target)
            if len(targets) > MAX_RANGE:
                self.add(key, D, f"range of {len(targets)} ports; list the ones the service needs")
                continue
            loopback = spec.host_ip in LOOPBACK
            notes = []
            if loopback:
                notes.append(f"published on {spec.host_ip} only in compose: kept private (reachable by "
                             f"the app's services, not from outside)")
            else:
                notes.append("published: public")
            hosts = port_range(spec.published) if spec.published else []
            moved = not loopback and len(hosts) == len(targets) and hosts != targets
            if moved:
                notes.append(f"reached from outside on {spec.published} (published: {spec.published}); the "
                             f"app's services reach it on {spec.target}")
            elif spec.published and not loopback and hosts != targets:
                notes.append(f"reachable on port {spec.target}, not {spec.published}: a range of host ports for "
                             f"one container port has no cloud equivalent")
            elif not spec.published and not loopback:
                notes.append("compose picks a random host port; here the container's own port is public")
            if spec.host_ip and not loopback and spec.host_ip not in ("0.0.0.0", "::"):
                notes.append(f"host address {spec.host_ip} is not kept")
            published = dict(zip(targets, hosts, strict=True)) if moved else {}
            added = [t for t in targets if self._add_port(key, t, protocol, not loopback, published.get(t))]
            if added:
                changed = len(notes) > 1 + moved or loopback
                self.add(key, X if changed else C, f"port {', '.join(map(str, added))}/{protocol}: "
                                                   + "; ".join(notes))

    def expose(self, value: Any) -> None:
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            try:
                spec = parse_port(item)
            except ValueError as exc:
                self.add(f"expose[{i}]", D, str(exc))
                continue
            if spec.published:
                self.add(f"expose[{i}]", D, f"{item!r}: expose takes a container port")
                continue
            added = [t for t in port_range(spec.target) if self._add_port(f"expose[{i}]", t, spec.protocol, False)]
            if added:
                self.add(f"expose[{i}]", C, f"port {', '.join(map(str, added))}/{spec.protocol}: private")

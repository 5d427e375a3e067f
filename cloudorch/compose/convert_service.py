"""One compose service -> one cloudorch service, reporting every key it meets."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from cloudorch.compose.interpolate import InterpolationError, Interpolator, parse_dotenv
from cloudorch.compose.load import Project
from cloudorch.compose.ports import (
    LOOPBACK,
    cloudorch_duration,
    duration_seconds,
    parse_port,
    parse_volume,
    port_range,
    size_mib,
)
from cloudorch.compose.report import Outcome, Report
from cloudorch.spec.models import ENV_NAME, IMAGE, LABEL_KEY, LABEL_VALUE

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


class ServiceConverter:
    def __init__(self, ctx: Context, compose_name: str, body: dict[str, Any]):
        self.ctx, self.compose_name, self.body = ctx, compose_name, body
        self.name = ctx.names[compose_name]
        self.out: dict[str, Any] = {}
        self.env: dict[str, str] = {}
        self.secret_env: dict[str, str] = {}
        self.ports: list[dict[str, Any]] = []
        self.published: dict[int, int] = {}  # public container port -> the host port compose published it on
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
    def _add_port(self, key: str, port: int, protocol: str, public: bool) -> bool:
        if any(p["port"] == port for p in self.ports):
            self.add(key, D, f"port {port} is already listed (cloudorch lists a port once, with one protocol)")
            return False
        entry: dict[str, Any] = {"port": port}
        if protocol != "tcp":
            entry["protocol"] = protocol
        if public:
            entry["public"] = True
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
            if spec.published and not loopback and port_range(spec.published) != targets:
                notes.append(f"reachable on port {spec.target}, not {spec.published}: clouds publish the "
                             f"container's own port")
            elif not spec.published and not loopback:
                notes.append("compose picks a random host port; here the container's own port is public")
            if spec.host_ip and not loopback and spec.host_ip not in ("0.0.0.0", "::"):
                notes.append(f"host address {spec.host_ip} is not kept")
            added = [t for t in targets if self._add_port(key, t, protocol, not loopback)]
            if spec.published and not loopback:
                self.published.update((t, h) for t, h in zip(targets, port_range(spec.published), strict=False)
                                      if t in added)
            if added:
                changed = len(notes) > 1 or loopback
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

    # -- lifecycle ----------------------------------------------------------------------------
    def depends_on(self, value: Any) -> None:
        deps = []
        for dep, how in (value or {}).items():
            condition = (how or {}).get("condition", "service_started") if isinstance(how, dict) else "service_started"
            key = f"depends_on.{dep}"
            if dep not in self.ctx.names:
                self.add(key, D, f"no service {dep!r} is imported")
                continue
            deps.append(self.ctx.names[dep])
            if condition == "service_healthy":
                self.add(key, C, "waits until it is healthy")
            elif condition == "service_completed_successfully":
                self.add(key, X, "compose waits for it to finish; cloudorch runs long-lived services only and "
                                 "waits until it is healthy (running, or passing its health check)")
            else:
                self.add(key, X, "compose waits for it to start; cloudorch waits until it is healthy "
                                 "(running, or passing its health check)")
        if deps:
            self.out["depends_on"] = deps

    def healthcheck(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.add("healthcheck", D, "must be a mapping")
            return
        test = value.get("test")
        if value.get("disable") or test in (["NONE"], "NONE"):
            self.add("healthcheck", C, "disabled: no health check")
            return
        if isinstance(test, str):
            command = ["/bin/sh", "-c", test]
        elif isinstance(test, list) and test and test[0] == "CMD" and len(test) > 1:
            command = [str(t) for t in test[1:]]
        elif isinstance(test, list) and test and test[0] == "CMD-SHELL" and len(test) == 2:
            command = ["/bin/sh", "-c", str(test[1])]
        elif test is None:
            self.add("healthcheck", D, "no test: compose falls back to the image's HEALTHCHECK, which "
                                       "cloudorch does not read; write the check out")
            return
        else:
            self.add("healthcheck", D, f"test {test!r} is not CMD, CMD-SHELL, NONE or a string")
            return
        health: dict[str, Any] = {"command": command}
        notes = [f"command {command!r}"]
        try:
            interval = duration_seconds(value.get("interval", "30s"))
            timeout = duration_seconds(value.get("timeout", "30s"))
            start = duration_seconds(value.get("start_period", "0s"))
        except ValueError as exc:
            self.add("healthcheck", D, str(exc))
            return
        if timeout > interval:
            notes.append(f"timeout {cloudorch_duration(timeout)} cut to the interval "
                         f"{cloudorch_duration(interval)} (cloudorch requires timeout <= interval)")
            timeout = interval
        health["interval"] = cloudorch_duration(interval)
        health["timeout"] = cloudorch_duration(timeout)
        if start:
            health["start_period"] = cloudorch_duration(start)
        retries = value.get("retries", 3)
        if isinstance(retries, int) and not isinstance(retries, bool):
            health["retries"] = min(max(retries, 1), 10)
            if health["retries"] != retries:
                notes.append(f"retries {retries} clamped to {health['retries']} (1..10)")
        if "start_interval" in value:
            notes.append("start_interval is not kept")
        self.out["health"] = health
        self.add("healthcheck", X if len(notes) > 1 else C, "; ".join(notes))

    def restart(self, value: Any) -> None:
        if str(value) in ("always", "unless-stopped"):
            self.add("restart", C, "services are always restarted when they exit")
        else:
            self.add("restart", X, f"restart {value!r}: cloudorch services are long-lived and restarted "
                                   f"whenever they exit")

    # -- sizing -------------------------------------------------------------------------------
    def deploy(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.add("deploy", D, "must be a mapping")
            return
        for key, item in value.items():
            if key == "replicas":
                self.scale(item, "deploy.replicas")
            elif key == "resources":
                self.resources(item)
            elif key == "mode" and item == "replicated":
                self.add("deploy.mode", C, "replicated")
            elif key == "mode" and item == "global":
                self.add("deploy.mode", D, "global (one per node) is not offered; set replicas")
            else:
                self.add(f"deploy.{key}", D, "no cloudorch equivalent; the provider's rolling update "
                                             "and restart policy apply")

    def scale(self, value: Any, key: str = "scale") -> None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            self.out["replicas"] = value
            self.add(key, C, f"replicas: {value}")
        else:
            self.add(key, D, f"{value!r} is not a replica count")

    def resources(self, value: Any) -> None:
        limits = (value or {}).get("limits") or {}
        wanted = (value or {}).get("reservations") or {}
        for kind in ("cpus", "memory"):
            if kind in limits:
                self._resource(kind, limits[kind], f"deploy.resources.limits.{kind}", False)
            elif kind in wanted:
                self._resource(kind, wanted[kind], f"deploy.resources.reservations.{kind}", True)
        for kind in wanted:
            if kind in limits and kind in ("cpus", "memory"):
                self.add(f"deploy.resources.reservations.{kind}", X,
                         "the limit is used: a replica is given exactly its resources")
            elif kind not in ("cpus", "memory"):
                self.add(f"deploy.resources.reservations.{kind}", D, "not offered (cpus and memory only)")
        for kind in limits:
            if kind not in ("cpus", "memory"):
                self.add(f"deploy.resources.limits.{kind}", D, "not offered (cpus and memory only)")

    def mem_limit(self, value: Any) -> None:
        self._resource("memory", value, "mem_limit", False)

    def cpus(self, value: Any) -> None:
        self._resource("cpus", value, "cpus", False)

    def _resource(self, kind: str, value: Any, key: str, reservation: bool) -> None:
        resources = self.out.setdefault("resources", {})
        try:
            if kind == "cpus":
                cpu = round(float(value), 3)
                if cpu <= 0:
                    raise ValueError(f"{value!r} is not a cpu amount")
                resources["cpu"] = cpu
                note = f"cpu: {cpu} vCPU per replica"
            else:
                mib = size_mib(value)
                whole = max(int(-(-mib // 1)), 1)
                resources["memory"] = f"{whole}Mi"
                note = f"memory: {whole}Mi per replica" + (" (rounded up to whole MiB)" if whole != mib else "")
        except ValueError as exc:
            self.add(key, D, str(exc))
            return
        if reservation:
            self.add(key, X, note + "; a reservation becomes the replica's size")
        else:
            self.add(key, X, note + "; the provider may round it up to a size it offers (validate -p shows "
                                    "how)") if kind == "memory" else self.add(key, C, note)

    # -- secrets and storage ------------------------------------------------------------------
    def secrets(self, value: Any) -> None:
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            source = item.get("source") if isinstance(item, dict) else str(item)
            target = (item.get("target") if isinstance(item, dict) else None) or source
            key = f"secrets[{i}]"
            if source not in self.ctx.secrets:
                self.add(key, D, f"no top-level secret {source!r}")
                continue
            secret_name = re.sub(r"[^A-Za-z0-9_.-]", "-", source).strip("-.") or "secret"
            var = re.sub(r"[^A-Z0-9_]", "_", str(target).rsplit("/", 1)[-1].upper())
            if re.match(r"^[0-9]", var):
                var = f"_{var}"
            self.secret_env[var] = secret_name
            readers = [n for n, v in self.env.items() if v == f"/run/secrets/{target}"]
            note = (f"env var {var} <- secret {secret_name}: compose mounts it as the file "
                    f"/run/secrets/{target}; the app must now read ${var}")
            if readers:
                note += f" ({', '.join(readers)} still point to the file)"
            self.add(key, X, note)

    def volumes(self, value: Any) -> None:
        out = self.out.setdefault("volumes", [])
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            key = f"volumes[{i}]"
            mount = parse_volume(item, self.ctx.volumes)
            if mount.kind == "bind":
                self.bind_targets.append(mount.target.rstrip("/") or "/")
                self.add(key, D, f"bind mount of {mount.source} (a host path): clouds have no access to "
                                 f"your disk; bake the files into the image")
                continue
            if mount.kind not in ("volume", "anonymous"):
                self.add(key, D, f"volume type {mount.kind!r} is not offered")
                continue
            if not mount.target.startswith("/"):
                self.add(key, D, f"target {mount.target!r} is not an absolute path")
                continue
            name = _volume_name(mount.source or mount.target, [v["name"] for v in out])
            out.append({"name": name, "path": mount.target})
            ro = "; read_only is not kept" if mount.read_only else ""
            if mount.kind == "volume":
                self.add(key, X, f"volume {name} at {mount.target} is scratch storage that lives as long as "
                                 f"a replica: the data of named volume {mount.source!r} is NOT kept across "
                                 f"restarts or shared between replicas; use a managed database or storage "
                                 f"service for data that must last{ro}")
            else:
                self.add(key, C, f"scratch volume {name} at {mount.target}{ro}")
        if not out:
            del self.out["volumes"]

    def tmpfs(self, value: Any) -> None:
        out = self.out.setdefault("volumes", [])
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            target = str(item).split(":")[0]
            name = _volume_name(target, [v["name"] for v in out])
            out.append({"name": name, "path": target})
            self.add(f"tmpfs[{i}]", X, f"scratch volume {name} at {target}: on disk, not in memory")

    # -- metadata and security ----------------------------------------------------------------
    def labels(self, value: Any) -> None:
        labels = self.ctx.labels
        for key, item in (value or {}).items():
            text = "" if item is None else str(item)
            if not (re.match(LABEL_KEY, str(key)) and len(str(key)) <= 63 and re.match(LABEL_VALUE, text)
                    and len(text) <= 63):
                self.add(f"labels.{key}", D, "not a label cloudorch can carry (keys and values: letters, digits, "
                                             "-, _ and ., at most 63)")
            elif labels.get(key, text) != text:
                self.add(f"labels.{key}", D, f"another service sets it to {labels[key]!r}; cloudorch labels are "
                                             f"app-wide")
            else:
                labels[key] = text
                self.add(f"labels.{key}", X, "an app-wide label now (on every resource of the app)")

    def user(self, value: Any) -> None:
        uid, _, gid = str(value).partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            self.add("user", D, f"{value!r}: only numeric uid[:gid] can be carried (security.run_as_user)")
            return
        security = self.out.setdefault("security", {})
        security["run_as_user"] = int(uid)
        if gid:
            security["run_as_group"] = int(gid)
        self.add("user", C, "security.run_as_user" + (" and run_as_group" if gid else ""))

    def read_only(self, value: Any) -> None:
        if value is True:
            self.out.setdefault("security", {})["read_only_root"] = True
            self.add("read_only", C, "security.read_only_root")

    def cap_drop(self, value: Any) -> None:
        if [str(v).upper() for v in (value or [])] == ["ALL"]:
            self.out.setdefault("security", {})["drop_capabilities"] = True
            self.add("cap_drop", C, "security.drop_capabilities")
        else:
            self.add("cap_drop", D, "only dropping ALL capabilities is offered (security.drop_capabilities)")

    def networks(self, value: Any) -> None:
        names = list(value) if isinstance(value, dict | list) else [value]
        extra = sorted({k for v in (value.values() if isinstance(value, dict) else []) if isinstance(v, dict)
                        for k in v})
        lost = f"; {', '.join(extra)} not kept" if extra else ""
        self.add("networks", X, f"networks {', '.join(map(str, names))}: every service of the app shares one "
                                f"network and reaches the others by service name; no isolation between them{lost}")


def _volume_name(source: str, taken: list[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", source.lower()).strip("-")
    base = re.sub(r"^[^a-z]+", "", base)[:24].rstrip("-") or "data"
    name, n = base, 2
    while name in taken:
        name = f"{base[:21]}-{n}"
        n += 1
    return name

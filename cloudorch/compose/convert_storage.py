"""The compose keys of a service's secrets, storage, metadata and security: secrets, volumes, tmpfs,
labels, user, read_only, cap_drop and networks. Mixed into
:class:`~cloudorch.compose.convert_service.ServiceConverter`."""

from __future__ import annotations

import re
from typing import Any

from cloudorch.compose.ports import parse_volume
from cloudorch.compose.report import Outcome
from cloudorch.spec.models import LABEL_KEY, LABEL_VALUE

C, X, D = Outcome.CARRIED, Outcome.CHANGED, Outcome.DROPPED


class StorageKeys:
    """Needs ``self.add``, ``self.out``, ``self.ctx``, ``self.env``, ``self.secret_env`` and
    ``self.bind_targets`` from the converter."""

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

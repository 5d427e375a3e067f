"""The compose keys of a service's lifecycle and size: depends_on, healthcheck, restart, deploy,
scale and resources. Mixed into :class:`~cloudorch.compose.convert_service.ServiceConverter`."""

from __future__ import annotations

from typing import Any

from cloudorch.compose.ports import cloudorch_duration, duration_seconds, size_mib
from cloudorch.compose.report import Outcome

C, X, D = Outcome.CARRIED, Outcome.CHANGED, Outcome.DROPPED


class RuntimeKeys:
    """Needs ``self.add``, ``self.out`` and ``self.ctx`` from the converter."""

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

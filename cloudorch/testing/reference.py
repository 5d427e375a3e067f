"""The reference provider: a complete small provider for the reference cloud
(:mod:`cloudorch.testing.reference_cloud`), and the example a provider author copies.

It passes the conformance kit (``tests/cloudorch/testing/test_reference_conformance.py``); the engine's
unit tests drive it in-process. Each spec service becomes one cloud service ``{app}-{name}`` carrying
the ownership tags; the provider reads facts from the cloud and lets the core decide what they mean.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from cloudorch.diff import differences, top_fields
from cloudorch.errors import ProviderError, UsageError
from cloudorch.provider import (
    Action,
    AppStatus,
    Capability,
    Change,
    Document,
    FieldReport,
    Fit,
    LogLine,
    Plan,
    Provider,
    SecretLocation,
    ServiceStatus,
    State,
)


class ReferenceSettings(BaseModel):
    """``providers.reference``: where the cloud is, and where each spec secret lives in its store."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str | None = None
    secrets: dict[str, str] = {}


class HttpCloud:
    """The reference cloud's API over HTTP: the same methods as ``ReferenceCloud``. Reads are retried
    on throttling and 5xx, as the clouds' own SDKs do; every call honours the command's deadline."""

    RETRIES = 3

    def __init__(self, url: str, timeout):
        self.url, self.timeout = url.rstrip("/"), timeout

    def call(self, method: str, path: str, body: Any = None) -> Any:
        for attempt in range(self.RETRIES + 1):
            request = urllib.request.Request(
                self.url + path, method=method, headers={"Content-Type": "application/json"},
                data=None if body is None and method == "GET" else json.dumps(body).encode())
            try:
                with urllib.request.urlopen(request, timeout=self.timeout()) as reply:
                    return json.loads(reply.read() or b"null")
            except urllib.error.HTTPError as exc:
                error = (json.loads(exc.read() or b"{}") or {}).get("error", {})
                transient = exc.code == 429 or exc.code >= 500
                if method == "GET" and transient and attempt < self.RETRIES:
                    time.sleep(0.2 * 2 ** attempt)
                    continue
                raise ProviderError(f"reference cloud refused {method} {path}: {exc.code} "
                                    f"{error.get('code', '')}: {error.get('message', exc.reason)}") from None
            except (urllib.error.URLError, TimeoutError) as exc:
                raise ProviderError(f"cannot reach the reference cloud at {self.url} ({exc}); "
                                    "check providers.reference.endpoint or start the sandbox") from None
        raise AssertionError("unreachable")

    def list_services(self, app):
        return self.call("GET", f"/apps/{app}/services")["services"]

    def put_service(self, app, name, body, tags, replicas):
        return self.call("PUT", f"/apps/{app}/services/{name}", {"body": body, "tags": tags, "replicas": replicas})

    def set_replicas(self, app, name, replicas):
        return self.call("PUT", f"/apps/{app}/services/{name}/replicas", {"replicas": replicas})

    def set_autoscaler(self, app, name, policy):
        return self.call("PUT", f"/apps/{app}/services/{name}/autoscaler", policy)

    def delete_service(self, app, name):
        return self.call("DELETE", f"/apps/{app}/services/{name}")

    def logs(self, app, services, since=None):
        query = f"services={','.join(services)}" + (f"&since={since}" if since is not None else "")
        return self.call("GET", f"/apps/{app}/logs?{query}")["lines"]

    def restart_service(self, app, name):
        return self.call("POST", f"/apps/{app}/services/{name}/restart", {})

    def put_secret(self, name, value):
        return self.call("PUT", f"/secrets/{name}", {"value": value})

    def list_secrets(self):
        return self.call("GET", "/secrets")["secrets"]


class ReferenceProvider(Provider):
    name = "reference"
    capabilities = frozenset(Capability)
    settings_model = ReferenceSettings

    def __init__(self, spec, *, cloud=None, **kwargs):
        """``cloud``: a ``ReferenceCloud`` to drive in-process instead of the HTTP endpoint."""
        super().__init__(spec, **kwargs)
        self._cloud = cloud

    @classmethod
    def emulator(cls, **options):
        from cloudorch.testing.reference_emulator import ReferenceEmulator

        return ReferenceEmulator(**options)

    @property
    def cloud(self):
        if self._cloud is None:
            url = (self.sandbox or {}).get("url") or self.settings.endpoint
            if not url:
                raise UsageError("the reference provider needs providers.reference.endpoint, or --sandbox")
            deadline = self.deadline
            self._cloud = HttpCloud(url, lambda: deadline.remaining(10.0) if deadline else 10.0)
        return self._cloud

    # -- offline -------------------------------------------------------------------------------
    def body(self, name: str) -> dict[str, Any]:
        """What the cloud gets for service ``name``: the spec's fields, secrets as store references."""
        service = self.app.services[name]
        data = service.model_dump(mode="json", exclude={"replicas", "autoscale", "depends_on", "secrets",
                                                        "image_pull_secret"}, exclude_none=True)
        data["env"] = {k: str(v) for k, v in service.env.items()}
        data["secrets"] = self._refs(service.secrets)
        for sidecar, spec in zip(data.get("sidecars", []), service.sidecars, strict=True):
            sidecar["secrets"] = self._refs(spec.secrets)
        return data

    def _refs(self, secrets: dict[str, str]) -> dict[str, str]:
        """env var -> the store key of the spec secret it reads (``providers.reference.secrets``)."""
        return {env: self.settings.secrets.get(secret, secret) for env, secret in secrets.items()}

    def render(self) -> list[Document]:
        return [Document("Service", f"{self.app.name}-{name}",
                         {"body": self.body(name), "replicas": service.replicas,
                          "autoscaler": service.autoscale.model_dump() if service.autoscale else None,
                          "tags": self.markers()}, name)
                for name, service in self.app.services.items()]

    def validate(self) -> list[FieldReport]:
        reports = []
        for name, service in self.app.services.items():
            for key in ("image", "command", "args", "env", "secrets", "ports", "resources", "replicas", "autoscale",
                        "health", "security", "depends_on", "volumes", "sidecars"):
                if key in service.model_fields_set:
                    reports.append(FieldReport(f"services.{name}.{key}", Fit.EXACT))
        return reports

    # -- live ----------------------------------------------------------------------------------
    def _live(self) -> dict[str, dict[str, Any]]:
        return {s["name"]: s for s in self.cloud.list_services(self.app.name)}

    def _owned(self, service: dict[str, Any]) -> bool:
        return service["tags"].get(self.OWNER_KEY) == self.app.name and \
            service["tags"].get(self.TOOL_KEY) == self.TOOL_VALUE

    def plan(self) -> Plan:
        live, changes = self._live(), []
        for name, service in self.app.services.items():
            have = live.get(name)
            if have is not None and not self._owned(have):
                raise ProviderError(f"service {self.app.name}/{name} exists but is not managed by cloudorch for app "
                                    f"{self.app.name!r} (no {self.OWNER_KEY} tag); refusing to take it over: "
                                    "rename the service in the spec or delete the resource yourself")
            if have is None:
                changes.append(Change(Action.CREATE, "Service", f"{self.app.name}-{name}", name))
                continue
            fields = top_fields(differences(self.body(name), have["body"]))
            policy = service.autoscale.model_dump() if service.autoscale else None
            if policy != have["autoscaler"]:
                fields.append("autoscale")
            elif policy is None and have["desired"] != service.replicas:
                fields.append("replicas")
            changes.append(Change(Action.UPDATE if fields else Action.NOOP, "Service", f"{self.app.name}-{name}",
                                  name, fields))
        for name, have in sorted(live.items()):
            if name not in self.app.services and self._owned(have):
                changes.append(Change(Action.DELETE, "Service", f"{self.app.name}-{name}", name,
                                      reason="no longer in the spec"))
        return Plan(self.app.name, self.name, changes)

    def apply(self, change: Change) -> None:
        app, name = self.app.name, change.service
        if change.action is Action.DELETE:
            try:
                self.cloud.delete_service(app, name)
            except ProviderError as exc:
                if " 404 " not in str(exc):
                    raise
            return
        service = self.app.services[name]
        policy = service.autoscale.model_dump() if service.autoscale else None
        replicas = service.autoscale.min if service.autoscale else service.replicas
        view = self.cloud.put_service(app, name, self.body(name), self.markers(), replicas)
        if view["autoscaler"] != policy:
            self.cloud.set_autoscaler(app, name, policy)

    def status(self, services: Sequence[str] | None = None) -> AppStatus:
        live = self._live()
        return AppStatus(self.app.name, self.name,
                         [self._status(name, live.get(name)) for name in services or list(self.app.services)])

    def _status(self, name: str, have: dict[str, Any] | None) -> ServiceStatus:
        if have is None:
            return ServiceStatus(name, State.MISSING, message="not deployed")
        current = [r for r in have["replicas"] if r["revision"] == have["revision"]]
        count = {s: sum(r["state"] == s for r in current) for s in ("running", "pending", "failed")}
        reasons = sorted({r["reason"] for r in current if r["state"] == "failed"})
        serving = sum(r["state"] == "running" for r in have["replicas"])  # old revision's replicas too
        facts = dict(desired=have["desired"], running=serving, pending=count["pending"],
                     failed=count["failed"], image=have["body"]["image"], revision=str(have["revision"]),
                     endpoints=have["endpoints"])
        if have["rolled_back"]:
            return ServiceStatus(name, State.FAILED, **facts, message=have["rolled_back"])
        if reasons:
            return ServiceStatus(name, State.FAILED, **facts, message="; ".join(reasons))
        if have["desired"] == 0:
            return ServiceStatus(name, State.STOPPED, **facts)
        if count["running"] >= have["desired"] and len(current) == len(have["replicas"]):
            return ServiceStatus(name, State.HEALTHY, **facts)
        if serving == 0:
            return ServiceStatus(name, State.PENDING, **facts, message="replicas starting")
        return ServiceStatus(name, State.PROGRESSING, **facts, message="rolling out")

    def scale(self, service: str, replicas: int) -> None:
        self.cloud.set_replicas(self.app.name, service, replicas)

    def autoscale(self, service: str, policy) -> None:
        self.cloud.set_autoscaler(self.app.name, service, policy.model_dump() if policy else None)

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None) -> list[LogLine]:
        lines = [LogLine(dt.datetime.fromtimestamp(line["time"], dt.UTC), line["service"], line["replica"],
                         line["container"], line["message"])
                 for line in self.cloud.logs(self.app.name, list(services), since.timestamp() if since else None)]
        return lines[-tail:] if tail else lines

    def store_secret(self, name: str, value: str) -> str:
        key = self.settings.secrets.get(name, name)
        self.cloud.put_secret(key, value)
        return f"reference cloud secret {key!r}"

    def secret_locations(self) -> list[SecretLocation]:
        stored = set(self.cloud.list_secrets())
        return [SecretLocation(name, f"reference cloud secret {self.settings.secrets.get(name, name)!r}",
                               self.settings.secrets.get(name, name) in stored, services)
                for name, services in self.secret_users().items()]

    def restart(self, service: str) -> None:
        self.cloud.restart_service(self.app.name, service)

    def destroy_plan(self) -> Plan:
        return Plan(self.app.name, self.name,
                    [Change(Action.DELETE, "Service", f"{self.app.name}-{name}", name)
                     for name, have in sorted(self._live().items()) if self._owned(have)])

"""The reference provider: a complete small provider for the reference cloud
(:mod:`cloudorch.testing.reference_cloud`), and the example a provider author copies.

It passes the conformance kit (``tests/cloudorch/testing/test_reference.py``). Each spec service
becomes one cloud service carrying the ownership markers. The provider supplies its cloud calls, the
facts it reads and its error table (:mod:`cloudorch.testing.reference_client`); the core kit
(:mod:`cloudorch.live`) decides ownership, plan steps, health and what errors mean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from cloudorch.diff import differences, top_fields
from cloudorch.errors import UsageError
from cloudorch.live.health import Facts, service_status
from cloudorch.live.plan import Owned, PlanBuilder, Step, run_steps
from cloudorch.live.timeouts import budget
from cloudorch.provider import (
    AppStatus,
    Capability,
    Document,
    FieldReport,
    Fit,
    LogLine,
    Plan,
    Provider,
    Revision,
    SecretLocation,
    ServiceStatus,
)
from cloudorch.testing.reference_client import HttpCloud, table
from cloudorch.testing.reference_cloud import CloudError

if TYPE_CHECKING:
    from cloudorch.deadline import Deadline


class ReferenceSettings(BaseModel):
    """``providers.reference``: where the cloud is, and where each spec secret lives in its store."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str | None = None
    secrets: dict[str, str] = {}


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

    def cloud(self, deadline: Deadline | None):
        """The client, its calls' timeouts taken from the command's deadline."""
        if self._cloud is not None:
            return self._cloud
        url = (self.sandbox or {}).get("url") or self.settings.endpoint
        if not url:
            raise UsageError("the reference provider needs providers.reference.endpoint, or --sandbox")
        return HttpCloud(url, budget(deadline).read)

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

    def _policy(self, name: str) -> dict[str, int] | None:
        autoscale = self.app.services[name].autoscale
        return autoscale.model_dump() if autoscale else None

    def render(self) -> list[Document]:
        return [Document("Service", f"{self.app.name}/{name}",
                         {"body": self.body(name), "replicas": service.replicas, "autoscaler": self._policy(name),
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

    # -- live: calls, as plan steps ------------------------------------------------------------
    def _put(self, cloud, name: str) -> None:
        service = self.app.services[name]
        replicas = service.autoscale.min if service.autoscale else service.replicas
        view = cloud.put_service(self.app.name, name, self.body(name), self.markers(), replicas)
        if view["autoscaler"] != self._policy(name):
            cloud.set_autoscaler(self.app.name, name, self._policy(name))

    def _delete(self, cloud, name: str) -> None:
        try:
            cloud.delete_service(self.app.name, name)
        except CloudError as exc:
            if exc.status != 404:  # gone already: deleting is idempotent
                raise

    def _live(self, deadline: Deadline) -> dict[str, dict[str, Any]]:
        with table().translating(f"reading the services of app {self.app.name}"):
            return {s["name"]: s for s in self.cloud(deadline).list_services(self.app.name)}

    def _fields(self, name: str, have: dict[str, Any]) -> list[str]:
        fields = top_fields(differences(self.body(name), have["body"]))
        if self._policy(name) != have["autoscaler"]:
            fields.append("autoscale")
        elif self._policy(name) is None and have["desired"] != self.app.services[name].replicas:
            fields.append("replicas")
        return fields

    def _documents(self, name: str, have: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The (desired, live) pair a plan shows values from: the body, the replica count, the autoscaler."""
        want = {"body": self.body(name), "autoscaler": self._policy(name)}
        live = {"body": have["body"], "autoscaler": have["autoscaler"]}
        if self._policy(name) is None:
            want["replicas"], live["replicas"] = self.app.services[name].replicas, have["desired"]
        return want, live

    def _builder(self, live: dict[str, dict[str, Any]], destroying: bool = False) -> PlanBuilder:
        builder = PlanBuilder(self.app, self.name, self.ownership)
        if not destroying:
            for name in self.app.services:
                have = live.get(name)
                put = [Step(self._put, (name,), on=f"service {self.app.name}/{name}")]
                builder.resource("Service", f"{self.app.name}/{name}", name, live=have,
                                 tags=have["tags"] if have else None, create=put,
                                 fields=lambda name=name, have=have: self._fields(name, have),
                                 update=lambda fields, put=put: put,
                                 documents=lambda name=name, have=have: self._documents(name, have))
        owned = [Owned("Service", f"{self.app.name}/{n}", n) for n, have in live.items()
                 if self.ownership.owns(have["tags"], self.app.name)]
        rendered = set() if destroying else {("Service", f"{self.app.name}/{n}") for n in self.app.services}
        builder.sweep(owned, rendered, lambda o: [Step(self._delete, (o.service,), on=o.name)], destroying=destroying)
        return builder

    def plan(self, *, deadline: Deadline) -> Plan:
        return self._builder(self._live(deadline)).build()

    def destroy_plan(self, *, deadline: Deadline) -> Plan:
        return self._builder(self._live(deadline), destroying=True).build()

    def apply(self, change, *, deadline: Deadline) -> None:
        with table().translating(f"{change.action} {change.kind} {change.name}"):
            run_steps(change, self.cloud(deadline))

    # -- live: facts -----------------------------------------------------------------------------
    def status(self, services: Sequence[str] | None = None, *, deadline: Deadline) -> AppStatus:
        live = self._live(deadline)
        return AppStatus(self.app.name, self.name,
                         [self._status(name, live.get(name)) for name in services or list(self.app.services)])

    def _status(self, name: str, have: dict[str, Any] | None) -> ServiceStatus:
        if have is None:
            return service_status(name, None, desired=self.app.services[name].replicas)
        current = [r for r in have["replicas"] if r["revision"] == have["revision"]]
        count = {s: sum(r["state"] == s for r in current) for s in ("running", "pending", "failed")}
        rolling = len(current) != len(have["replicas"]) or len(current) > have["desired"]
        facts = Facts(desired=have["desired"], running=count["running"], pending=count["pending"],
                      failed=count["failed"],
                      failures=sorted({r["reason"] for r in current if r["state"] == "failed"}),
                      gave_up=have["rolled_back"], rolling=rolling, present=len(have["replicas"]),
                      progress=f"rolling out revision {have['revision']}: {count['running']} of "
                               f"{have['desired']} running" if rolling else "")
        return service_status(name, facts, image=have["body"]["image"], revision=str(have["revision"]),
                              endpoints=have["endpoints"])

    def scale(self, service: str, replicas: int, *, deadline: Deadline) -> None:
        with table().translating(f"scaling service {service}"):
            self.cloud(deadline).set_replicas(self.app.name, service, replicas)

    def autoscale(self, service: str, policy, *, deadline: Deadline) -> None:
        with table().translating(f"setting the autoscaler of service {service}"):
            self.cloud(deadline).set_autoscaler(self.app.name, service, policy.model_dump() if policy else None)

    def logs(self, services: Sequence[str], since: dt.datetime | None = None,
             tail: int | None = None, *, deadline: Deadline) -> list[LogLine]:
        with table().translating(f"reading the logs of app {self.app.name}"):
            found = self.cloud(deadline).logs(self.app.name, list(services), since.timestamp() if since else None)
        lines = [LogLine(dt.datetime.fromtimestamp(line["time"], dt.UTC), line["service"], line["replica"],
                         line["container"], line["message"]) for line in found]
        return lines[-tail:] if tail else lines

    # -- secrets ---------------------------------------------------------------------------------
    def _where(self, name: str) -> str:
        return f"reference cloud secret {self.settings.secrets.get(name, name)!r}"

    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        with table().translating(f"storing secret {name}"):
            self.cloud(deadline).put_secret(self.settings.secrets.get(name, name), value)
        return self._where(name)

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        with table().translating("listing the secret store"):
            stored = set(self.cloud(deadline).list_secrets())
        return [SecretLocation(name, self._where(name), self.settings.secrets.get(name, name) in stored, services)
                for name, services in self.secret_users().items()]

    # -- history ---------------------------------------------------------------------------------
    def history(self, service: str, *, deadline: Deadline) -> list[Revision]:
        with table().translating(f"reading the revisions of service {service}"):
            try:
                found = self.cloud(deadline).revisions(self.app.name, service)
            except CloudError as exc:
                if exc.status == 404:
                    return []  # not deployed: no revisions
                raise
        return [Revision(str(r["revision"]), dt.datetime.fromtimestamp(r["time"], dt.UTC), r["body"]["image"],
                         r["serving"], document=r["body"], payload=r["revision"]) for r in found]

    def rollback(self, service: str, revision: Revision, *, deadline: Deadline) -> None:
        with table().translating(f"rolling service {service} back to revision {revision.revision}"):
            self.cloud(deadline).rollback(self.app.name, service, revision.payload)

    def restart(self, service: str, *, deadline: Deadline) -> None:
        with table().translating(f"restarting service {service}"):
            self.cloud(deadline).restart_service(self.app.name, service)

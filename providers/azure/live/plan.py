"""The Azure plan: each rendered container group against the live group of the same exact name.

A Change's payload is a list of typed steps (:class:`cloudorch.live.plan.Step`) that
:func:`.apply.apply_change` runs in order:

- the resource group's: create, delete, join / release ownership (:mod:`.resource_group`); the
  network's: put / delete a resource, sync / delete an A record set (:mod:`.network`);
- ``put_group(name, body)``: create or update (a full PUT; ACI restarts every container of the group,
  so it is planned only when the live group differs from the desired one);
- ``roll_group(...)``: the update or replacement of a group that runs now, one group at a time, waited
  for and put back to the previous revision when the new one fails (:mod:`.rolling`);
- ``delete_group(name)``, ``start_group(name)``, ``stop_group(name)``;
- ``tag_group(name, tags)``: a PATCH of the tags alone, which restarts nothing.

Bodies hold secret placeholders, never values (apply substitutes them). A same-named group without
this app's markers is refused. A group whose provisioning failed, or whose change ACI cannot make in
place (OS type, resources, restart policy, location), is replaced: deleted, then created.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloudorch.diff import field_diffs, top_fields
from cloudorch.errors import ProviderError
from cloudorch.live.plan import Step
from cloudorch.live.rollout import stable_seconds
from cloudorch.provider import Action, Change, Document, FieldDiff, Plan, Provider
from cloudorch.secretmask import MASK, Mask
from cloudorch.spec.models import App
from cloudorch_providers.azure.live.apply import delete_group, put_group, start_group, stop_group, tag_group
from cloudorch_providers.azure.live.compare import body_differences, needs_replacement, shown, tag_differences
from cloudorch_providers.azure.live.history import recorded
from cloudorch_providers.azure.live.resource_group import deploy_change, destroy_change
from cloudorch_providers.azure.live.rolling import is_serving, previous_body, roll_group
from cloudorch_providers.azure.live.secret_hash import TAG as SECRET_TAG
from cloudorch_providers.azure.live.secret_hash import matches
from cloudorch_providers.azure.live.secret_values import SecretValues, placeholders
from cloudorch_providers.azure.live.state import (
    REPLICAS_TAG,
    Live,
    is_stopped,
    owned,
    props,
    replica_of,
    service_of,
    tags_of,
)

GROUP = "ContainerGroup"
MAX_TAGS = 50


def not_ours(name: str, resource_group: str, tags: dict[str, str], app: str) -> ProviderError:
    return Provider.ownership.not_ours("container group", name, tags, app, where=f"in resource group {resource_group}",
                                       fix="rename the app or service, or remove that container group yourself")


def put(name: str, body: dict[str, Any]) -> Step:
    return Step(put_group, (name, body), on=f"container group {name}")


def delete(name: str) -> Step:
    return Step(delete_group, (name,), on=f"container group {name}")


def with_replicas(body: dict[str, Any], replicas: int) -> dict[str, Any]:
    """The PUT body of a group, tagged with its service's replica count."""
    body = copy.deepcopy(body)
    body["tags"] = {**body.get("tags", {}), REPLICAS_TAG: str(replicas)}
    if len(body["tags"]) > MAX_TAGS:
        raise ProviderError(f"container group tags: {len(body['tags'])} tags (the app's labels plus cloudorch's "
                            f"6); ARM allows {MAX_TAGS}: remove some labels")
    return body


def failure_reason(group: dict[str, Any]) -> str:
    """Why a group's provisioning failed, from its events (no secret ever appears in them)."""
    view = props(group).get("instanceView") or {}
    for event in view.get("events") or []:
        if event.get("type") == "Warning" and event.get("message"):
            return f"{event.get('name')}: {event['message']}"
    for container in props(group).get("containers") or []:
        for event in ((container.get("properties") or {}).get("instanceView") or {}).get("events") or []:
            if event.get("type") == "Warning" and event.get("message"):
                return f"{event.get('name')}: {event['message']}"
    return "provisioning failed"


@dataclass(frozen=True)
class Rolling:
    """How a service's running groups move to a new revision (:mod:`.rolling`): seconds each must
    stay healthy, and its A record set ``(zone, service, count, markers)`` in the private network."""

    stable: float
    record: tuple | None = None


def change_steps(name: str, service: str, body: dict[str, Any], live: dict[str, Any], replace: bool,
                 rolling: Rolling | None) -> list[Step]:
    """PUT (or delete + create) a live group; rolled (waited for, put back when it fails) when it
    serves now."""
    if rolling is None or not is_serving(live):
        return [delete(name), put(name, body)] if replace else [put(name, body)]
    return [Step(roll_group, (name, service, body, previous_body(live, body), replace, rolling.stable,
                              rolling.record), on=f"container group {name}")]


def group_change(app: str, resource_group: str, name: str, service: str, body: dict[str, Any],
                 live: dict[str, Any] | None, secrets_changed: str = "", rolling: Rolling | None = None,
                 mask: Mask | None = None) -> Change:
    """The change that makes group ``name`` match ``body`` (``secrets_changed``: why the values of its
    secrets differ from the live ones, which ARM never shows: see :mod:`.secret_hash`; ``rolling``:
    how a running group moves to the new revision, None to PUT it without waiting), with the
    changed fields' values (secrets masked)."""
    change = _group_change(app, resource_group, name, service, body, live, secrets_changed, rolling)
    if live is not None and change.action in (Action.UPDATE, Action.REPLACE):
        want, have = shown(body), shown(live, tags_of(live))
        for tags in (want["tags"], have["tags"]):  # a hash of the secret values: said as "secrets" below
            tags.pop(SECRET_TAG, None)
        change.diff = field_diffs(want, have, mask or Mask())
        if secrets_changed:
            change.diff.append(FieldDiff("secrets", MASK, MASK))
    return change


def _group_change(app: str, resource_group: str, name: str, service: str, body: dict[str, Any],
                  live: dict[str, Any] | None, secrets_changed: str = "", rolling: Rolling | None = None) -> Change:
    if live is None:
        return Change(Action.CREATE, GROUP, name, service, payload=[put(name, body)])
    if not owned(tags_of(live), app):
        raise not_ours(name, resource_group, tags_of(live), app)
    paths = body_differences(body, live)
    if props(live).get("provisioningState") == "Failed":
        return Change(Action.REPLACE, GROUP, name, service, top_fields(paths),
                      f"provisioning failed ({failure_reason(live)})",
                      payload=[delete(name), put(name, body)])
    fixed = needs_replacement(paths)
    if fixed:
        return Change(Action.REPLACE, GROUP, name, service, top_fields(paths),
                      f"ACI cannot change {', '.join(sorted(set(fixed)))} in place",
                      payload=change_steps(name, service, body, live, True, rolling))
    if paths or secrets_changed:
        reason = "; ".join(filter(None, [secrets_changed, "a full PUT: ACI restarts every container of the group"]))
        fields = top_fields(paths) + (["secrets"] if secrets_changed else [])
        return Change(Action.UPDATE, GROUP, name, service, fields, reason,
                      payload=change_steps(name, service, body, live, False, rolling))
    steps: list[Step] = []
    fields: list[str] = []
    if is_stopped(live):
        steps.append(Step(start_group, (name,), on=f"container group {name}"))
        fields.append("state")
    if tag_differences(body["tags"], tags_of(live)):
        steps.append(Step(tag_group, (name, dict(body["tags"])), on=f"container group {name}"))
        fields.append("tags")
    if steps:
        return Change(Action.UPDATE, GROUP, name, service, fields, "stopped" if is_stopped(live) else "",
                      payload=steps)
    return Change(Action.NOOP, GROUP, name, service)


class Planner:
    def __init__(self, app: App, resource_group: str, location: str, markers: dict[str, str], live: Live,
                 secrets: SecretValues | None = None, records: Callable[[str], tuple | None] | None = None):
        self.app, self.resource_group, self.location = app, resource_group, location
        self.markers, self.live, self.secrets = markers, live, secrets
        #: service -> its A record set (zone, service, count, markers) in the private network, or None
        self.records = records or (lambda service: None)
        self.mask = Mask.of(app)
        self.changes: list[Change] = []

    def rolling(self, service: str) -> Rolling:
        health = self.app.services[service].health
        stable = stable_seconds(health.start_period, health.interval, health.retries) if health else stable_seconds()
        return Rolling(stable, self.records(service))

    def secret_state(self, body: dict[str, Any], live: dict[str, Any] | None) -> str:
        """Carry the live group's secret tag (its salt) into ``body``; why the values differ, or ""."""
        wanted = placeholders(body)
        if not wanted or live is None:
            return ""
        tag = tags_of(live).get(SECRET_TAG)
        if tag:
            body["tags"][SECRET_TAG] = tag
        values = self.secrets.available(wanted) if self.secrets is not None else None
        if values is None or matches(values, tag):
            return ""  # unchanged, or the values cannot be read now (deploy reads them and fails then)
        return "a secret value changed" if tag else "the group's secret values are not on record"

    def plan(self, docs: list[Document]) -> Plan:
        self.changes.append(deploy_change(self.app.name, self.resource_group, self.location, self.markers,
                                          self.live.resource_group))
        for doc in docs:
            body = with_replicas(doc.body, self.app.services[doc.service].desired_replicas)
            live = self.live.groups.get(doc.name)
            changed = self.secret_state(body, live)
            body["tags"].update(recorded(tags_of(live)))  # the revisions it records (:mod:`.history`)
            self.changes.append(group_change(self.app.name, self.resource_group, doc.name, doc.service, body,
                                             live, changed, self.rolling(doc.service), self.mask))
        self.orphans({d.name for d in docs})
        return Plan(self.app.name, "azure", self.changes)

    def orphans(self, wanted: set[str]) -> None:
        """Delete the app's groups the spec no longer has, highest replica first."""
        from cloudorch_providers.azure.live.jobs import JOB_TAG  # job runs are `run`'s, not the plan's

        extra = [(n, g) for n, g in self.live.owned_groups(self.app.name).items()
                 if n not in wanted and JOB_TAG not in tags_of(g)]
        for name, group in sorted(extra, key=lambda item: (service_of(item[1]) or "", -replica_of(item[1]))):
            service = service_of(group)
            if service in self.app.services:
                count = self.app.services[service].desired_replicas
                reason = f"replica {replica_of(group)} is beyond the spec's {count} replicas"
            else:
                reason = f"service {service} is no longer in the spec"
            self.changes.append(Change(Action.DELETE, GROUP, name, service, reason=reason,
                                       payload=[delete(name)]))


def destroy_plan(app: str, resource_group: str, live: Live, others: list[str],
                 network: list[Change] | None = None) -> Plan:
    """DELETE every container group carrying the app's markers (by its exact name), then the app's
    network resources (``network``, dependants first), then the resource group when cloudorch created
    it for this app and nothing else is in it."""
    changes = []
    groups = live.owned_groups(app)
    for name, group in sorted(groups.items(), key=lambda item: (service_of(item[1]) or "", -replica_of(item[1]))):
        changes.append(Change(Action.DELETE, GROUP, name, service_of(group), payload=[delete(name)]))
    changes += network or []
    rg_change = destroy_change(app, resource_group, live.resource_group, others)
    if rg_change is not None:
        changes.append(rg_change)
    return Plan(app, "azure", changes)


def scale_changes(app: App, resource_group: str, service: str, replicas: int, live: Live,
                  body_for) -> list[Change]:
    """What ``scale SERVICE=N`` does: groups ``0..N-1`` exist and run, tagged with N; the app's
    groups of the service with a higher index are deleted, highest first. ``N=0`` stops group 0
    (ACI's stop: nothing runs or is billed, the group stays to be started again) and deletes the rest.
    ``body_for(i)`` gives the name and PUT body of replica ``i``."""
    changes = []
    count = str(replicas)
    mine = live.owned_groups(app.name, [service])
    by_index = {replica_of(g): (n, g) for n, g in mine.items()}
    for index in range(max(replicas, 1)):
        name, body = body_for(index)
        body = with_replicas(body, replicas)
        group = live.groups.get(name)
        if group is None:
            if replicas > 0:
                changes.append(Change(Action.CREATE, GROUP, name, service, payload=[put(name, body)]))
            continue
        if not owned(tags_of(group), app.name):
            raise not_ours(name, resource_group, tags_of(group), app.name)
        steps: list[Step] = []
        if replicas == 0 and not is_stopped(group):
            steps.append(Step(stop_group, (name,), on=f"container group {name}"))
        if replicas > 0 and is_stopped(group):
            steps.append(Step(start_group, (name,), on=f"container group {name}"))
        if tags_of(group).get(REPLICAS_TAG) != count:
            steps.append(Step(tag_group, (name, {**tags_of(group), REPLICAS_TAG: count}),
                              on=f"container group {name}"))
        if steps:
            changes.append(Change(Action.UPDATE, GROUP, name, service, ["replicas"], payload=steps))
    for index in sorted(by_index, reverse=True):
        if index >= max(replicas, 1):
            name = by_index[index][0]
            changes.append(Change(Action.DELETE, GROUP, name, service, reason=f"scaled to {replicas}",
                                  payload=[delete(name)]))
    return changes

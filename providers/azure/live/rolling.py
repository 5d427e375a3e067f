"""Rolling updates on ACI: a service's container groups (one per replica) move to a new revision one
at a time, by the core's rule (:mod:`cloudorch.live.rollout`).

ACI has no rollout of its own: a PUT to a group restarts every container of it. So a change to a
group that runs now is one step, :func:`roll_group`: PUT the new body (or delete and create it, for
what ACI cannot change in place), bring the service's A record set in step with the groups' private
IPs (a group can get a new IP when it starts again), then read the group until it has run healthy
for the stable time. The engine applies a service's group changes in order and stops at the first
failure, so group ``i+1`` is only touched once group ``i`` serves the new revision.

When the new revision fails on a group (crash loop, image pull, provisioning failed), that group is
PUT back to the previous revision: the live group's definition as ARM returned it at plan time, with
the secret values read now from the sources the new body names (ARM never returns them), tagged
``cloudorch-failed-revision`` (the new body's revision) and ``cloudorch-failed-reason``. Status then
reports the service FAILED ("new revision ... failed ...; the previous revision is serving") for as
long as the spec asks for that revision; the next PUT of any other revision clears the tags.

Limits: a group whose live definition cannot be rebuilt (a secure value or registry password the
new body does not name) is not put back (the error says so); a secret whose value changed in the
same update is restored with its new value; a service with one replica is down while its only group
restarts, as with any ACI update.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudorch.live.health import Facts
from cloudorch.live.rollout import Replica, roll_replica
from cloudorch_providers.azure.live.apply import Context, delete_group, put_group
from cloudorch_providers.azure.live.compare import revision

FAILED_TAG = "cloudorch-failed-revision"
FAILED_REASON_TAG = "cloudorch-failed-reason"
MAX_TAG_VALUE = 256  # ARM: a tag value holds at most 256 characters


def previous_body(live: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
    """The PUT body that brings group ``live`` back as it is now (read-only properties dropped),
    secure values and registry passwords taken from ``body``'s placeholders of the same names; None
    when one is missing there."""
    from azure.mgmt.containerinstance.models import ContainerGroup

    previous = ContainerGroup.deserialize(live).serialize()  # drops what ARM computes (ids, views, states)
    for key in ("id", "name", "type"):
        previous.pop(key, None)
    (previous.get("properties") or {}).get("ipAddress", {}).pop("ip", None)  # ARM assigns it
    wanted = {c["name"]: {v["name"]: v for v in (c.get("properties") or {}).get("environmentVariables") or []}
              for c in (body.get("properties") or {}).get("containers") or []}
    props = previous.get("properties") or {}
    for container in props.get("containers") or []:
        for variable in (container.get("properties") or {}).get("environmentVariables") or []:
            if "value" in variable or "secureValue" in variable:
                continue
            source = wanted.get(container["name"], {}).get(variable["name"], {})
            if "secureValue" not in source:
                return None
            variable["secureValue"] = source["secureValue"]
    passwords = {c.get("server"): c.get("password")
                 for c in (body.get("properties") or {}).get("imageRegistryCredentials") or []}
    for credential in props.get("imageRegistryCredentials") or []:
        if not credential.get("password"):
            if not passwords.get(credential.get("server")):
                return None
            credential["password"] = passwords[credential["server"]]
    return previous


def group_facts(group: dict[str, Any] | None) -> Facts:
    """One group as one replica, in the kit's terms."""
    from cloudorch_providers.azure.live.status import group_phase

    if group is None:
        return Facts(desired=1, waiting="the container group is gone")
    phase, reason = group_phase(group)
    return Facts(desired=1, running=int(phase == "running"), failures=[reason] if phase == "failed" else [],
                 failed=int(phase == "failed"), pending=int(phase in ("pending", "progressing")),
                 rolling=phase == "progressing")


def is_serving(group: dict[str, Any]) -> bool:
    """The group runs now (so an update of it is rolled, and put back when it fails)."""
    from cloudorch_providers.azure.live.status import group_phase

    return group_phase(group)[0] == "running"


def _main_image(group: dict[str, Any], service: str) -> str:
    containers = (group.get("properties") or {}).get("containers") or []
    main = next((c for c in containers if c.get("name") == service), containers[0] if containers else {})
    return (main.get("properties") or {}).get("image", "?")


def _serving(ctx: Context, service: str) -> str:
    from cloudorch_providers.azure.live.state import read_live, replica_of
    from cloudorch_providers.azure.live.status import group_phase

    live = read_live(ctx.az, ctx.resource_group, ctx.app, services=[service])
    groups = sorted(live.owned_groups(ctx.app, [service]).values(), key=replica_of)
    running = [g for g in groups if group_phase(g)[0] == "running"]
    shown = ", ".join(f"{g['name']} ({_main_image(g, service)}, {group_phase(g)[0]})" for g in groups)
    return f"{len(running)} of {len(groups)} container groups of service {service} run: {shown or 'none'}"


def roll_group(ctx: Context, name: str, service: str, body: dict[str, Any], previous: dict[str, Any] | None,
               replace: bool, stable: float, record: tuple | None = None) -> None:
    """One group to the new revision, put back to ``previous`` when it fails there (module docstring).
    ``replace``: ACI cannot make the change in place (delete, then create; the same to put it back);
    ``record``: the service's A record set ``(zone, service, count, markers)`` in the private network."""
    from cloudorch_providers.azure.live.network import sync_record
    from cloudorch_providers.azure.live.state import get_group

    new = revision(body)

    def put(definition: dict[str, Any]) -> None:
        if replace:
            delete_group(ctx, name)
        put_group(ctx, name, definition)
        if record is not None:
            sync_record(ctx, *record)

    def restore() -> None:
        why = _last_failure(ctx, name)
        tagged = copy.deepcopy(previous)
        tagged["tags"] = {**(tagged.get("tags") or {}), FAILED_TAG: new, FAILED_REASON_TAG: why[:MAX_TAG_VALUE]}
        put(tagged)

    replica = Replica(f"container group {name}", update=lambda: put(body),
                      restore=restore if previous is not None else None,
                      read=lambda: group_facts(get_group(ctx.az, ctx.resource_group, name)),
                      serving=lambda: _serving(ctx, service))
    roll_replica(replica, ctx.deadline, stable=stable, interval=min(1.0, stable / 3),
                 revision=f"new revision {new}")


def _last_failure(ctx: Context, name: str) -> str:
    from cloudorch_providers.azure.live.state import get_group
    from cloudorch_providers.azure.live.status import group_phase

    group = get_group(ctx.az, ctx.resource_group, name)
    return (group_phase(group)[1] if group is not None else "") or "it did not run"

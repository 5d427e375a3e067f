"""The resource group: created when missing, shared by apps, deleted by the last app that owns it.

Ownership is by tags, never by name. The app that creates the group tags it with the markers
(``cloudorch-app: APP``, ``managed-by: cloudorch``). Another cloudorch app deploying into a group
that carries ``managed-by: cloudorch`` joins as a co-owner (tag ``cloudorch-app.APP: owner``, a PATCH
of the tags that touches nothing else); a group without ``managed-by: cloudorch`` is the user's and is
never tagged or deleted. ``destroy`` of an owner deletes the group only when that app is its last
owner and nothing else is left in it; otherwise it removes only its own ownership tag (``release``)
and keeps the group.
"""

from __future__ import annotations

from typing import Any

from cloudorch.errors import ProviderError
from cloudorch.live.plan import Step
from cloudorch.provider import Action, Change, Provider

OWNER, TOOL, TOOL_VALUE = Provider.ownership.owner_key, Provider.ownership.tool_key, Provider.ownership.tool_value
CO_OWNER_PREFIX = f"{OWNER}."
RESOURCE_GROUP = "ResourceGroup"


def owners(tags: dict[str, str] | None) -> list[str]:
    """The cloudorch apps that own a resource group with these tags (none when not cloudorch's)."""
    tags = tags or {}
    if tags.get(TOOL) != TOOL_VALUE:
        return []
    found = [tags[OWNER]] if tags.get(OWNER) else []
    found += [key[len(CO_OWNER_PREFIX):] for key, value in tags.items()
              if key.startswith(CO_OWNER_PREFIX) and value == "owner"]
    return sorted(set(found))


def joined(tags: dict[str, str], app: str) -> dict[str, str]:
    return {**tags, f"{CO_OWNER_PREFIX}{app}": "owner"}


def released(tags: dict[str, str], app: str) -> dict[str, str]:
    """The tags without ``app``'s ownership; the creator's marker passes to a co-owner."""
    tags = {k: v for k, v in tags.items() if k != f"{CO_OWNER_PREFIX}{app}"}
    if tags.get(OWNER) == app:
        rest = [o for o in owners(tags) if o != app]
        tags[OWNER] = rest[0]
        tags.pop(f"{CO_OWNER_PREFIX}{rest[0]}", None)
    return tags


def deploy_change(app: str, name: str, location: str, markers: dict[str, str],
                  group: dict[str, Any] | None) -> Change:
    if group is None:
        return Change(Action.CREATE, RESOURCE_GROUP, name, reason="it does not exist",
                      payload=[create_step(name, location, markers)])
    tags = group.get("tags") or {}
    if tags.get(TOOL) == TOOL_VALUE and app not in owners(tags):
        return Change(Action.UPDATE, RESOURCE_GROUP, name, fields=["tags"],
                      reason=f"shared with cloudorch app(s) {', '.join(owners(tags))}: this app becomes a co-owner",
                      payload=[Step(retag, (name, app, "join"), on=f"resource group {name}")])
    return Change(Action.NOOP, RESOURCE_GROUP, name)


def destroy_change(app: str, name: str, group: dict[str, Any] | None, others: list[str]) -> Change | None:
    if group is None:
        return None
    tags = group.get("tags") or {}
    mine = owners(tags)
    if app not in mine:
        return Change(Action.NOOP, RESOURCE_GROUP, name, reason="kept: not created by cloudorch for this app")
    co_owners = [o for o in mine if o != app]
    if co_owners:
        return Change(Action.UPDATE, RESOURCE_GROUP, name, fields=["tags"],
                      reason=f"kept: also owned by cloudorch app(s) {', '.join(co_owners)}; only this app's ownership "
                      "tag is removed", payload=[Step(retag, (name, app, "release"), on=f"resource group {name}")])
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return Change(Action.NOOP, RESOURCE_GROUP, name,
                      reason=f"kept: it also holds {len(others)} resources not managed by app {app!r} ({shown})")
    return Change(Action.DELETE, RESOURCE_GROUP, name,
                  reason="created by cloudorch for this app and empty once its groups are gone",
                  payload=[Step(delete_resource_group, (name,), on=f"resource group {name}")])


def create_step(name: str, location: str, markers: dict[str, str]) -> Step:
    return Step(create_resource_group, (name, location, dict(markers)), on=f"resource group {name}")


def retag(ctx, name: str, app: str, how: str) -> None:
    """Join or release ``app``'s ownership, on the group's tags as they are now (PATCH of tags only)."""
    from cloudorch_providers.azure.live.clients import azure_errors

    with azure_errors(f"tagging resource group {name}"):
        groups = ctx.az.resources.resource_groups
        tags = dict(groups.get(name).tags or {})
        if how == "join" and app not in owners(tags):
            groups.update(name, {"tags": joined(tags, app)})
        elif how == "release" and app in owners(tags) and len(owners(tags)) > 1:
            groups.update(name, {"tags": released(tags, app)})


def create_resource_group(ctx, name: str, location: str, tags: dict[str, str]) -> None:
    from cloudorch_providers.azure.live.clients import azure_errors

    with azure_errors(f"creating resource group {name}"):
        ctx.deadline.check(f"creating resource group {name}")
        groups = ctx.az.resources.resource_groups
        if groups.check_existence(name):
            return  # created meanwhile (by someone else, perhaps): never retag it
        groups.create_or_update(name, {"location": location, "tags": tags})


def delete_resource_group(ctx, name: str) -> None:
    """Delete the group, after checking again that no other app owns it and nothing else is in it."""
    from azure.core.exceptions import HttpResponseError

    from cloudorch_providers.azure.live.clients import azure_errors, is_not_found
    from cloudorch_providers.azure.live.state import other_resources, read_resource_group

    found = read_resource_group(ctx.az, name)
    if found is None:
        return
    if [o for o in owners(found["tags"]) if o != ctx.app]:  # another app joined since the plan: it keeps it
        retag(ctx, name, ctx.app, "release")
        return
    others = other_resources(ctx.az, name, ctx.app)
    if others:
        raise ProviderError(f"kept resource group {name}: it now holds {len(others)} resources not managed by app "
                            f"{ctx.app!r} ({', '.join(others[:3])}); delete them first or keep the group")
    doing = f"deleting resource group {name}"
    with azure_errors(doing):
        ctx.deadline.check(doing)
        try:
            ctx.az.wait(ctx.az.resources.resource_groups.begin_delete(name), doing, ctx.deadline)
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

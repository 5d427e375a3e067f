"""Ownership: the markers every resource cloudorch creates carries, and the "not ours" refusal.

A resource is *ours* (this app's) when it carries both markers: the owner marker with the app's name
and the tool marker. Where the markers live is the provider's business (ECS tags, ARM tags,
Kubernetes labels); their keys come from one :class:`Markers` value, declared once on the provider
class (``Provider.ownership``) and used by rendering, planning and status alike::

    class MyProvider(Provider):
        ownership = Markers(owner_key="example.com/app", tool_key="example.com/managed-by")

    tags = self.ownership.tags(app)                   # what to put on a new resource
    if not self.ownership.owns(live_tags, app):        # a same-named resource that is not ours
        raise self.ownership.not_ours("ECS service", "shop-web", live_tags, app,
                                      where="in cluster shop")

The rule is "refuse, never adopt": a same-named resource without this app's markers is never
changed or deleted, and planning stops with one line naming it and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cloudorch.errors import ProviderError

#: the default marker keys (providers whose cloud restricts key syntax declare their own)
OWNER_KEY = "cloudorch-app"
TOOL_KEY = "managed-by"
TOOL_VALUE = "cloudorch"
DEFAULT_FIX = "rename the app or service, or remove that resource yourself"


class NotOurs(ProviderError):
    """A same-named resource exists without this app's ownership markers (exit 1: nothing changed)."""


@dataclass(frozen=True)
class Markers:
    owner_key: str = OWNER_KEY
    tool_key: str = TOOL_KEY
    tool_value: str = TOOL_VALUE

    def tags(self, app: str) -> dict[str, str]:
        """The markers a resource of ``app`` carries: ``{owner_key: app, tool_key: tool_value}``."""
        return {self.owner_key: app, self.tool_key: self.tool_value}

    def owner(self, tags: Mapping[str, str] | None) -> str | None:
        """The app named by ``tags`` when they carry both markers (None: not cloudorch's)."""
        tags = tags or {}
        if tags.get(self.tool_key) != self.tool_value:
            return None
        return tags.get(self.owner_key) or None

    def owns(self, tags: Mapping[str, str] | None, app: str) -> bool:
        """Whether ``tags`` carry both markers for ``app``."""
        return self.owner(tags) == app

    def selector(self, app: str) -> str:
        """``owner=app,tool=cloudorch``: a label selector / tag filter in the common ``k=v,k=v`` form."""
        return ",".join(f"{k}={v}" for k, v in self.tags(app).items())

    def why_not(self, tags: Mapping[str, str] | None, app: str) -> str:
        """Why ``tags`` do not make a resource ``app``'s (for messages)."""
        other = (tags or {}).get(self.owner_key)
        if other and other != app:
            return f"it belongs to cloudorch app {other!r}"
        return f"it has no {self.owner_key}={app} / {self.tool_key}={self.tool_value} markers"

    def not_ours(self, kind: str, name: str, tags: Mapping[str, str] | None, app: str, *, where: str = "",
                 fix: str = DEFAULT_FIX) -> NotOurs:
        """The one-line refusal for a same-named resource that is not ``app``'s."""
        place = f" {where}" if where else ""
        return NotOurs(f"{kind} {name}{place} exists but is not managed by cloudorch for app {app!r} "
                       f"({self.why_not(tags, app)}); refusing to adopt or change it: {fix}")

    def ensure(self, kind: str, name: str, tags: Mapping[str, str] | None, app: str, *, where: str = "",
               fix: str = DEFAULT_FIX) -> None:
        """Raise :class:`NotOurs` unless ``tags`` carry ``app``'s markers."""
        if not self.owns(tags, app):
            raise self.not_ours(kind, name, tags, app, where=where, fix=fix)

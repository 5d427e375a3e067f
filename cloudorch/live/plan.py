"""Planning: typed steps, the create / update / no-op decision, the orphan sweep and the destroy
order, written once for every provider.

A :class:`Step` is one real call: a callable, what it acts on, and its arguments. A Change's
``payload`` is the list of its steps; ``apply`` runs them in order with :func:`run_steps`, passing
the per-call context (a client bound to the command's deadline) as leading arguments::

    def server_side_apply(kube, kind, name, namespace, body): ...      # the provider's own call

    builder = PlanBuilder(app.name, "kubernetes", markers)
    builder.resource("Deployment", "web", "web", live=live_obj, tags=labels_of(live_obj),
                     create=[Step(server_side_apply, ("Deployment", "web", ns, body), on="Deployment web")],
                     fields=lambda: differences(body, live_obj),
                     update=lambda fields: [Step(server_side_apply, ("Deployment", "web", ns, body))],
                     where=f"in namespace {ns}")
    builder.sweep(owned, rendered={("Deployment", "web")}, delete=delete_steps, order=("HPA", "Service"))
    plan = builder.build()
    ...
    run_steps(change, kube.bound(deadline))                 # in apply(change, deadline=...)

- :meth:`PlanBuilder.resource`: no live resource -> CREATE; a live one without the app's markers ->
  refused (:class:`~cloudorch.live.ownership.NotOurs`, nothing planned); differing fields -> UPDATE
  (listing them); else NOOP.
- :meth:`PlanBuilder.sweep`: the resources carrying the app's markers that the spec no longer
  renders become DELETEs, per service in ``order`` (dependants first: an autoscaler before its
  target), with the reason ("its service is no longer in the spec"...). ``destroy`` is the same
  sweep with nothing rendered.
- :meth:`PlanBuilder.container`: an app-wide resource that holds others (namespace, cluster,
  resource group) is deleted only when it is ours and holds nothing that is not the app's; else it
  stays, with a NOOP saying why.
- :func:`destroy_order`: the engine deletes services in reverse start order (services no longer in
  the spec first), each service's changes in plan order, app-wide resources last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudorch.diff import field_diffs
from cloudorch.live.ownership import DEFAULT_FIX, Markers
from cloudorch.provider import Action, Change, FieldDiff, Plan
from cloudorch.secretmask import Mask
from cloudorch.spec.models import App

Key = tuple[str, str]  # (kind, name)


@dataclass(frozen=True)
class Step:
    """``call(*leading, *args, **kwargs)``: one real call, on ``on`` (for messages)."""

    call: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    on: str = ""

    def run(self, *leading: Any) -> Any:
        return self.call(*leading, *self.args, **self.kwargs)

    @property
    def name(self) -> str:
        return getattr(self.call, "__name__", None) or type(self.call).__name__

    def __str__(self) -> str:
        return f"{self.name} {self.on}".strip()


def run_steps(change: Change, *leading: Any) -> None:
    """Run a Change's steps in order (``leading``: the per-call context, e.g. a bound client)."""
    for step in change.payload or []:
        step.run(*leading)


@dataclass(frozen=True)
class Owned:
    """A live resource carrying the app's markers, as the orphan sweep sees it."""

    kind: str
    name: str
    service: str | None  # the spec service it belongs to (None: app-wide)
    obj: Any = None


class PlanBuilder:
    """Collects a plan's Changes (see the module docstring)."""

    def __init__(self, app: App, provider: str, markers: Markers, mask: Mask | None = None):
        self.app, self.provider, self.markers = app, provider, markers
        self.mask = mask or Mask.of(app)
        self.changes: list[Change] = []

    def add(self, action: Action, kind: str, name: str, service: str | None = None, steps: Sequence[Step] = (),
            fields: Sequence[str] = (), reason: str = "") -> Change:
        change = Change(action, kind, name, service, list(fields), reason, payload=list(steps))
        self.changes.append(change)
        return change

    def resource(self, kind: str, name: str, service: str | None, *, live: Any, tags: Mapping[str, str] | None,
                 create: Sequence[Step], fields: Callable[[], Sequence[str]],
                 update: Callable[[list[str]], Sequence[Step]], where: str = "", fix: str = DEFAULT_FIX,
                 reason: str = "", documents: Callable[[], tuple[Any, Any]] | None = None) -> Change:
        """The create / update / no-op decision for one rendered resource. ``documents`` gives the
        (desired, live) pair the update's values are shown from (:func:`cloudorch.diff.field_diffs`)."""
        if live is None:
            return self.add(Action.CREATE, kind, name, service, create, reason=reason)
        self.markers.ensure(kind, name, tags, self.app.name, where=where, fix=fix)
        differing = list(fields())
        if not differing:
            return self.add(Action.NOOP, kind, name, service)
        change = self.add(Action.UPDATE, kind, name, service, update(differing), differing, reason)
        if documents is not None:
            change.diff = self.values(kind, *documents())
        return change

    def values(self, kind: str, desired: Any, live: Any) -> list[FieldDiff]:
        """Each differing field's live and desired value, secrets masked."""
        return field_diffs(desired, live, self.mask, kind)

    def sweep(self, owned: Iterable[Owned], rendered: Iterable[Key], delete: Callable[[Owned], Sequence[Step]],
              order: Sequence[str] = (), reason: Callable[[Owned], str] | None = None,
              destroying: bool = False) -> None:
        """DELETE every owned resource not in ``rendered``, per service, kinds in ``order`` first."""
        rendered = set(rendered)
        rank = {kind: i for i, kind in enumerate(order)}
        orphans = [o for o in owned if (o.kind, o.name) not in rendered]
        for o in sorted(orphans, key=lambda o: (o.service or o.name, rank.get(o.kind, len(rank)), o.name)):
            why = ""
            if not destroying:
                if o.service is not None and o.service not in self.app.services:
                    why = "its service is no longer in the spec"
                else:
                    why = (reason(o) if reason else "") or "no longer rendered from the spec"
            self.add(Action.DELETE, o.kind, o.name, o.service, delete(o), reason=why)

    def container(self, kind: str, name: str, *, tags: Mapping[str, str] | None, others: Sequence[str],
                  delete: Sequence[Step], holds: str = "objects") -> None:
        """An app-wide resource holding others: DELETE when ours and holding nothing else; a NOOP
        saying why it stays when it holds what is not the app's; nothing when it is not ours."""
        if not self.markers.owns(tags, self.app.name):
            return
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            self.add(Action.NOOP, kind, name, None, reason=f"kept: it also holds {holds} that are not this app's "
                                                            f"({shown})")
        else:
            self.add(Action.DELETE, kind, name, None, delete)

    def build(self) -> Plan:
        return Plan(self.app.name, self.provider, list(self.changes))


def destroy_order(changes: Iterable[Change], app: App) -> list[Change]:
    """Services in reverse start order (services no longer in the spec first), each service's own
    changes in plan order, app-wide resources last."""
    rank = {name: i for i, wave in enumerate(app.order()) for name in wave}
    return sorted(changes, key=lambda c: (c.service is None, -rank.get(c.service or "", 10**6)))

"""A Swarm service's revisions, as the engine keeps them: its ``Spec`` (current) and ``PreviousSpec``
(the spec before the last update; Docker keeps no older one), so the history is at most two long and
the only revision a rollback can go to is ``previous``. Docker stamps the service's last update
(``UpdatedAt``), not when the previous spec was applied, so that revision has no time.

A rollback updates the service to its PreviousSpec (what ``docker service rollback`` does: afterwards
the spec rolled back from becomes the previous one), under the service's own update settings. Sidecar
services are left as they are: each has a PreviousSpec of its own, from whichever update last changed
it. The spec is unchanged, so ``plan`` shows the drift and ``deploy`` restores it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cloudorch.provider import Revision
from cloudorch_providers.swarm.live.plan import project


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    head, _, rest = text.rstrip("Z").partition(".")  # Docker writes nanoseconds
    return dt.datetime.fromisoformat(head + (f".{rest[:6]}" if rest else "")).replace(tzinfo=dt.UTC)


def _image(spec: dict[str, Any]) -> str:
    return ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", "")


def revisions(service: dict[str, Any]) -> list[Revision]:
    """``previous`` (when the service has been updated) and ``current``, oldest first."""
    found = []
    previous = service.get("PreviousSpec")
    if previous:
        found.append(Revision("previous", None, _image(previous), False, document=project(previous),
                              payload=previous))
    spec = service["Spec"]
    found.append(Revision("current", _time(service.get("UpdatedAt") or service.get("CreatedAt")), _image(spec),
                          True, document=project(spec), payload=spec))
    return found

"""Why a Kubernetes service is not healthy, said in the app's terms: which spec secret a pod waits for
and the command that stores it, and which revision still serves when a new one failed.

- A container in ``CreateContainerConfigError`` carries the kubelet's message (``secret "shop-secrets" not
  found``, ``couldn't find key database-url in Secret webshop/shop-secrets``); the spec secrets kept there
  are named, with ``cloudorch secrets set -f SPEC -p PROVIDER NAME``.
- A rollout whose new ReplicaSet crash-loops or passes its progress deadline leaves the old ReplicaSet's
  pods serving (maxUnavailable keeps them): the message says the new revision failed, why, and which
  revision (image) serves now, or that none does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REVISION = "deployment.kubernetes.io/revision"
_NO_SECRET = re.compile(r'^secret "([^"]+)" not found$')
_NO_KEY = re.compile(r"^couldn't find key (\S+) in Secret ([^/\s]+)/(\S+)$")


@dataclass
class SecretIndex:
    """Where the spec's secrets live: ``(Secret, key) -> spec secret`` and the fix command's prefix."""

    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    fix: str = "cloudorch secrets set"

    def explain(self, message: str) -> str | None:
        """The spec secrets a kubelet config error is about, with the command that stores them."""
        names: list[str] = []
        where = ""
        if found := _NO_SECRET.match(message or ""):
            secret = found.group(1)
            names = sorted(n for (s, _), n in self.keys.items() if s == secret)
            where = f"Secret {secret} does not exist"
        elif found := _NO_KEY.match(message or ""):
            key, secret = found.group(1), found.group(3)
            names = [n for (s, k), n in self.keys.items() if (s, k) == (secret, key)]
            where = f"Secret {found.group(2)}/{secret} has no key {key}"
        if not names:
            return None
        commands = " and ".join(f"`{self.fix} {n}`" for n in names)
        plural = "s" if len(names) > 1 else ""
        them = "them" if plural else "it"
        return f"secret{plural} {', '.join(names)} missing ({where}): store {them} with {commands}"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def revision(obj: dict[str, Any]) -> int:
    try:
        return int((_meta(obj).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def image_of(rs: dict[str, Any], container: str) -> str:
    containers = (((rs.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or [{}]
    return next((c for c in containers if c.get("name") == container), containers[0]).get("image", "")


def serving(replicasets: list[dict[str, Any]], current: dict[str, Any] | None, ready: dict[str, int],
            container: str) -> str:
    """What serves while the current ReplicaSet fails: the newest older revision with ready pods."""
    older = [rs for rs in replicasets if current is None or _meta(rs).get("uid") != _meta(current).get("uid")]
    up = [rs for rs in older if ready.get(_meta(rs).get("uid", ""), 0) > 0]
    if not up:
        return "no earlier revision is serving"
    best = max(up, key=revision)
    count = ready[_meta(best).get("uid", "")]
    return f"revision {revision(best)} ({image_of(best, container)}) still serves with {count} ready"


def new_revision_failed(current: dict[str, Any] | None, replicasets: list[dict[str, Any]], ready: dict[str, int],
                        container: str, why: str, rolling: bool) -> str:
    """``why`` for a rollout's new revision, with what serves now; ``why`` alone on a first release or
    when no rollout is under way (the current revision failing long after it rolled out)."""
    if current is None or len(replicasets) < 2 or not rolling:
        return why
    return (f"new revision {revision(current)} ({image_of(current, container)}) failed: {why}; "
            f"{serving(replicasets, current, ready, container)}")

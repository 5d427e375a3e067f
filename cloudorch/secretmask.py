"""Masking secret values in what cloudorch shows (plan diffs, history): one rule for every provider.

A value is shown as :data:`MASK` when

- it sits under a key that holds secret material on some cloud: ``secureValue`` (Azure Container
  Instances' secure environment variables), ``data`` / ``stringData`` of a Kubernetes Secret, a
  registry ``password``;
- it is the value of an environment variable the spec fills from a secret (a ``secrets:`` entry), or
  one whose name looks like a secret (the names lint rule CO301 flags: ``*PASSWORD*``, ``*TOKEN*``,
  ``*_KEY``...), in any of the clouds' shapes: ``{name, value}`` entries (ECS, Kubernetes, ACI),
  ``NAME=value`` strings (Docker), plain mappings;
- it contains a value the provider read from a secret store (``values``): that part is masked.

The rule is applied to whole nested values too, so a changed env list shown as a block never shows a
secret either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MASK = "(secret)"
#: keys whose values are secret wherever they appear
SECRET_KEYS = frozenset({"secureValue", "password", "stringData"})
#: kinds whose ``data`` holds secret values
SECRET_KINDS = frozenset({"Secret"})
#: environment variable names that look like secrets (the names lint rule CO301 flags)
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                         r"CREDENTIALS?|_KEY$|^KEY$)", re.IGNORECASE)
_STEP = re.compile(r"\.|\[([^\]]*)\]")


@dataclass(frozen=True)
class Mask:
    """What to hide: env var names filled from secrets, and secret values read from a store."""

    names: frozenset[str] = frozenset()
    values: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, app: Any, values: Iterable[str] = ()) -> Mask:
        """The mask for an app: every env var any of its containers fills from a secret."""
        names: set[str] = set()
        for service in app.services.values():
            for container in (service, *service.sidecars):
                names |= set(container.secrets)
        return cls(frozenset(names), frozenset(v for v in values if v and len(v) >= 4))

    def secret_name(self, name: Any) -> bool:
        return isinstance(name, str) and (name in self.names or bool(SECRET_NAME.search(name)))

    # -- whole values ----------------------------------------------------------------------------
    def value(self, value: Any, kind: str = "") -> Any:
        """``value`` with every secret in it masked."""
        if isinstance(value, dict):
            named = self.secret_name(value.get("name"))
            out = {}
            for key, item in value.items():
                if key in SECRET_KEYS or (kind in SECRET_KINDS and key == "data") \
                        or (named and key in ("value", "secureValue")):
                    out[key] = MASK if item is not None else None
                elif kind not in SECRET_KINDS and isinstance(key, str) and self.secret_name(key) \
                        and isinstance(item, str):
                    out[key] = MASK
                else:
                    out[key] = self.value(item)
            return out
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, str):
            return self._string(value)
        return value

    def _string(self, text: str) -> str:
        name, sep, _ = text.partition("=")
        if sep and self.secret_name(name) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return f"{name}={MASK}"
        for secret in sorted(self.values, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    # -- one field at a path ---------------------------------------------------------------------
    def at(self, path: str, value: Any, kind: str = "") -> Any:
        """``value`` found at ``path`` (``containers[web].env[DB_PASSWORD].value``), masked."""
        if value is None:
            return None
        steps = [s for s in _STEP.split(path) if s]
        last = steps[-1] if steps else ""
        parent = steps[-2] if len(steps) > 1 else ""
        if last in SECRET_KEYS or (kind in SECRET_KINDS and "data" in steps):
            return MASK
        if last in ("value", "secureValue") and self.secret_name(parent):
            return MASK
        if self.secret_name(last) and isinstance(value, str):  # a plain mapping NAME: value, or env[NAME]
            return MASK
        return self.value(value, kind)

"""IDs that exist only once a resource does (the VPC, security group ids, load balancer, target
group and listener ARNs): rendered documents name them as ``${Kind:name}`` (see
:mod:`cloudorch_providers.aws.convert_network`); the live read and each create fill them in, and
apply replaces every reference just before the call."""

from __future__ import annotations

import re
import threading
from typing import Any

from cloudorch.errors import ProviderError

REF = re.compile(r"^\$\{([A-Za-z]+)(?::(.+))?\}$")


def key(kind: str, name: str | None = None) -> str:
    return f"{kind}:{name}" if name is not None else kind


class Refs:
    """A thread-safe map ``Kind:name`` -> live id, shared by one command's plan and apply."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def set(self, kind: str, name: str | None, value: str) -> None:
        with self._lock:
            self._ids[key(kind, name)] = value

    def get(self, kind: str, name: str | None = None) -> str | None:
        with self._lock:
            return self._ids.get(key(kind, name))

    def resolve(self, value: Any, *, strict: bool = False) -> Any:
        """``value`` with each known reference replaced; ``strict``: an unknown one is an error."""
        if isinstance(value, str):
            match = REF.match(value)
            if not match:
                return value
            found = self.get(match.group(1), match.group(2))
            if found is None and strict:
                raise ProviderError(f"{value} is not known: the resource it names was not created; "
                                    "run deploy again")
            return found if found is not None else value
        if isinstance(value, list):
            return [self.resolve(v, strict=strict) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, strict=strict) for k, v in value.items()}
        return value

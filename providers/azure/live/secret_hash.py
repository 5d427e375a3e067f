"""Seeing a changed secret value on Azure without ever storing it.

ARM never returns ``secureValue``, so a changed value (the same env var, a new value) is invisible
in the live group. cloudorch therefore tags each group that has secrets with
``cloudorch-secrets: v1:<salt>:<mac>``, where ``mac`` is HMAC-SHA256 keyed with ``salt`` (16 random
bytes drawn when the group is first written, kept across updates) over every placeholder of the
group and the value put in its place. ``plan`` reads the values from their sources, computes the
MAC with the live tag's salt and plans a full PUT when it differs, so the new value reaches the
app; an unchanged value changes nothing. The key is never the value, and the tag holds neither the
value nor an unkeyed digest of it; but the salt sits next to the MAC, so whoever may read the
group's tags can test guesses of a value offline: give secrets high entropy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

TAG = "cloudorch-secrets"
VERSION = "v1"


def _mac(values: dict[str, str], salt: bytes) -> str:
    message = json.dumps(sorted(values.items()), separators=(",", ":")).encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def _salt(tag: str | None) -> bytes | None:
    version, _, rest = (tag or "").partition(":")
    salt, _, _ = rest.partition(":")
    try:
        return bytes.fromhex(salt) if version == VERSION and len(salt) == 32 else None
    except ValueError:
        return None


def tag_value(values: dict[str, str], previous: str | None = None) -> str:
    """The tag for a group whose placeholders take ``values`` (keeping ``previous``'s salt)."""
    salt = _salt(previous) or os.urandom(16)
    return f"{VERSION}:{salt.hex()}:{_mac(values, salt)}"


def matches(values: dict[str, str], tag: str | None) -> bool:
    """Whether ``tag`` was made from exactly these values."""
    salt = _salt(tag)
    return salt is not None and hmac.compare_digest(tag, f"{VERSION}:{salt.hex()}:{_mac(values, salt)}")

"""Secret values at deploy time: read from the sources the spec names, put in place of the
placeholders that ``render`` wrote, just before a container group is sent.

Values live only in the bodies handed to the SDK and in :class:`SecretValues` (for redaction);
they never enter a plan, a Change, status, logs or an error message.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cloudorch.errors import ProviderError, SecretsMissing
from cloudorch.provider import MissingSecret
from cloudorch_providers.azure.secret_refs import SecretRef


def placeholders(body: Any) -> set[str]:
    """Every string in ``body`` that is one of the known placeholders' shape."""
    found: set[str] = set()
    if isinstance(body, dict):
        for value in body.values():
            found |= placeholders(value)
    elif isinstance(body, list):
        for value in body:
            found |= placeholders(value)
    elif isinstance(body, str) and body.startswith("<placeholder: "):
        found.add(body)
    return found


def substitute(body: Any, values: dict[str, str]) -> Any:
    """A copy of ``body`` with every placeholder replaced by its value."""
    if isinstance(body, dict):
        return {k: substitute(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [substitute(v, values) for v in body]
    if isinstance(body, str) and body in values:
        return values[body]
    return body


class SourceMissing(Exception):
    """A secret's source is not there now: ``problem`` says what is missing, ``fix`` what to do."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _read_env(secret: str, variable: str) -> str:
    value = os.environ.get(variable)
    if value is None:
        raise SourceMissing(f"environment variable {variable} is not set",
                            f"export {variable} before deploying (or map the secret elsewhere in "
                            f"providers.azure.secrets.{secret}); `cloudorch secrets list` shows every source")
    return value


def _read_file(secret: str, path: str) -> str:
    try:
        text = Path(path).expanduser().read_text()
    except OSError as exc:
        raise SourceMissing(f"cannot read file {path} ({exc.strerror or type(exc).__name__})",
                            f"write the value there or fix the path in providers.azure.secrets.{secret}") from None
    return text[:-1] if text.endswith("\n") else text


def read(ref: SecretRef) -> str:
    """The value of one placeholder, read now from its source."""
    source = ref.source
    if source.is_login:  # registry login: only the password is secret
        if source.password_env is not None:
            return _read_env(ref.secret, source.password_env)
        return _read_file(ref.secret, source.password_file)
    raw = _read_env(ref.secret, source.env) if source.env is not None else _read_file(ref.secret, source.file)
    if ref.part == "value":
        return raw
    username, colon, password = raw.partition(":")
    if not colon:
        raise ProviderError(f"secret {ref.secret} is an image_pull_secret and must hold username:password "
                            f"(read from {source.describe()}); it has no ':'")
    return username if ref.part == "username" else password


class SecretValues:
    """Resolved secret values for one command, read once per placeholder (thread-safe)."""

    def __init__(self, refs: dict[str, SecretRef], users: dict[str, list[str]] | None = None):
        self.refs = refs
        #: secret name -> the services that read it (named in errors)
        self.users = users or {}
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def resolve(self, wanted: Iterable[str]) -> dict[str, str]:
        """``placeholder -> value`` for ``wanted``; raises SecretsMissing (exit 4) naming the first
        missing secret, the services that use it and the fix."""
        with self._lock:
            for placeholder in sorted(set(wanted)):
                if placeholder in self._values:
                    continue
                ref = self.refs.get(placeholder)
                if ref is None:
                    raise ProviderError("a container group holds an unknown secret placeholder; "
                                        "render and deploy disagree (please report this)")
                try:
                    self._values[placeholder] = read(ref)
                except SourceMissing as exc:
                    raise SecretsMissing([self._missing(ref, exc)]) from None
            return {p: self._values[p] for p in wanted}

    def _missing(self, ref: SecretRef, exc: SourceMissing) -> MissingSecret:
        return MissingSecret(ref.secret, tuple(self.users.get(ref.secret) or ()), exc.problem, exc.fix)

    def missing(self, wanted: Iterable[str]) -> list[MissingSecret]:
        """The secrets among ``wanted`` placeholders whose source is missing now, one entry per secret
        (the values that can be read are kept for the deploy)."""
        found: dict[str, MissingSecret] = {}
        for placeholder in sorted(set(wanted)):
            try:
                self.resolve([placeholder])
            except SecretsMissing as exc:
                for item in exc.missing:
                    found.setdefault(item.secret, item)
        return list(found.values())

    def available(self, wanted: Iterable[str]) -> dict[str, str] | None:
        """Like :meth:`resolve`, but None instead of an error when a value cannot be read now."""
        try:
            return self.resolve(wanted)
        except (ProviderError, SecretsMissing):
            return None

    def known(self) -> list[str]:
        """Every value read so far (for redacting error messages)."""
        with self._lock:
            return list(self._values.values())

"""The library entry points the CLI is a thin layer over: open a spec, open a provider for it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudorch import registry
from cloudorch.provider import Provider
from cloudorch.spec import Spec, load_spec


@dataclass(frozen=True)
class SpecRef:
    """Where a spec comes from: one file or several merged in order, and the environment chosen."""

    files: tuple[str, ...]
    environment: str | None = None

    @property
    def file_options(self) -> str:
        """The options that read this spec again: ``-f A -f B [--env NAME]``."""
        return " ".join(f"-f {f}" for f in self.files) + (f" --env {self.environment}" if self.environment else "")

    def __str__(self) -> str:
        names = " + ".join(self.files)
        return f"{names} (environment {self.environment})" if self.environment else names


def open_spec(path: str | os.PathLike | SpecRef) -> Spec:
    """Load and validate a spec (one file, or a :class:`SpecRef`: several merged, an environment
    chosen); the keys under ``providers:`` are checked against the installed providers, and each
    block against its provider's settings."""
    if isinstance(path, SpecRef):
        return load_spec(list(path.files), providers=registry.names(), settings=_settings_model,
                         environment=path.environment)
    return load_spec(path, providers=registry.names(), settings=_settings_model)


def _settings_model(name: str):
    """The settings model of installed provider ``name`` (None when it cannot be loaded: the
    command that uses it reports why)."""
    if name not in registry.names():
        return None
    try:
        return registry.load(name).settings_model
    except Exception:  # noqa: BLE001 - a broken plugin is reported by the command that needs it
        return None


def open_provider(spec: Spec, name: str | None, *, live: bool = False, sandbox: bool = False,
                  overrides: Mapping[str, Any] | None = None) -> Provider:
    """An instance of provider ``name`` for ``spec``. ``live`` checks the SDK is installed (for
    operations that call the cloud); ``sandbox`` points it at the local emulators, starting
    them when they are not running."""
    cls = registry.load(name)
    sandbox_config = None
    if live:
        registry.require_sdk(cls)
        if sandbox:
            from cloudorch.sandbox.service import client_config

            sandbox_config = client_config(cls.name)
    return cls(spec, overrides=overrides, sandbox=sandbox_config)

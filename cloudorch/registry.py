"""Provider discovery through the entry-point group ``cloudorch.providers``.

Listing names imports nothing; ``load`` imports one provider's module (which imports no cloud
SDK); ``require_sdk`` checks, without importing them, that the live operations' SDKs are installed.
Our own providers register exactly as a third party's would.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from cloudorch.errors import ProviderUnavailable, UsageError

if TYPE_CHECKING:
    from cloudorch.provider import Provider

GROUP = "cloudorch.providers"


@cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        other = found.get(ep.name)
        if other is not None and other.value != ep.value:
            raise UsageError(
                f"provider {ep.name!r} is registered twice ({_origin(other)} and {_origin(ep)}); "
                "uninstall one of them"
            )
        found[ep.name] = ep
    return found


def _origin(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name if dist else '?'}: {ep.value}"


def refresh() -> None:
    """Forget the entry points read so far (after installing a plugin into a running process)."""
    _entry_points.cache_clear()


def names() -> list[str]:
    """Installed provider names, sorted. Imports no provider."""
    return sorted(_entry_points())


def load(name: str | None) -> type[Provider]:
    """The provider class registered as ``name``."""
    from cloudorch.provider import Provider

    available = names()
    if not name:
        raise UsageError(f"no provider given; pass -p/--provider ({'|'.join(available)}) "
                         "or set CLOUDORCH_PROVIDER")
    ep = _entry_points().get(name)
    if ep is None:
        aliases = _aliases()
        if name in aliases:
            return load(aliases[name])
        close = difflib.get_close_matches(name, available + list(aliases), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"unknown provider {name!r}{hint} (installed: {', '.join(available) or 'none'})")
    try:
        cls = ep.load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is reported in one line, never a traceback
        dist = getattr(ep, "dist", None)
        package = dist.name if dist else "its package"
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(exc, ImportError):
            why = f"{type(exc).__name__}: {why}"
        raise ProviderUnavailable(
            f"provider {name!r} cannot be loaded from {ep.value} ({why}); reinstall or uninstall {package}"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ProviderUnavailable(f"provider {name!r} ({ep.value}) is not a cloudorch Provider subclass")
    if cls.name != name:
        raise ProviderUnavailable(f"provider registered as {name!r} calls itself {cls.name!r}")
    return cls


def canonical(name: str) -> str:
    """The registered name for ``name`` or one of its aliases (``name`` itself when unknown)."""
    if name in _entry_points():
        return name
    return _aliases().get(name, name)


@cache
def _aliases() -> dict[str, str]:
    """Other names providers answer to (their ``aliases``), e.g. ``k8s``. Only read when a name is
    not a registered one, since it imports every provider module (which import no SDK)."""
    found: dict[str, str] = {}
    for name, ep in _entry_points().items():
        try:
            cls = ep.load()
        except Exception:  # noqa: BLE001 - a broken plugin has no aliases; `load` reports it by name
            continue
        for alias in getattr(cls, "aliases", ()):
            if alias not in _entry_points():
                found.setdefault(alias, name)
    return found


def _installed(module: str) -> bool:
    """Whether ``module`` (dotted) can be imported, found without importing it or its parents."""
    import importlib.machinery

    locations = None
    for part in module.split("."):
        spec = importlib.machinery.PathFinder.find_spec(part, locations)
        if spec is None:
            return False
        locations = spec.submodule_search_locations
    return True


def missing_sdk(cls: type[Provider]) -> list[str]:
    """The modules of ``cls.requires`` that are not installed (checked without importing them)."""
    return [module for module in cls.requires if not _installed(module)]


def require_sdk(cls: type[Provider]) -> None:
    """Raise a one-line install hint when the provider's SDK is missing."""
    missing = missing_sdk(cls)
    if missing:
        extra = cls.extra or cls.name
        raise ProviderUnavailable(
            f"provider {cls.name!r} needs: pip install 'cloudorch[{extra}]' (missing {', '.join(missing)})"
        )

"""Importing docker compose files as a cloudorch spec (``cloudorch import compose``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def run_import(paths: Sequence[str], name: str | None = None, profiles: Sequence[str] = (),
               environ: Mapping[str, str] | None = None):
    """Read and merge ``paths``, convert them; returns (spec YAML text, Report). The text is
    checked by the spec loader before it is returned, so it always validates."""
    from cloudorch.compose.convert import convert
    from cloudorch.compose.load import load_project
    from cloudorch.compose.write import spec_text

    project = load_project(list(paths), environ)
    spec, report = convert(project, name, tuple(profiles))
    return spec_text(spec, list(paths)), report

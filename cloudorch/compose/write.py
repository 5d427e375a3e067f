"""The imported spec as YAML text, checked by the spec loader before anyone sees it."""

from __future__ import annotations

from typing import Any

import yaml

from cloudorch.errors import SpecError


def spec_text(spec: dict[str, Any], sources: list[str]) -> str:
    body = yaml.safe_dump(spec, sort_keys=False, default_flow_style=False, width=1000, allow_unicode=True)
    text = (f"# Imported from {' + '.join(sources)} by `cloudorch import compose`.\n"
            f"# Read the import report: some keys changed meaning or did not carry over.\n{body}")
    from cloudorch.spec import parse_spec

    try:
        parse_spec(text, "<imported spec>", env={})
    except SpecError as exc:  # a defect of the import, not of the user's files
        raise RuntimeError(f"the imported spec does not validate: {exc}") from None
    return text

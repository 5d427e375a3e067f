"""The wheel's package list (pyproject.toml) names every package folder of the checkout, and the
repository's providers/ folder installs as ``cloudorch_providers``, never as a generic ``providers``."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _folders(top: str, name: str) -> set[str]:
    found = set()
    for init in (ROOT / top).rglob("*.py"):
        rel = init.parent.relative_to(ROOT / top)
        if "__pycache__" in rel.parts:
            continue
        found.add(".".join((name, *rel.parts)))
    return found


def test_every_package_folder_is_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert config["package-dir"] == {"cloudorch_providers": "providers"}
    expected = _folders("cloudorch", "cloudorch") | _folders("providers", "cloudorch_providers")
    assert expected - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert not any(p == "providers" or p.startswith("providers.") for p in listed)


def test_entry_points_name_the_installed_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for target in project["entry-points"]["cloudorch.providers"].values():
        assert target.startswith("cloudorch_providers."), target

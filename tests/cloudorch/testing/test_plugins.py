"""installed_plugin: a provider registered through a real entry point for the block, gone after it."""

from __future__ import annotations

from cloudorch import registry
from cloudorch.testing import installed_plugin

MODULE = """from cloudorch.testing.reference import ReferenceProvider


class Box(ReferenceProvider):
    name = "box"
"""


def test_the_plugin_is_listed_and_loaded_only_inside_the_block(tmp_path):
    assert "box" not in registry.names()
    with installed_plugin(tmp_path / "site", "acme-box", {"box": "acme_box:Box"}, {"acme_box": MODULE}):
        assert "box" in registry.names()
        assert registry.load("box").name == "box"
    assert "box" not in registry.names()

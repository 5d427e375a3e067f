"""Provider discovery: a third party's plugin is found through its entry point exactly like ours,
duplicates are refused, unknown names get a did-you-mean, a missing SDK an install hint."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cloudorch import registry
from cloudorch.errors import ProviderUnavailable, UsageError
from cloudorch.provider import Provider

PLUGIN = '''
from pydantic import BaseModel, ConfigDict

from cloudorch.provider import Capability, Document, FieldReport, Fit, Provider


class AcmeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: str = "acme-1"


class AcmeProvider(Provider):
    name = "acme"
    capabilities = frozenset({Capability.REPLICAS})
    settings_model = AcmeSettings
    requires = ("acme_sdk_that_is_not_installed",)
    extra = "acme"

    def render(self):
        return [Document("Box", f"{self.app.name}-{n}", {"zone": self.settings.zone, "image": s.image}, n)
                for n, s in self.app.services.items()]

    def validate(self):
        return [FieldReport(f"services.{n}.image", Fit.EXACT) for n in self.app.services]
'''


def make_plugin(root: Path, entry_name: str = "acme") -> Path:
    (root / "acme_cloud").mkdir(parents=True)
    (root / "acme_cloud" / "__init__.py").write_text(PLUGIN)
    info = root / "acme_cloud-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-cloud\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[cloudorch.providers]\n{entry_name} = acme_cloud:AcmeProvider\n")
    return root


def run_cli(args: list[str], pythonpath: Path, cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"})


def test_our_providers_are_registered_like_any_plugin():
    assert {"aws", "azure", "gcp", "kubernetes"} <= set(registry.names())
    for name in ("aws", "azure", "gcp", "kubernetes"):
        cls = registry.load(name)
        assert issubclass(cls, Provider) and cls.name == name


def test_third_party_plugin_is_discovered_and_renders(tmp_path):
    make_plugin(tmp_path / "site")
    spec = tmp_path / "app.yaml"
    spec.write_text("version: 1\nname: demo\nservices:\n  web:\n    image: nginx:1.27.2\n"
                    "providers:\n  acme: {zone: acme-9}\n")
    listed = run_cli(["providers", "-o", "json"], tmp_path / "site", tmp_path)
    assert listed.returncode == 0, listed.stderr
    acme = next(p for p in json.loads(listed.stdout) if p["name"] == "acme")
    assert acme["sdk"] == "pip install 'cloudorch[acme]'"
    rendered = run_cli(["render", "-f", str(spec), "-p", "acme", "-o", "json"], tmp_path / "site", tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert json.loads(rendered.stdout) == [
        {"kind": "Box", "name": "demo-web", "service": "web", "body": {"zone": "acme-9", "image": "nginx:1.27.2"}}
    ]


def test_a_plugin_claiming_a_taken_name_is_refused(tmp_path):
    make_plugin(tmp_path / "site", entry_name="aws")
    result = run_cli(["providers"], tmp_path / "site", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: provider 'aws' is registered twice (")
    assert "acme_cloud:AcmeProvider" in result.stderr and "uninstall one of them" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_provider_suggests_a_name():
    with pytest.raises(UsageError) as caught:
        registry.load("azur")
    assert str(caught.value).startswith("unknown provider 'azur'; did you mean 'azure'? (installed: ")


def test_no_provider_given():
    with pytest.raises(UsageError) as caught:
        registry.load(None)
    assert "pass -p/--provider" in str(caught.value) and "CLOUDORCH_PROVIDER" in str(caught.value)


def test_missing_sdk_gives_the_pip_command(tmp_path):
    sys.path.insert(0, str(make_plugin(tmp_path / "site")))
    try:
        import acme_cloud

        with pytest.raises(ProviderUnavailable) as caught:
            registry.require_sdk(acme_cloud.AcmeProvider)
        assert str(caught.value) == (
            "provider 'acme' needs: pip install 'cloudorch[acme]' (missing acme_sdk_that_is_not_installed)"
        )
    finally:
        sys.path.remove(str(tmp_path / "site"))
        sys.modules.pop("acme_cloud", None)


def test_listing_names_imports_no_provider():
    code = textwrap.dedent("""
        import sys
        from cloudorch import registry
        registry.names()
        print(sorted(m for m in sys.modules if m.startswith("providers")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

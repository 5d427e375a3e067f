"""`cloudorch import compose` on compose files of public projects: the report key by key and the
spec written (both compared with the expected files beside them), and the spec validates and
renders on every provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudorch import registry
from cloudorch.compose import run_import
from cloudorch.errors import SpecError
from cloudorch.session import open_provider
from cloudorch.spec import load_spec

FIXTURES = Path(__file__).parent / "fixtures"
CASES = {
    "gitea-postgres": ["compose.yaml"],
    "nginx-golang-postgres": ["compose.yaml"],
    "nginx-wsgi-flask": ["compose.yaml"],
    "pihole-cloudflared-DoH": ["compose.yaml"],
    "postgresql-pgadmin": ["compose.yaml"],
    "react-express-mysql": ["compose.yaml"],
    "example-voting-app": ["docker-compose.yml", "docker-compose.images.yml"],
    "example-voting-app-stack": ["docker-stack.yml"],
}
#: what a GKE deploy needs beyond the imported spec, given as a second -f file
GCP = "providers:\n  gcp: {project: acme-apps, location: us-central1, cluster: apps}\n"
#: what a provider refuses in an imported spec, by name (compose's host ports become `published`, so
#: two services' container port 80 on host ports 5000 and 5001 deploy everywhere)
SINGLE_ADDRESS = {
    ("pihole-cloudflared-DoH", "azure"): "a public udp port cannot be served in the app's private network",
}


def folder(case: str) -> Path:
    return FIXTURES / case.replace("-stack", "")


def imported(case: str, monkeypatch) -> tuple[str, object]:
    monkeypatch.chdir(folder(case))
    return run_import(CASES[case], environ={})


def check_text(path: Path, text: str, request) -> None:
    if request.config.getoption("--update-golden") or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"differs from {path.name} (pytest --update-golden rewrites it)"


@pytest.mark.parametrize("case", sorted(CASES))
def test_report_and_spec_are_as_expected(case, monkeypatch, request):
    text, report = imported(case, monkeypatch)
    suffix = "-stack" if case.endswith("-stack") else ""
    check_text(folder(case) / f"expected_report{suffix}.txt", "\n".join(report.lines()) + "\n", request)
    check_text(folder(case) / f"expected{suffix}.cloudorch.yaml", text, request)


@pytest.mark.parametrize("case", sorted(CASES))
def test_imported_spec_validates_and_renders_everywhere(case, monkeypatch, tmp_path):
    text, _ = imported(case, monkeypatch)
    (tmp_path / "cloudorch.yaml").write_text(text)
    (tmp_path / "gcp.yaml").write_text(GCP)
    spec = load_spec([tmp_path / "cloudorch.yaml", tmp_path / "gcp.yaml"], env={}, providers=registry.names())
    for name in registry.names():
        provider = open_provider(spec, name)
        if (case, name) in SINGLE_ADDRESS:
            with pytest.raises(SpecError, match=SINGLE_ADDRESS[case, name]):
                provider.validate()
            continue
        assert provider.validate(), name
        assert provider.render(), name

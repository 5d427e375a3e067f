"""Importing the Kubernetes and GKE providers, rendering and validating import no Kubernetes or
Google client (checked in a fresh interpreter, where nothing else has imported them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import cloudorch_providers.kubernetes.provider, providers.gcp.provider
from cloudorch.spec import load_spec
from cloudorch_providers.kubernetes.provider import KubernetesProvider
from cloudorch_providers.gcp.provider import GKEProvider
spec = load_spec(sys.argv[1], env={"LOG_LEVEL": "info"})
for cls in (KubernetesProvider, GKEProvider):
    p = cls(spec)
    assert p.render() and p.validate()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "google"))))
"""


def test_providers_import_no_client():
    proc = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "specs" / "examples" / "webshop.yaml")],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(proc.stdout) == []

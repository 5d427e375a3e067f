"""`--help`, `validate` and `render` import no cloud SDK (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WEBSHOP = str(ROOT / "specs" / "examples" / "webshop.yaml")
SDKS = ("boto3", "botocore", "azure", "google", "kubernetes", "moto", "msrest", "werkzeug")

PROBE = f"""
import json, sys
from cloudorch.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "sdks": sorted({{m.split('.')[0] for m in sys.modules}} & set({SDKS!r}))}}),
      file=sys.stderr)
"""


def run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "info"})
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["validate", "-f", WEBSHOP]]
    + [["validate", "-f", WEBSHOP, "-p", p] for p in ("aws", "azure", "gcp", "kubernetes")]
    + [["render", "-f", WEBSHOP, "-p", p] for p in ("aws", "azure", "gcp", "kubernetes")]
    + [["providers"], ["schema"]],
    ids=lambda a: " ".join(x for x in a if x != WEBSHOP),
)
def test_no_cloud_sdk_is_imported(args):
    result = run(*args)
    assert result == {"code": 0, "sdks": []}

"""The CLI's last line of defence: an internal error exits 70 with or without CLOUDORCH_DEBUG."""

from __future__ import annotations

import subprocess
import sys

import pytest

CRASH = """
import sys, types
import click
from cloudorch.cli import main as m
module = types.ModuleType("cloudorch.cli.crash")
@click.command()
def command():
    raise ZeroDivisionError("boom")
module.command = command
sys.modules[module.__name__] = module
m.COMMANDS["crash"] = "crash"
m.main(["crash"])
"""


@pytest.mark.parametrize("debug", ["", "1"])
def test_internal_error_exits_70_either_way(debug):
    run = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True,
                         env={"CLOUDORCH_DEBUG": debug, "PATH": "/usr/bin:/bin"}, timeout=60)
    assert run.returncode == 70, run.stderr
    if debug:
        assert "Traceback" in run.stderr and "ZeroDivisionError: boom" in run.stderr
    else:
        assert run.stderr.strip().splitlines() == [
            "internal error: ZeroDivisionError: boom (set CLOUDORCH_DEBUG=1 for a traceback)"]

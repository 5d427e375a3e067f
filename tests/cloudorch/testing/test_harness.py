"""Known gaps: a declared step is a strict expected failure (red once it passes), and a declaration
naming no step is an error. Checked by running pytest on a small suite in a temporary directory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SUITE = textwrap.dedent('''
    from cloudorch.testing.harness import ConformanceHarness


    class TestGaps(ConformanceHarness):
        provider = "none"
        known_gaps = {GAPS}

        def test_fails(self):
            assert False, "not there yet"

        def test_passes(self):
            pass
''')


def run_suite(tmp_path, gaps: dict[str, str]) -> str:
    (tmp_path / "test_suite.py").write_text(SUITE.replace("{GAPS}", repr(gaps)))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rxXs", "-p", "no:cacheprovider",
                             "test_suite.py"], cwd=tmp_path, capture_output=True, text=True)
    return result.stdout


def test_a_known_gap_is_an_expected_failure_with_its_reason(tmp_path):
    out = run_suite(tmp_path, {"test_fails": "the emulator lacks it"})
    assert "1 passed, 1 xfailed" in out, out
    assert "known gap on none: the emulator lacks it" in out


def test_a_step_that_passes_despite_its_declared_gap_fails_the_run(tmp_path):
    out = run_suite(tmp_path, {"test_fails": "x", "test_passes": "fixed since"})
    assert "1 failed, 1 xfailed" in out and "[XPASS(strict)]" in out, out


def test_a_declared_gap_naming_no_step_is_an_error(tmp_path):
    out = run_suite(tmp_path, {"test_typo": "x"})
    assert "TestGaps.known_gaps names no step: test_typo" in out and "2 errors" in out, out

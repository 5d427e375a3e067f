"""The live view of deploy, scale and destroy, in a real terminal (a pty) and as snapshots; Ctrl-C
and an unconfirmed destroy."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from cloudorch.cli.progress import LiveView
from cloudorch.provider import Action, AppStatus, Change, ServiceStatus, State
from cloudorch.spec import parse_spec
from tests.cloudorch.cli import slowbox

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB0-9]|\r")


class Terminal:
    """``cloudorch ARGS`` on a pseudo-terminal of ``columns`` columns; collects everything shown."""

    def __init__(self, site: Path, cwd: Path, args: list[str], columns: int = 100):
        self.master, slave = pty.openpty()
        env = {"PYTHONPATH": f"{site}{os.pathsep}{Path(__file__).resolve().parents[3]}", "PATH": "/usr/bin:/bin",
               "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40", "SLOWBOX_DELAY": "0.4"}
        code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], stdin=slave, stdout=slave, stderr=slave,
                                     cwd=cwd, env=env, close_fds=True)
        os.close(slave)
        self.raw = b""

    def read_until(self, pattern: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(pattern, self.text):
                return self.text
            if not self._read(0.2) and self.proc.poll() is not None:
                break
        raise AssertionError(f"{pattern!r} never shown; screen so far:\n{self.text}")

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.raw += chunk
        return bool(chunk)

    def finish(self, timeout: float = 30) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end and (self._read(0.2) or self.proc.poll() is None):
            pass
        while self._read(0.05):
            pass
        os.close(self.master)
        return self.proc.wait(5)

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))


@pytest.fixture()
def site(tmp_path):
    root = slowbox.install(tmp_path / "site")
    (tmp_path / "cloudorch.yaml").write_text(slowbox.SPEC)
    return root


def test_deploy_shows_one_view_from_the_first_second_and_a_full_summary(site, tmp_path):
    term = Terminal(site, tmp_path, ["-p", "sbx", "deploy"], columns=100)
    first = term.read_until(r"deploy shop on slowbox: (reading the spec|planning)", timeout=20)
    assert "wave" in term.read_until(r"wave +service")
    during = term.read_until(r"waiting for api")
    # finished services stay in the view while later waves are applied
    assert re.search(r"1 +db +HEALTHY +1/1", term.read_until(r"1 +db +HEALTHY")), during
    assert term.finish() == 0
    final = term.text
    summary = final[final.rindex("shop on slowbox: HEALTHY"):]
    for name in ("web", "api", "worker", "db"):
        assert re.search(rf"│ {name} +│ HEALTHY", summary), summary
    assert "applied 4 of 4 changes" in summary
    assert first


def test_the_title_never_claims_the_apps_state_while_deploying(site, tmp_path):
    term = Terminal(site, tmp_path, ["deploy", "-p", "slowbox"])
    term.read_until(r"waiting for web")
    assert term.finish() == 0
    frames = term.text.split("shop on slowbox: HEALTHY")[0]
    assert not re.search(r"deploy shop on slowbox: (HEALTHY|PROGRESSING|DEGRADED)", frames)


def test_ctrl_c_says_what_was_applied_and_exits_130(site, tmp_path):
    term = Terminal(site, tmp_path, ["deploy", "-p", "slowbox"])
    term.read_until(r"1 +db +(PROGRESSING|HEALTHY)")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    line = [x for x in term.text.splitlines() if x.startswith("interrupted")]
    assert len(line) == 1, term.text
    assert re.match(r"interrupted: deploy applied \d of 4 changes \(Box db", line[0]), line
    assert "not started: " in line[0] and "Box web" in line[0]
    assert line[0].endswith("nothing was deleted; run the same command again to resume")
    assert "Traceback" not in term.text and "aborted" not in term.text


def test_destroy_answered_no_exits_2_and_deletes_nothing(site, tmp_path):
    term = Terminal(site, tmp_path, ["destroy", "-p", "slowbox"])
    term.read_until(r"Delete these 4 resources\? \[y/N\]")
    term.send("n\n")
    assert term.finish() == 2
    assert "error: not confirmed; nothing was changed" in term.text


def test_ctrl_c_at_the_destroy_prompt_exits_130(site, tmp_path):
    term = Terminal(site, tmp_path, ["destroy", "-p", "slowbox"])
    term.read_until(r"Delete these 4 resources\?")
    term.proc.send_signal(signal.SIGINT)  # once, at once: the question never swallows it
    assert term.finish() == 130
    assert "interrupted" in term.text


def test_destroy_answered_yes_keeps_one_view_for_the_whole_command(site, tmp_path):
    term = Terminal(site, tmp_path, ["destroy", "-p", "slowbox"])
    term.read_until(r"Delete these 4 resources\? \[y/N\]")
    term.send("y\n")
    assert term.finish() == 0
    after = term.text.split("[y/N]")[1]
    assert "deleting 4 resources" in after and "shop on slowbox: deleted 4 resources" in after
    assert "reading the spec" not in after  # the view goes on; it did not start again


def test_destroy_without_a_terminal_is_one_run_of_progress_lines(site, tmp_path):
    env = {"PYTHONPATH": f"{site}{os.pathsep}{Path(__file__).resolve().parents[3]}", "PATH": "/usr/bin:/bin",
           "SLOWBOX_DELAY": "0.05"}
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "destroy", "-p", "slowbox", "--yes"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    stamps = [float(m.group(1)) for m in re.finditer(r"^\[ *(\d+\.\d)s\]", done.stderr, re.M)]
    assert done.stderr.count("reading the spec...") == 1, done.stderr
    assert stamps == sorted(stamps) and len(stamps) >= 3, done.stderr


def test_without_a_terminal_plain_progress_lines(site, tmp_path):
    env = {"PYTHONPATH": f"{site}{os.pathsep}{Path(__file__).resolve().parents[3]}", "PATH": "/usr/bin:/bin",
           "SLOWBOX_DELAY": "0.05"}
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "deploy", "-p", "slowbox"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert re.match(r"\[ +\d+\.\ds\] reading the spec\.\.\.$", lines[0])
    assert any(re.match(r"\[ +\d+\.\ds\] db: created Box db$", x) for x in lines), lines
    assert any(x.endswith("web: HEALTHY 2/2 running") for x in lines), lines
    assert "\x1b" not in done.stderr
    assert [r.split("│")[1].strip() for r in done.stdout.splitlines() if r.startswith("│")] == \
        ["web", "api", "worker", "db"]


def test_a_failed_deploy_prints_a_json_document_with_what_it_did(site, tmp_path):
    (tmp_path / "cloudorch.yaml").write_text(slowbox.SPEC.replace('api: {image: "nginx:1.27.2"',
                                                                  'api: {image: "acme/crash:1"'))
    env = {"PYTHONPATH": f"{site}{os.pathsep}{Path(__file__).resolve().parents[3]}", "PATH": "/usr/bin:/bin",
           "SLOWBOX_DELAY": "0.05"}
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "-o", "json", "deploy", "-p", "slowbox"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 4, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["exit_code"] == 4 and error["message"] == "service api failed: exited with code 1"
    assert sorted(c["name"] for c in error["applied"]) == ["api", "db", "worker"]  # api and worker: one wave
    assert [c["name"] for c in error["not_applied"]] == ["web"]
    # the status is the whole app's, not the last wave's
    states = {s["name"]: s["state"] for s in error["status"]["services"]}
    assert states.pop("worker") in ("PROGRESSING", "HEALTHY")  # api's wave-mate, still starting or up
    assert states == {"web": "MISSING", "api": "FAILED", "db": "HEALTHY"}
    assert error["status"]["state"] == "FAILED"


# -- snapshots of the view itself, at a fixed moment -------------------------------------------

def _view_at_a_moment() -> LiveView:
    spec = parse_spec(slowbox.SPEC, "shop.yaml", env={})
    now = [100.0]
    view = LiveView("deploy", console=Console(width=80, force_terminal=False), clock=lambda: now[0])
    view.set_app(spec.app, "kubernetes")
    view.set_phase("planning...")
    changes = [Change(Action.CREATE, "Deployment", n, n) for n in ("db", "api", "worker", "web")]
    view.begin([Change(Action.CREATE, "Namespace", "shop")] + changes)
    view.on_change(Change(Action.CREATE, "Namespace", "shop"), "done")
    view.on_change(changes[0], "start")
    now[0] = 103.0
    view.on_change(changes[0], "done")
    view.on_status(AppStatus("shop", "kubernetes", [ServiceStatus("db", State.HEALTHY, 1, 1)]))
    now[0] = 104.0
    view.on_change(changes[1], "start")
    view.on_change(changes[1], "done")
    now[0] = 107.5
    view.on_status(AppStatus("shop", "kubernetes", [
        ServiceStatus("api", State.PROGRESSING, 1, 0, message="rolling out: 0 of 1 updated, 0 available; "
                      "pod api-7d9f5c6b8-x2x9q pulling image ghcr.io/acme/shop-api:2.3.1")]))
    return view


SNAPSHOT_80 = """\
⠋ deploy shop on kubernetes: waiting for api to become healthy... 7s
  app-wide: created Namespace shop
wave  service  state        ready  time  step
   1  db       HEALTHY        1/1    3s  ready
   2  api      PROGRESSING    0/1    3s  rolling out: 0 of 1 updated, 0 availab…
   2  worker   -                -        after db
   3  web      -                -        after api
"""

STEP = ("rolling out: 0 of 1 updated, 0 available; "
        "pod api-7d9f5c6b8-x2x9q pulling image ghcr.io/acme/shop-api:2.3.1")
SNAPSHOT_160 = f"""\
⠋ deploy shop on kubernetes: waiting for api to become healthy... 7s
  app-wide: created Namespace shop
wave  service  state        ready  time  step
   1  db       HEALTHY        1/1    3s  ready
   2  api      PROGRESSING    0/1    3s  {STEP}
   2  worker   -                -        after db
   3  web      -                -        after api
"""


@pytest.mark.parametrize("width, expected", [(80, SNAPSHOT_80), (160, SNAPSHOT_160)])
def test_snapshot_of_the_view(width, expected):
    view = _view_at_a_moment()
    console = Console(width=width, record=True, force_terminal=False, color_system=None, file=open(os.devnull, "w"))
    console.print(view.render())
    shown = "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"
    assert shown == expected
    assert all(len(line) <= width for line in shown.splitlines())


def test_a_sandbox_started_for_a_provider_it_cannot_emulate_is_stopped_again(site, tmp_path):
    box = tmp_path / "box"
    env = {"PYTHONPATH": f"{site}{os.pathsep}{Path(__file__).resolve().parents[3]}", "PATH": "/usr/bin:/bin",
           "CLOUDORCH_SANDBOX_DIR": str(box), "HOME": str(tmp_path)}
    code = "import sys; from cloudorch.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "plan", "-p", "slowbox", "--sandbox"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180)
    assert done.returncode == 2, done.stderr
    assert "starting the sandbox" in done.stderr and "has no sandbox emulator" in done.stderr
    assert not (box / "state.json").exists(), "the sandbox it started is not left running"

"""A provider plugin for CLI tests run in a terminal: each change takes a moment and each service
becomes healthy a moment after it was applied, so the live view has something to show. It is
installed into a temporary site directory with an entry point, exactly as a third party's is."""

from __future__ import annotations

import textwrap
from pathlib import Path

PLUGIN = '''
import os
import time

from pydantic import BaseModel, ConfigDict

from cloudorch.provider import (Action, AppStatus, Capability, Change, Document, FieldReport, Fit, Plan,
                                Provider, ServiceStatus, State)

DELAY = float(os.environ.get("SLOWBOX_DELAY", "0.3"))
APPLIED = {}  # service -> time applied (one CLI run is one process)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: str = "box-1"


class SlowBox(Provider):
    name = "slowbox"
    aliases = ("sbx",)
    capabilities = frozenset({Capability.REPLICAS})
    settings_model = Settings

    def render(self):
        return [Document("Box", n, {"image": s.image}, n) for n, s in self.app.services.items()]

    def validate(self):
        return [FieldReport(f"services.{n}.image", Fit.EXACT) for n in self.app.services]

    def plan(self, *, deadline=None):
        return Plan(self.app.name, self.name,
                    [Change(Action.CREATE, "Box", n, n) for n in self.app.services])

    def apply(self, change, *, deadline=None):
        time.sleep(DELAY)
        APPLIED[change.service] = time.monotonic()

    def status(self, services=None, *, deadline=None):
        now = time.monotonic()
        out = []
        for name in services or list(self.app.services):
            want = self.app.services[name].desired_replicas
            at = APPLIED.get(name)
            if at is None:
                out.append(ServiceStatus(name, State.MISSING, desired=want))
            elif "crash" in self.app.services[name].image:
                out.append(ServiceStatus(name, State.FAILED, desired=want, message="exited with code 1"))
            elif now - at < 2 * DELAY:
                out.append(ServiceStatus(name, State.PROGRESSING, desired=want, message="starting"))
            else:
                out.append(ServiceStatus(name, State.HEALTHY, desired=want, running=want, image="box:1"))
        return AppStatus(self.app.name, self.name, out)

    def destroy_plan(self, *, deadline=None):
        return Plan(self.app.name, self.name, [Change(Action.DELETE, "Box", n, n) for n in self.app.services])
'''

SPEC = """\
version: 1
name: shop
services:
  web: {image: "nginx:1.27.2", depends_on: [api], replicas: 2}
  api: {image: "nginx:1.27.2", depends_on: [db]}
  worker: {image: "nginx:1.27.2", depends_on: [db]}
  db: {image: "redis:7.4.1"}
"""


def install(root: Path) -> Path:
    """A site directory holding the plugin and its entry point; put it on PYTHONPATH."""
    (root / "slowbox_cloud").mkdir(parents=True)
    (root / "slowbox_cloud" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    info = root / "slowbox_cloud-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slowbox-cloud\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[cloudorch.providers]\nslowbox = slowbox_cloud:SlowBox\n")
    return root

"""The Docker Swarm provider: the app on a swarm manager, one replicated service per spec service.

Offline half (this module imports no Docker SDK): ``render`` writes a Compose file that
``docker stack deploy -c`` takes (:mod:`.stack`) and ``validate`` reports how each feature maps
(:mod:`.fit`), after refusing what Docker would refuse (:mod:`.checks`). The live operations
(:mod:`.live`) speak the Engine API through the ``docker`` SDK, imported inside them.

Operations: scale and logs; autoscale is not declared (Swarm has no autoscaler: refused plainly).
Published ports, volumes, health checks, secrets, service discovery (names on the app's overlay
network) and rolling updates (start-first, rollback on failure) are Swarm's own; sidecars run as
companion services (Swarm has no pods): ``validate -p swarm`` says so per field.

Sandbox: a real private Docker engine (:mod:`.engine`) behind a counting proxy (:mod:`.emulator`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from cloudorch.errors import SpecError, SpecIssue
from cloudorch.provider import Capability, Document, FieldReport, Provider
from cloudorch.spec.fields import report
from cloudorch_providers.swarm.live.jobs import SwarmJobOperations
from cloudorch_providers.swarm.live.operations import SwarmLiveOperations
from cloudorch_providers.swarm.settings import SwarmSettings


class SwarmProvider(SwarmJobOperations, SwarmLiveOperations, Provider):
    """Docker Swarm: replicated services on one overlay network per app."""

    name = "swarm"
    extra = "swarm"
    requires = ("docker",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.REPLICAS, Capability.LOGS, Capability.JOBS})
    settings_model = SwarmSettings
    settings: SwarmSettings

    @classmethod
    def emulator(cls, **options: Any):
        """A private Docker engine (dockerd) behind a counting proxy; refused in one line without dockerd."""
        from cloudorch_providers.swarm.emulator import SwarmEmulator
        from cloudorch_providers.swarm.engine import INSTALL_HINT, EngineError, dockerd_path

        if dockerd_path() is None:
            raise EngineError(INSTALL_HINT)
        return SwarmEmulator(**options)

    def check(self) -> None:
        from cloudorch_providers.swarm import checks

        issues = []
        for path, message in checks.problems(self.app, self.settings, self.markers()):
            try:
                issues.append(self.spec.issue(path, message))
            except (KeyError, IndexError, TypeError):
                issues.append(SpecIssue(self.spec.path, 0, 0, ".".join(map(str, path)), message))
        if issues:
            raise SpecError(sorted(issues, key=lambda i: (i.line, i.col)))

    def render(self) -> list[Document]:
        from cloudorch_providers.swarm.stack import stack_file

        self.check()
        return [Document("stack", self.app.name, stack_file(self.app, self.settings, self.markers()))]

    def validate(self) -> list[FieldReport]:
        from cloudorch_providers.swarm.fit import fit_function

        self.check()
        from cloudorch_providers.swarm.fit_jobs import job_fit

        return report(self.app, fit_function(self.app, self.settings), job_fit)

"""Test support shipped with cloudorch, so third-party providers can run the same suite:
``InProcessSandbox`` (emulators served by the test process) and ``ProviderConformance``."""

from cloudorch.testing.conformance import ConformanceHooks, ProviderConformance
from cloudorch.testing.sandbox import InProcessSandbox

__all__ = ["ConformanceHooks", "InProcessSandbox", "ProviderConformance"]

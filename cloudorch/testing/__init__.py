"""The conformance kit, shipped with cloudorch so that a third party's provider runs the same suite
as ours: ``ProviderConformance`` (the steps), ``ConformanceHooks`` (what a provider's test module
supplies), ``InProcessSandbox`` (emulators served by the test process), ``installed_plugin`` (a
provider registered through a real entry point for the test session), and the reference provider
(``cloudorch.testing.reference``), a complete small provider that passes the kit."""

from cloudorch.testing.conformance import ProviderConformance
from cloudorch.testing.hooks import ConformanceHooks
from cloudorch.testing.plugins import installed_plugin
from cloudorch.testing.sandbox import InProcessSandbox

__all__ = ["ConformanceHooks", "InProcessSandbox", "ProviderConformance", "installed_plugin"]

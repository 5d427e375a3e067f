"""scale and autoscale: checked against the spec and the provider's capabilities before any call."""

from __future__ import annotations

from collections.abc import Mapping

from cloudorch.deadline import Deadline
from cloudorch.errors import Unsupported, UsageError
from cloudorch.provider import Capability, Provider
from cloudorch.spec.models import Autoscale


def _service(provider: Provider, name: str):
    service = provider.app.services.get(name)
    if service is None:
        raise UsageError(f"no service {name!r} in {provider.spec.path} "
                         f"(services: {', '.join(provider.app.services)})")
    return service


def set_replicas(provider: Provider, counts: Mapping[str, int], *, deadline: Deadline) -> None:
    """Set each service's replica count. An autoscaled service accepts counts within its bounds."""
    if Capability.REPLICAS not in provider.capabilities:
        raise Unsupported(f"provider {provider.name!r} cannot run more than one replica of a service")
    for name, count in counts.items():
        service = _service(provider, name)
        if count < 0:
            raise UsageError(f"{name}={count}: replicas cannot be negative")
        if service.autoscale and not service.autoscale.min <= count <= service.autoscale.max:
            raise UsageError(
                f"{name} is autoscaled between {service.autoscale.min} and {service.autoscale.max}; "
                f"scale within that range or change the bounds with `cloudorch autoscale {name} --min/--max`"
            )
    for name, count in counts.items():
        deadline.check(f"scaling {name} to {count}")
        provider.scale(name, count, deadline=deadline)


def set_autoscale(provider: Provider, service_name: str, policy: Autoscale | None, *,
                  deadline: Deadline) -> None:
    """Turn a service's autoscaler on (``policy``) or off (None)."""
    _service(provider, service_name)
    if Capability.AUTOSCALE not in provider.capabilities:
        raise Unsupported(
            f"provider {provider.name!r} has no native autoscaler; set a fixed count with "
            f"`cloudorch scale {service_name}=N`, or deploy to a provider that autoscales "
            "(see `cloudorch providers`)"
        )
    provider.autoscale(service_name, policy, deadline=deadline)

"""CPU and memory in ACI's units.

- Memory: the spec holds MiB; ACI takes ``memoryInGB`` in steps of 0.1 GB (Microsoft's own ACI
  virtual-kubelet provider, virtual-kubelet/azure-aci pkg/provider/aci.go, notes "ACI memory
  request must be times of 0.1 GB"). We read ACI's GB as GiB (1024 MiB), as Docker's ACI
  integration (docker/compose-cli ``bytesToGb``) converted; that virtual-kubelet provider divides
  bytes by 10^9 instead, so the unit is not settled and a container may get up to 7% less than
  its MiB if ACI means 10^9 bytes. We round UP to the next 0.1 GB, so rounding never takes memory
  away: ``512Mi`` -> 0.5, ``1Gi`` -> 1.0, but ``128Mi`` -> 0.2 (lossy: only multiples of 512Mi
  convert exactly).
- CPU: ACI takes ``cpu`` in steps of 0.01 vCPU (the same provider: "ACI CPU request must be times
  of 10m"); the spec's millicores are rounded UP to the next 0.01: ``250m`` -> 0.25 exactly,
  ``125m`` -> 0.13 (lossy).
- Limits equal requests: ACI's limit lets one container borrow from the group's total, which the
  spec has no way to say; equal limits give each container exactly what it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudorch.spec.models import Resources, Service
from cloudorch.spec.units import millicores


@dataclass(frozen=True)
class AciSize:
    centi_cpu: int  # hundredths of a vCPU
    tenths_gb: int  # tenths of a GB (GiB)
    cpu_exact: bool = True
    memory_exact: bool = True

    @property
    def cpu(self) -> float:
        return self.centi_cpu / 100

    @property
    def memory_gb(self) -> float:
        return self.tenths_gb / 10

    @property
    def exact(self) -> bool:
        return self.cpu_exact and self.memory_exact

    def __add__(self, other: AciSize) -> AciSize:
        return AciSize(self.centi_cpu + other.centi_cpu, self.tenths_gb + other.tenths_gb,
                       self.cpu_exact and other.cpu_exact, self.memory_exact and other.memory_exact)


def aci_size(resources: Resources) -> AciSize:
    milli = millicores(resources.cpu)
    centi = -(-milli // 10)
    tenths = -(-resources.memory * 10 // 1024)
    return AciSize(centi, tenths, cpu_exact=milli % 10 == 0, memory_exact=resources.memory * 10 % 1024 == 0)


def describe_rounding(resources: Resources, size: AciSize) -> list[str]:
    """What was rounded, with numbers, e.g. ``memory 128Mi -> 0.2 GB``."""
    parts = []
    if not size.cpu_exact:
        parts.append(f"cpu {millicores(resources.cpu)}m -> {size.cpu:g} vCPU (ACI steps of 0.01)")
    if not size.memory_exact:
        parts.append(f"memory {resources.memory}Mi -> {size.memory_gb:g} GB (ACI steps of 0.1 GB)")
    return parts


def resources_body(size: AciSize) -> dict:
    amounts = {"cpu": size.cpu, "memoryInGB": size.memory_gb}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def group_size(service: Service) -> AciSize:
    """What one of the service's container groups requests: the main container plus its sidecars."""
    total = aci_size(service.resources)
    for sidecar in service.sidecars:
        total = total + aci_size(sidecar.resources)
    return total

"""Task sizes: the spec's per-container cpu/memory summed into an ECS task-level size.

CPU units: 1 vCPU = 1024 units. The task needs the sum over the service and its sidecars, in units
(rounded up to a whole unit: ``0.25`` -> 256, ``100m`` -> 103) and MiB. A container's ``cpu`` share
is its own spec cpu in units rounded *down* (``100m`` -> 102), so that the shares never add up to
more than the task has (ECS refuses that).

Fargate accepts only these task sizes (CPU units: memory MiB); the task's need is rounded UP to
the smallest CPU tier that covers the cpu and has room for the memory, then to the smallest memory
step of that tier that covers the memory:

====== =======================================
256    512, 1024, 2048
512    1024 - 4096 in 1024 steps
1024   2048 - 8192 in 1024 steps
2048   4096 - 16384 in 1024 steps
4096   8192 - 30720 in 1024 steps
8192   16384 - 61440 in 4096 steps
16384  32768 - 122880 in 8192 steps
====== =======================================

A need above 16 vCPU or 120 GiB has no Fargate size (a SpecError at ``services.X.resources``).
On the EC2 launch type the task size is the exact sum (at least 128 CPU units, ECS's minimum
task-level cpu there; at most 192 vCPU).
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudorch.spec.models import Service
from cloudorch.spec.units import millicores

UNITS_PER_VCPU = 1024
FARGATE_TIERS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (256, (512, 1024, 2048)),
    (512, tuple(range(1024, 4096 + 1, 1024))),
    (1024, tuple(range(2048, 8192 + 1, 1024))),
    (2048, tuple(range(4096, 16384 + 1, 1024))),
    (4096, tuple(range(8192, 30720 + 1, 1024))),
    (8192, tuple(range(16384, 61440 + 1, 4096))),
    (16384, tuple(range(32768, 122880 + 1, 8192))),
)
FARGATE_MAX_CPU = FARGATE_TIERS[-1][0]
FARGATE_MAX_MEMORY = FARGATE_TIERS[-1][1][-1]
EC2_MIN_CPU = 128
EC2_MAX_CPU = 196608


def cpu_units(vcpus: float) -> int:
    """vCPUs -> CPU units, rounded up to a whole unit (exact for millicores)."""
    return -(-millicores(vcpus) * UNITS_PER_VCPU // 1000)


def cpu_share(vcpus: float) -> int:
    """A container's ``cpu``: vCPUs -> CPU units rounded down (at least 1)."""
    return max(1, millicores(vcpus) * UNITS_PER_VCPU // 1000)


def vcpu_text(units: int) -> str:
    return f"{units / UNITS_PER_VCPU:g} vCPU"


def need_text(total_millicores: int, units: int, memory: int) -> str:
    return f"{total_millicores / 1000:g} vCPU ({units} CPU units) and {memory} MiB"


@dataclass(frozen=True)
class TaskSize:
    """What the task needs (sum of its containers) and the task-level size rendered for it."""

    need_millicores: int
    need_cpu: int
    need_memory: int
    cpu: int
    memory: int

    @property
    def rounded(self) -> bool:
        return (self.cpu, self.memory) != (self.need_cpu, self.need_memory)

    def describe_need(self) -> str:
        return need_text(self.need_millicores, self.need_cpu, self.need_memory)

    def describe(self) -> str:
        return f"{vcpu_text(self.cpu)} ({self.cpu} CPU units) and {self.memory} MiB"


def task_need(service: Service) -> tuple[int, int, int]:
    """Millicores, CPU units and MiB the service's containers ask for together."""
    containers = [service, *service.sidecars]
    total = sum(millicores(c.resources.cpu) for c in containers)
    return total, cpu_units(total / 1000), sum(c.resources.memory for c in containers)


def fargate_size(need_cpu: int, need_memory: int) -> tuple[int, int] | None:
    """The smallest Fargate (cpu, memory) covering the need, or None when none does."""
    for cpu, memories in FARGATE_TIERS:
        if cpu < need_cpu or memories[-1] < need_memory:
            continue
        return cpu, next(m for m in memories if m >= need_memory)
    return None


def task_size(service: Service, launch_type: str) -> TaskSize | None:
    """The task-level size for ``service`` on ``launch_type``; None when the need is too large."""
    need = task_need(service)
    _, need_cpu, need_memory = need
    if launch_type == "FARGATE":
        size = fargate_size(need_cpu, need_memory)
        return TaskSize(*need, *size) if size else None
    if need_cpu > EC2_MAX_CPU:
        return None
    return TaskSize(*need, max(need_cpu, EC2_MIN_CPU), need_memory)


def too_large_message(service: Service, launch_type: str) -> str:
    need = need_text(*task_need(service))
    whose = "the service and its sidecars together need" if service.sidecars else "the service needs"
    if launch_type == "FARGATE":
        return (f"{whose} {need}; the largest Fargate task is "
                f"{vcpu_text(FARGATE_MAX_CPU)} with {FARGATE_MAX_MEMORY // 1024} GiB")
    return f"{whose} {need}; an ECS task on EC2 has at most {vcpu_text(EC2_MAX_CPU)}"

"""Fargate task sizes: every tier's bounds, rounding up, and the over-maximum error at file:line."""

from __future__ import annotations

import pytest

from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.spec import parse_spec
from cloudorch_providers.aws.fargate import cpu_share, cpu_units, fargate_size
from cloudorch_providers.aws.provider import AWSProvider

GIB = 1024
# Written out from the Fargate task size table, independently of the module's ranges.
TABLE = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [g * GIB for g in range(2, 9)],
    2048: [g * GIB for g in range(4, 17)],
    4096: [g * GIB for g in range(8, 31)],
    8192: [g * GIB for g in (16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60)],
    16384: [g * GIB for g in (32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120)],
}


@pytest.mark.parametrize("cpu", sorted(TABLE))
def test_every_valid_size_maps_to_itself(cpu):
    for memory in TABLE[cpu]:
        assert fargate_size(cpu, memory) == (cpu, memory)


@pytest.mark.parametrize("cpu", sorted(TABLE))
def test_tier_bounds(cpu):
    low, high = TABLE[cpu][0], TABLE[cpu][-1]
    assert fargate_size(cpu, 1) == (cpu, low)  # below the tier's least memory: raised to it
    assert fargate_size(cpu, high) == (cpu, high)
    tiers = sorted(TABLE)
    above = tiers.index(cpu) + 1
    if above < len(tiers):  # more memory than the tier has: the next tier that holds it
        bigger = tiers[above]
        assert fargate_size(cpu, high + 1) == (bigger, next(m for m in TABLE[bigger] if m > high))
    else:
        assert fargate_size(cpu, high + 1) is None


@pytest.mark.parametrize("need, size", [
    ((1, 1), (256, 512)),
    ((257, 512), (512, 1024)),
    ((768, 1536), (1024, 2048)),
    ((1024, 2049), (1024, 3072)),
    ((256, 3000), (512, 3072)),  # memory beyond 2 GiB needs the 512 tier
    ((1024, 9000), (2048, 9216)),
    ((4096, 31 * GIB), (8192, 32 * GIB)),
    ((8192, 61 * GIB), (16384, 64 * GIB)),
    ((8193, 16 * GIB), (16384, 32 * GIB)),
    ((16384, 120 * GIB), (16384, 120 * GIB)),
])
def test_rounding_up(need, size):
    assert fargate_size(*need) == size


@pytest.mark.parametrize("need", [(16385, 512), (256, 120 * GIB + 1), (20000, 200 * GIB)])
def test_beyond_the_largest_size(need):
    assert fargate_size(*need) is None


def test_cpu_units():
    assert cpu_units(0.25) == 256 and cpu_units(1) == 1024 and cpu_units(16) == 16384
    assert cpu_units(0.1) == 103 and cpu_share(0.1) == 102
    assert cpu_units(0.001) == 2 and cpu_share(0.001) == 1


def spec(resources: str, sidecar: str = ""):
    text = ("version: 1\nname: sizes\nservices:\n  app:\n    image: nginx:1.27.2\n"
            f"    resources: {resources}\n{sidecar}")
    return parse_spec(text, "sizes.yaml", env={})


def test_over_max_is_an_error_at_the_resources_line():
    with pytest.raises(SpecError) as err:
        AWSProvider(spec("{cpu: 17, memory: 2Gi}")).validate()
    assert err.value.lines() == [
        "sizes.yaml:6:16: services.app.resources: the service needs 17 vCPU (17408 CPU units) and 2048 MiB; "
        "the largest Fargate task is 16 vCPU with 120 GiB"]


def test_over_max_with_sidecars_counts_the_whole_task():
    sidecar = ("    sidecars:\n      - name: big\n        image: nginx:1.27.2\n"
               "        resources: {cpu: 1, memory: 100Gi}\n")
    with pytest.raises(SpecError) as err:
        AWSProvider(spec("{cpu: 1, memory: 21Gi}", sidecar)).render()
    assert err.value.lines() == [
        "sizes.yaml:6:16: services.app.resources: the service and its sidecars together need 2 vCPU "
        "(2048 CPU units) and 123904 MiB; the largest Fargate task is 16 vCPU with 120 GiB"]


def test_ec2_has_its_own_maximum():
    text = ("version: 1\nname: sizes\nservices:\n  app:\n    image: nginx:1.27.2\n"
            "    resources: {cpu: 200, memory: 2Gi}\nproviders:\n  aws: {launch_type: EC2}\n")
    with pytest.raises(SpecError) as err:
        AWSProvider(parse_spec(text, "sizes.yaml", env={})).validate()
    assert "an ECS task on EC2 has at most 192 vCPU" in str(err.value)
    fine = AWSProvider(parse_spec(text.replace("cpu: 200", "cpu: 17"), "sizes.yaml", env={})).render()
    task = next(d.body for d in fine if d.kind == "TaskDefinition")
    assert (task["cpu"], task["memory"]) == ("17408", "2048")


def test_rounding_is_reported_lossy_with_the_numbers():
    report = {r.field: r for r in AWSProvider(spec("{cpu: 0.3, memory: 600Mi}")).validate()}
    line = report["services.app.resources"]
    assert line.fit is Fit.LOSSY
    assert line.note.startswith(
        "the task needs 0.3 vCPU (308 CPU units) and 600 MiB, not a Fargate size: rounded up to "
        "0.5 vCPU (512 CPU units) and 1024 MiB")


def test_an_exact_size_is_exact():
    report = {r.field: r for r in AWSProvider(spec("{cpu: 2, memory: 4Gi}")).validate()}
    assert report["services.app.resources"].fit is Fit.EXACT
    assert "2 vCPU (2048 CPU units) and 4096 MiB" in report["services.app.resources"].note

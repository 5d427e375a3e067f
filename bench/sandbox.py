"""Live operations on the sandbox, per provider: a 50-service deploy with --parallel 1 vs 8 (wall
time, API calls per service), the no-op redeploy (calls, mutating calls), status of 50 services
(calls), and on AWS our deploy against a minimal hand-written boto3 script making the same
create calls (overhead ratio).

    .venv/bin/python bench/sandbox.py [aws azure kubernetes gcp]    # prints a markdown report

Emulators run in this process (cloudorch.testing.InProcessSandbox) with a 0.5 s start delay;
every call is counted from the emulator's own request log. Figures are from one run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.session import open_provider
from cloudorch.spec import load_spec
from cloudorch.testing import InProcessSandbox

SERVICES = 50
LATENCY = 0.03  # seconds added to every call in the second round, roughly a cloud API's round trip
#: every emulator starts replicas 0.5 s after they are asked for
DELAYS = {"aws": {"start_delay": 0.5, "period": 0.1}, "azure": {"delay": 0.5},
          "kubernetes": {"ready_delay": 0.5}}


def spec_text(services: int) -> str:
    lines = ["version: 1", "name: bench", "services:"]
    for i in range(services):
        lines += [f"  svc-{i:02d}:", f"    image: ghcr.io/acme/app:{i % 5}.0.0",
                  "    env: {MODE: bench}", f"    ports: [{{port: {8000 + i}}}]",
                  "    resources: {cpu: 0.25, memory: 512Mi}"]
    lines += ["providers:", "  aws: {region: us-east-1}", "  azure: {resource_group: bench-rg}",
              "  gcp: {project: bench-project, location: us-central1, cluster: bench}",
              "  kubernetes: {namespace: bench}"]
    return "\n".join(lines) + "\n"


def calls(box: InProcessSandbox, provider: str) -> tuple[int, int, Counter]:
    """Calls served by every emulator in the box (gcp's reach the GKE and the Kubernetes emulator)."""
    log = [r for name in box.running for r in box.requests(name)]
    return len(log), sum(r["mutating"] for r in log), Counter(r["action"] for r in log)


def reset(box: InProcessSandbox) -> None:
    for name in box.running:
        box.admin(name, "reset", "POST", {})


def clear(box: InProcessSandbox) -> None:
    for name in box.running:
        box.clear_requests(name)


def timed_deploy(box, spec, provider: str, parallel: int, wait: bool = True) -> float:
    p = open_provider(spec, provider, live=True, sandbox=False)
    p.sandbox = box.config(provider)
    start = time.perf_counter()
    deploy(p, p.plan(deadline=Deadline(600)), parallel=parallel, wait=wait, deadline=Deadline(600), poll=0.25)
    return time.perf_counter() - start


def provider_rows(provider: str, workdir: Path) -> list[str]:
    box = InProcessSandbox(workdir / provider, [provider], **DELAYS)
    spec_path = workdir / "bench.yaml"
    spec_path.write_text(spec_text(SERVICES))
    spec = load_spec(spec_path, env={})
    rows = []
    try:
        for latency in (0.0, LATENCY):
            walls = {}
            note = f", +{latency * 1000:.0f} ms per call" if latency else ""
            for parallel in (1, 8):
                reset(box)
                if latency:  # a delay-only fault rule: every call answers `latency` later, like a cloud API
                    for name in box.running:
                        box.admin(name, "faults", "POST", {"status": 0, "delay": latency, "count": -1})
                walls[parallel] = timed_deploy(box, spec, provider, parallel)
                total, mutating, _ = calls(box, provider)
                rows.append(f"| {provider} | deploy {SERVICES} services, --parallel {parallel}{note} | "
                            f"{walls[parallel]:.1f} s | {total} calls ({total / SERVICES:.1f}/service), "
                            f"{mutating} mutating |")
            rows.append(f"| {provider} | speed-up, --parallel 8 vs 1{note} | {walls[1] / walls[8]:.1f}x | |")
        for name in box.running:
            box.admin(name, "faults", "DELETE")
        clear(box)
        wall = timed_deploy(box, spec, provider, 8)
        total, mutating, _ = calls(box, provider)
        rows.append(f"| {provider} | no-op redeploy | {wall:.1f} s | {total} calls, {mutating} mutating |")
        clear(box)
        p = open_provider(spec, provider, live=True)
        p.sandbox = box.config(provider)
        start = time.perf_counter()
        p.status(deadline=Deadline(600))
        wall = time.perf_counter() - start
        total, _, actions = calls(box, provider)
        detail = ", ".join(f"{n} {a}" for a, n in actions.most_common(3))
        rows.append(f"| {provider} | status of {SERVICES} services | {wall:.2f} s | {total} calls ({detail}) |")
        if provider == "aws":
            rows += aws_script_rows(box, spec)
    finally:
        box.close()
    return rows


def aws_script_rows(box: InProcessSandbox, spec) -> list[str]:
    """Our deploy (no wait, --parallel 1) against boto3 making the same create calls in a loop."""
    import boto3

    box.admin("aws", "reset", "POST", {})
    ours = timed_deploy(box, spec, "aws", 1, wait=False)
    ours_calls = calls(box, "aws")[0]
    box.admin("aws", "reset", "POST", {})
    p = open_provider(spec, "aws", live=True)
    p.sandbox = box.config("aws")
    steps = [step for change in p.plan(deadline=Deadline(600)).pending for step in change.payload]  # the same bodies
    box.clear_requests("aws")  # planning only read: the script starts from the same empty app
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                    region_name="us-east-1")
    clients = {}
    start = time.perf_counter()
    for service, operation, kwargs in steps:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=box.config("aws")["url"])
        if operation == "create_http_namespace":
            clients[service].create_http_namespace(**kwargs)
        else:
            getattr(clients[service], operation)(**kwargs)
    script = time.perf_counter() - start
    script_calls = calls(box, "aws")[0]
    return [
        f"| aws | hand-written boto3 script, same {len(steps)} create calls | {script:.1f} s | {script_calls} calls |",
        f"| aws | cloudorch deploy --no-wait --parallel 1 (plan + apply) | {ours:.1f} s | {ours_calls} calls |",
        f"| aws | overhead ratio, cloudorch / script | {ours / script:.2f}x | "
        f"{ours_calls / script_calls:.2f}x calls (the extra are plan's reads) |",
    ]


def main(providers: list[str]) -> None:
    print(f"## Live operations on the sandbox ({SERVICES} services)\n")
    print("| provider | what | wall | API calls |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for provider in providers:
            for row in provider_rows(provider, Path(tmp)):
                print(row, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["aws"])

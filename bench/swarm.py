"""Swarm on the real private engine: cloudorch deploy of N services beside `docker stack deploy` of the
stack file `cloudorch render -p swarm` writes for the same spec, in one run.

Both go through the sandbox's counting proxy, so Engine API calls are counted the same way (the docker
CLI is pointed at the proxy with DOCKER_HOST=tcp://...). Wall times: cloudorch deploy returns when every
service is running; `docker stack deploy` returns after its create calls, so the time until every task
runs is measured too (polling the engine's socket directly, not counted).

    .venv/bin/python bench/swarm.py [SERVICES]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def spec_text(count: int) -> str:
    lines = ["version: 1", "name: bench", "services:"]
    for i in range(count):
        lines += [f"  svc{i:02d}:", "    image: cloudorch/busybox:local",
                  "    command: [/bin/sh, -c, 'echo up; exec sleep 3600']",
                  "    resources: {cpu: 0.02, memory: 8Mi}", "    ports: [{port: 8080}]"]
    lines += ["providers:", "  swarm:", "    stop_grace_period: 1"]
    return "\n".join(lines) + "\n"


def cli(box, *args: str) -> int:
    from click.testing import CliRunner

    from cloudorch.cli.main import cli as main

    result = CliRunner().invoke(main, list(args), env=box.env, standalone_mode=False, catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise SystemExit(f"{args[0]} failed: {result.exception}\n{result.output}")
    return result.return_value if isinstance(result.return_value, int) else result.exit_code


def counted(box) -> tuple[int, int]:
    requests = box.requests("swarm")
    return len(requests), sum(1 for r in requests if r["mutating"])


def wait_running(api, prefix: str, count: int) -> None:
    while True:
        tasks = api.tasks(filters={"desired-state": "running"})
        running = {t["ServiceID"] for t in tasks if t["Status"]["State"] == "running"}
        services = [s for s in api.services() if s["Spec"]["Name"].startswith(prefix)]
        if len(services) == count and all(s["ID"] in running for s in services):
            return
        time.sleep(0.2)


def main() -> None:
    import docker

    from cloudorch.testing.sandbox import InProcessSandbox

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    work = Path(tempfile.mkdtemp(prefix="bench-swarm-"))
    spec = work / "bench.yaml"
    spec.write_text(spec_text(count))
    box = InProcessSandbox(work / "sandbox", ["swarm"])
    rows = []
    try:
        config = box.config("swarm")
        api = docker.APIClient(base_url=config["engine_host"], version="1.41")
        base = ["-f", str(spec), "-p", "swarm", "--sandbox"]

        def measure(what: str, *args: str, then=None) -> None:
            box.clear_requests("swarm")
            start = time.monotonic()
            code = cli(box, *args)
            wall = time.monotonic() - start
            calls, mutating = counted(box)
            extra = ""
            if then is not None:
                then()
                extra = f"; all running after {time.monotonic() - start:.1f} s"
            rows.append((what, f"{wall:.1f} s{extra}", f"{calls} calls, {mutating} mutating", code))

        measure(f"cloudorch deploy ({count} services, waits until running)", "deploy", *base, "--timeout", "600")
        measure("cloudorch deploy again (unchanged)", "deploy", *base, "--timeout", "600")
        measure("cloudorch plan", "plan", *base)
        measure("cloudorch status", "status", *base)
        measure("cloudorch destroy", "destroy", *base, "--yes")
        cli(box, "render", "-f", str(spec), "-p", "swarm", "-d", str(work / "stack"))
        [stack] = (work / "stack").glob("*.yaml")
        env = {**os.environ, "DOCKER_HOST": config["docker_host"]}

        def stack_deploy() -> int:
            return subprocess.run(["docker", "stack", "deploy", "-c", str(stack), "bench"], env=env,
                                  capture_output=True, check=True).returncode

        for label in ("docker stack deploy -c (rendered file)", "docker stack deploy -c again (unchanged)"):
            box.clear_requests("swarm")
            start = time.monotonic()
            stack_deploy()
            wall = time.monotonic() - start
            calls, mutating = counted(box)
            wait_running(api, "bench_", count)
            rows.append((label, f"{wall:.1f} s; all running after {time.monotonic() - start:.1f} s",
                         f"{calls} calls, {mutating} mutating", 0))
        subprocess.run(["docker", "stack", "rm", "bench"], env=env, capture_output=True, check=True)
    finally:
        box.close()
    print("| what | wall | Engine API calls |\n|---|---|---|")
    for what, wall, calls, code in rows:
        print(f"| {what} | {wall} | {calls} |" + ("" if code == 0 else f" exit {code}"))


if __name__ == "__main__":
    main()

"""Swarm live behaviour on the real private engine: secrets as immutable versions, a failed update
rolled back by Swarm reported as exit 4, drift shown and repaired, refusals before any change, and
the rendered stack file taken by ``docker stack deploy``."""

from __future__ import annotations

import json
import os
import subprocess
import time

from click.testing import CliRunner

BASE = """\
version: 1
name: {app}
services:
  web:
    image: cloudorch/busybox:local
    command: ["/bin/sh", "-c", "mkdir -p /www && echo $$GREETING > /www/index.html && exec httpd -f -p 80 -h /www"]
    env: {{GREETING: {greeting}}}
    ports: [{{port: 80, protocol: http, public: true}}]
    resources: {{cpu: 0.05, memory: 16Mi}}
    health: {{{health}, interval: 2s, timeout: 2s, retries: 3}}
{extra}providers:
  swarm:
    ports: {{web: {{80: 0}}}}  # a free host port: test sessions may run side by side
    stop_grace_period: 1
"""
HTTP = "http: {path: /, port: 80}"


def spec(tmp_path, app: str, port: int, greeting: str = "hello", health: str = HTTP, extra: str = "",
         file: str = "") -> str:
    path = tmp_path / f"{file or app}.yaml"
    path.write_text(BASE.format(app=app, port=port, greeting=greeting, health=health, extra=extra))
    return str(path)


def cli(box, *args: str, input: str | None = None) -> tuple[int, str]:
    from cloudorch.cli.main import cli as main
    from cloudorch.errors import CloudorchError

    result = CliRunner().invoke(main, list(args), env=box.env, input=input, standalone_mode=False,
                                catch_exceptions=True)
    if isinstance(result.exception, CloudorchError):
        return result.exception.exit_code, f"{result.output}\n{result.exception}"
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return (result.return_value if isinstance(result.return_value, int) else result.exit_code), result.output


def run(box, command: str, path: str, *rest: str, input: str | None = None) -> tuple[int, str]:
    return cli(box, command, "-f", path, "-p", "swarm", "--sandbox", *rest, input=input)


def mutating(box) -> list[str]:
    return [r["action"] for r in box.requests("swarm") if r["mutating"]]


def test_missing_secret_is_refused_before_any_change(swarm_box, tmp_path):
    path = spec(tmp_path, "nosecret", 18501, extra="    secrets: {TOKEN: api-token}\n")
    swarm_box.clear_requests("swarm")
    code, output = run(swarm_box, "plan", path)
    assert code == 3 and "warning: deploy will stop before any change: service web cannot start" in output, output
    code, output = run(swarm_box, "deploy", path, "--timeout", "60")
    assert code == 4, output
    assert ("service web cannot start: secret api-token: Docker secret 'api-token' does not exist; store its value "
            f"with `cloudorch secrets set -f {path} -p swarm api-token`") in output, output
    assert mutating(swarm_box) == []


def test_secret_versions_and_rolling_restart(swarm_box, engine, tmp_path):
    path = spec(tmp_path, "sec", 18502, extra="    secrets: {TOKEN: api-token}\n")
    text = open(path).read()
    open(path, "w").write(text.replace("    stop_grace_period: 1", "    stop_grace_period: 1\n"
                                                                   "    secrets: {api-token: sec-token}"))
    code, output = cli(swarm_box, "secrets", "set", "-f", path, "-p", "swarm", "--sandbox", "api-token",
                       input="first-value")
    assert code == 0, output
    assert "Docker secret sec-token" in output
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    service = engine.inspect_service("sec_web")
    refs = service["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"]
    assert [(r["SecretName"], r["File"]["Name"]) for r in refs] == [("sec-token", "TOKEN")]
    code, output = cli(swarm_box, "secrets", "set", "-f", path, "-p", "swarm", "--sandbox", "api-token",
                       "--roll", "--timeout", "90", input="second-value")
    assert code == 0, output
    assert "sec-token.v2" in output
    service = engine.inspect_service("sec_web")
    assert [r["SecretName"] for r in service["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"]] == ["sec-token.v2"]
    assert service["Spec"]["TaskTemplate"]["ForceUpdate"] == 1
    container = engine.containers(filters={"label": "com.docker.swarm.service.name=sec_web"})[0]
    exec_id = engine.exec_create(container["Id"], ["/bin/sh", "-c", "cat /run/secrets/TOKEN; echo; echo $TOKEN_FILE"])
    assert engine.exec_start(exec_id).decode().split() == ["second-value", "/run/secrets/TOKEN"]
    code, output = run(swarm_box, "plan", path, "-o", "json")
    assert code == 0, output  # the restart's counter and the new version are what the spec wants
    code, output = cli(swarm_box, "secrets", "list", "-f", path, "-p", "swarm", "--sandbox", "-o", "json")
    assert code == 0 and "sec-token.v2" in output, output
    assert run(swarm_box, "destroy", path, "--yes")[0] == 0
    assert not [s for s in engine.secrets() if s["Spec"]["Name"].startswith("sec-token")]


def test_failed_update_is_rolled_back_and_reported_as_exit_4(swarm_box, engine, tmp_path):
    good = spec(tmp_path, "roll", 18503)
    assert run(swarm_box, "deploy", good, "--timeout", "90")[0] == 0
    before = engine.inspect_service("roll_web")["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    bad = spec(tmp_path, "roll", 18503, greeting="broken", health='command: ["/bin/false"]', file="roll-bad")
    code, output = run(swarm_box, "deploy", bad, "--timeout", "120")
    assert code == 4, output
    assert "service web failed: update rollback" in output, output
    service = engine.inspect_service("roll_web")
    assert service["UpdateStatus"]["State"].startswith("rollback")
    assert service["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"] == before  # Swarm put the old spec back
    code, output = run(swarm_box, "status", bad, "-o", "json")
    assert code == 4 and json.loads(output)["services"][0]["state"] == "FAILED"
    code, output = run(swarm_box, "plan", bad, "-o", "json")
    assert code == 3, "the rolled back service differs from the spec"
    code, output = run(swarm_box, "deploy", good, "--timeout", "90")
    assert code == 0, f"the good spec deploys again: {output} {engine.inspect_service('roll_web')['UpdateStatus']}"
    assert run(swarm_box, "destroy", good, "--yes")[0] == 0


def test_drift_is_shown_and_repaired_and_redeploy_is_free(swarm_box, engine, tmp_path):
    path = spec(tmp_path, "drift", 18504)
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    swarm_box.clear_requests("swarm")
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    assert mutating(swarm_box) == []
    current = engine.inspect_service("drift_web")
    spec_ = current["Spec"]
    spec_["TaskTemplate"]["ContainerSpec"]["Env"] = ["GREETING=changed-by-hand"]
    engine.update_service(current["ID"], current["Version"]["Index"], task_template=spec_["TaskTemplate"],
                          name=spec_["Name"], labels=spec_["Labels"], mode=spec_["Mode"],
                          update_config=spec_["UpdateConfig"], endpoint_spec=spec_["EndpointSpec"],
                          rollback_config=spec_["RollbackConfig"])
    code, output = run(swarm_box, "plan", path, "-o", "json")
    assert code == 3
    changes = json.loads(output)["changes"]
    assert [(c["action"], c["name"], c["fields"]) for c in changes] == [("update", "drift_web", ["env"])]
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    assert run(swarm_box, "plan", path, "-o", "json")[0] == 0
    env = engine.inspect_service("drift_web")["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    assert env == ["GREETING=hello"]
    assert run(swarm_box, "destroy", path, "--yes")[0] == 0


def test_unowned_network_is_refused(swarm_box, engine, tmp_path):
    engine.create_network("theirs_default", driver="overlay", attachable=True)
    path = spec(tmp_path, "theirs", 18505)
    swarm_box.clear_requests("swarm")
    code, output = run(swarm_box, "deploy", path, "--timeout", "60")
    assert code == 1 and "Network theirs_default exists but is not managed by cloudorch" in output
    assert mutating(swarm_box) == []
    engine.remove_network("theirs_default")


def test_rendered_stack_file_is_taken_by_docker_stack_deploy(swarm_box, engine, tmp_path):
    from swarm_support import EXAMPLES, SPEC_ENV

    code, output = cli(swarm_box, "render", "-f", str(EXAMPLES / "swarm-shop.yaml"), "-p", "swarm",
                       "-d", str(tmp_path / "out"))
    assert code == 0, output
    stack = tmp_path / "out" / "1-stack-webshop.yaml"
    env = {**os.environ, **SPEC_ENV, "DOCKER_HOST": swarm_box.config("swarm")["engine_host"]}
    names = {s["Spec"]["Name"] for s in engine.secrets()}
    if "shop-session-key" not in names:
        engine.create_secret("shop-session-key", b"stack-value")
    done = subprocess.run(["docker", "stack", "deploy", "-c", str(stack), "stackshop"], env=env,
                          capture_output=True, text=True, timeout=120)
    try:
        assert done.returncode == 0, done.stderr
        listed = subprocess.run(["docker", "stack", "services", "stackshop", "--format", "{{.Name}} {{.Mode}}"],
                                env=env, capture_output=True, text=True, timeout=60).stdout.split("\n")
        assert sorted(line for line in listed if line) == sorted(
            f"stackshop_{name} replicated" for name in ("web", "web-log-shipper", "api", "worker", "redis"))
        web = engine.inspect_service("stackshop_web")["Spec"]
        assert web["EndpointSpec"]["Ports"][0]["PublishedPort"] == 8080
        assert web["EndpointSpec"]["Mode"] == "dnsrr"
        assert web["UpdateConfig"]["FailureAction"] == "rollback"
        assert web["TaskTemplate"]["ContainerSpec"]["Command"][:2] == ["/bin/sh", "-c"]
        assert web["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["File"]["Name"] == "SESSION_KEY"
    finally:
        subprocess.run(["docker", "stack", "rm", "stackshop"], env=env, capture_output=True, timeout=60)
        end = time.monotonic() + 60
        while time.monotonic() < end and any(n["Name"] == "stackshop_default" for n in engine.networks()):
            time.sleep(0.5)


def test_logs_name_replica_and_sidecar(swarm_box, tmp_path):
    path = spec(tmp_path, "logs", 18506, extra="""\
    sidecars:
      - name: shipper
        image: cloudorch/busybox:local
        command: ["/bin/sh", "-c", "while true; do echo shipping; sleep 1; done"]
        resources: {cpu: 0.02, memory: 8Mi}
""")
    assert run(swarm_box, "deploy", path, "--timeout", "90")[0] == 0
    end = time.monotonic() + 30
    while True:
        code, output = run(swarm_box, "logs", path)
        if "web/1/shipper | shipping" in output or time.monotonic() > end:
            break
        time.sleep(1)
    assert "web/1/shipper | shipping" in output, output
    assert run(swarm_box, "destroy", path, "--yes")[0] == 0

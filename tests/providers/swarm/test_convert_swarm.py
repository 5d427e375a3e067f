"""Swarm offline: the stack file render writes, the Engine API bodies, the fit notes and the refusals."""

from __future__ import annotations

import yaml
from click.testing import CliRunner
from swarm_support import EXAMPLES, SPEC_ENV

from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.spec import load_spec
from cloudorch.spec.fields import FEATURE_KEYS
from cloudorch.spec.probes import shell_test, tcp_probe
from cloudorch_providers.swarm.convert import service_bodies
from cloudorch_providers.swarm.fit import _HANDLERS
from cloudorch_providers.swarm.provider import SwarmProvider


def provider(name: str = "swarm-shop", text: str | None = None, tmp_path=None) -> SwarmProvider:
    if text is not None:
        path = tmp_path / "app.yaml"
        path.write_text(text)
        return SwarmProvider(load_spec(path, env=SPEC_ENV))
    return SwarmProvider(load_spec(EXAMPLES / f"{name}.yaml", env=SPEC_ENV))


def test_render_is_one_stack_file_in_compose_words():
    [doc] = provider().render()
    assert (doc.kind, doc.name) == ("stack", "webshop")
    stack = doc.body
    assert stack["version"] == "3.8"
    assert list(stack["services"]) == ["redis", "api", "web", "web-log-shipper", "worker"]
    web = stack["services"]["web"]
    assert web["ports"] == [{"target": 80, "published": 8080, "protocol": "tcp", "mode": "host"}]
    assert web["deploy"]["endpoint_mode"] == "dnsrr"
    assert web["deploy"]["update_config"]["order"] == "stop-first", "a host-mode port cannot be bound twice"
    assert stack["services"]["api"]["deploy"]["update_config"] == {
        "parallelism": 1, "failure_action": "rollback", "monitor": "5s", "max_failure_ratio": 0, "order": "start-first"}
    assert web["secrets"] == [{"source": "shop-session-key", "target": "SESSION_KEY", "uid": "0", "gid": "0",
                               "mode": 0o444}]
    assert stack["secrets"] == {"shop-session-key": {"external": True, "name": "shop-session-key"}}
    assert web["environment"]["SESSION_KEY_FILE"] == "/run/secrets/SESSION_KEY"
    assert web["entrypoint"][:2] == ["/bin/sh", "-c"]
    assert '$$(cat /run/secrets/SESSION_KEY)' in web["entrypoint"][2], "compose interpolates a single $"
    assert web["volumes"] == ["/var/cache/web"]
    assert web["deploy"]["resources"]["limits"] == {"cpus": "0.05", "memory": "32M"}
    assert web["deploy"]["labels"]["cloudorch-app"] == "webshop"
    assert stack["networks"]["default"]["driver"] == "overlay"


def test_engine_bodies_carry_markers_aliases_and_health():
    bodies = {body["Name"]: body for _, _, body in service_bodies(
        provider().app, provider().settings, provider().markers())}
    web = bodies["webshop_web"]
    assert web["Labels"]["cloudorch-app"] == "webshop" and web["Labels"]["managed-by"] == "cloudorch"
    assert web["Labels"]["com.docker.stack.namespace"] == "webshop"
    assert web["TaskTemplate"]["Networks"] == [{"Target": "webshop_default", "Aliases": ["web"]}]
    assert web["TaskTemplate"]["ContainerSpec"]["Healthcheck"]["Test"][0] == "CMD-SHELL"
    mount = web["TaskTemplate"]["ContainerSpec"]["Mounts"][0]
    assert mount["Type"] == "volume" and mount["VolumeOptions"]["Labels"]["cloudorch-app"] == "webshop"
    side = bodies["webshop_web-log-shipper"]
    assert side["TaskTemplate"]["Networks"][0]["Aliases"] == ["web-log-shipper"]
    assert side["Labels"]["cloudorch.sidecar"] == "log-shipper"
    assert side["Mode"]["Replicated"]["Replicas"] == 1
    assert bodies["webshop_api"]["EndpointSpec"] == {"Mode": "dnsrr"}


def test_probes_work_with_busybox_and_say_what_they_need():
    assert "-e true" in tcp_probe(6379) and "nc -z" in tcp_probe(6379)
    app = provider().app
    assert shell_test(app.services["worker"].health) == ["CMD", "/bin/true"]


def test_every_feature_key_has_a_note_and_the_webshop_validates():
    assert set(_HANDLERS) == set(FEATURE_KEYS)
    lines = {line.field: line for line in provider("webshop").validate()}
    assert lines["services.web.autoscale"].fit is Fit.UNSUPPORTED
    assert "no native autoscaler" in lines["services.web.autoscale"].note
    assert lines["services.web.sidecars"].fit is Fit.LOSSY and "no pods" in lines["services.web.sidecars"].note
    assert lines["services.web.ports.public"].fit is Fit.LOSSY, "2 replicas on host-mode ports"
    assert lines["services.redis.health.tcp"].fit is Fit.LOSSY


def test_validate_cli_names_the_mapping():
    from cloudorch.cli.main import cli

    result = CliRunner().invoke(cli, ["validate", "-f", str(EXAMPLES / "swarm-shop.yaml"), "-p", "swarm",
                                      "-o", "json"], env=SPEC_ENV)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Swarm has no pods" in text and "exported as env vars" in text


BAD = """\
version: 1
name: clash
labels: {{cloudorch.service: mine}}
services:
  a:
    image: cloudorch/busybox:local
    ports: [{{port: 80, public: true}}]
  b:
    image: cloudorch/busybox:local
    ports: [{{port: 80, public: true}}]
  {long}:
    image: cloudorch/busybox:local
providers:
  swarm:
    endpoint_mode: {mode}
    ports: {{ghost: {{80: 81}}, a: {{90: 91}}}}
"""


def test_what_docker_refuses_is_a_spec_error_with_lines(tmp_path):
    try:
        provider(text=BAD.format(long="x" * 30, mode="dnsrr"), tmp_path=tmp_path).render()
    except SpecError as exc:
        text = str(exc)
    else:
        raise AssertionError("expected a SpecError")
    assert "published port 80/tcp is also published by service a" in text
    assert "Docker allows at most 63" not in text  # clash_ + 30 characters fits
    assert "no service 'ghost' in the spec" in text and "service a has no public port 90" in text
    assert "label 'cloudorch.service' is set by cloudorch" in text
    assert all(line.startswith(str(tmp_path)) and ":" in line for line in text.splitlines())


def test_ingress_needs_vip(tmp_path):
    text = "version: 1\nname: x\nservices:\n  a:\n    image: busybox\nproviders:\n  swarm:\n    publish_mode: ingress\n"
    try:
        provider(text=text, tmp_path=tmp_path)
    except SpecError as exc:
        assert "publish_mode ingress needs endpoint_mode vip" in str(exc)
    else:
        raise AssertionError("expected a SpecError")


def test_the_stack_file_is_yaml_the_docker_cli_reads(tmp_path):
    from cloudorch.cli.main import cli

    result = CliRunner().invoke(cli, ["render", "-f", str(EXAMPLES / "swarm-shop.yaml"), "-p", "swarm",
                                      "-d", str(tmp_path)], env=SPEC_ENV)
    assert result.exit_code == 0, result.output
    [path] = tmp_path.glob("*.yaml")
    assert yaml.safe_load(path.read_text())["services"]["web"]["image"] == "cloudorch/busybox:local"

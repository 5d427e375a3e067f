"""AWS validate: the fit report, what AWS rejects (moto would accept) as SpecErrors at file:line,
settings checks, capabilities, and the import-cost rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Fit
from cloudorch.spec import parse_spec
from cloudorch.spec.fields import FEATURE_KEYS
from cloudorch_providers.aws import checks
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.fit import fit_function
from cloudorch_providers.aws.provider import AWSProvider

ROOT = Path(__file__).resolve().parents[3]


def provider(text: str, name: str = "v.yaml") -> AWSProvider:
    return AWSProvider(parse_spec(text, name, env={}))


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        provider(text).validate()
    return err.value.lines()


def app(service: str, settings: str = "{}", extra: str = "") -> str:
    return f"version: 1\nname: v\n{extra}services:\n  web:\n{service}providers:\n  aws: {settings}\n"


# -- the report --------------------------------------------------------------------------------

def test_webshop_report(load_example):
    report = AWSProvider(load_example("webshop")).validate()
    fits = {r.field: r.fit for r in report}
    notes = {r.field: r.note for r in report}
    assert fits == {
        "services.web.image": Fit.EXACT, "services.web.resources": Fit.LOSSY, "services.web.env": Fit.EXACT,
        "services.web.secrets": Fit.EXACT, "services.web.depends_on": Fit.LOSSY,
        "services.web.volumes": Fit.EXACT, "services.web.sidecars": Fit.LOSSY, "services.web.ports": Fit.EXACT,
        "services.web.ports.http": Fit.EXACT, "services.web.ports.public": Fit.EXACT,
        "services.web.replicas": Fit.EXACT, "services.web.autoscale": Fit.EXACT,
        "services.web.health.http": Fit.LOSSY, "services.web.health.start_period": Fit.EXACT,
        "services.api.image": Fit.EXACT, "services.api.resources": Fit.EXACT, "services.api.command": Fit.EXACT,
        "services.api.args": Fit.EXACT, "services.api.env": Fit.EXACT, "services.api.secrets": Fit.EXACT,
        "services.api.depends_on": Fit.LOSSY, "services.api.ports": Fit.EXACT,
        "services.api.ports.http": Fit.EXACT, "services.api.replicas": Fit.EXACT,
        "services.api.health.http": Fit.LOSSY, "services.api.security.run_as_user": Fit.EXACT,
        "services.api.security.read_only_root": Fit.EXACT,
        "services.worker.image": Fit.EXACT, "services.worker.resources": Fit.EXACT,
        "services.worker.args": Fit.EXACT, "services.worker.env": Fit.EXACT, "services.worker.secrets": Fit.EXACT,
        "services.worker.depends_on": Fit.LOSSY, "services.worker.replicas": Fit.EXACT,
        "services.worker.health.command": Fit.EXACT,
        "services.redis.image": Fit.EXACT, "services.redis.resources": Fit.EXACT,
        "services.redis.volumes": Fit.EXACT, "services.redis.ports": Fit.EXACT,
        "services.redis.health.tcp": Fit.LOSSY,
        "jobs.cleanup.image": Fit.EXACT, "jobs.cleanup.resources": Fit.EXACT, "jobs.cleanup.command": Fit.EXACT,
        "jobs.cleanup.args": Fit.EXACT, "jobs.cleanup.env": Fit.EXACT, "jobs.cleanup.secrets": Fit.EXACT,
        "jobs.cleanup.schedule": Fit.EXACT, "jobs.cleanup.timeout": Fit.LOSSY, "jobs.cleanup.retries": Fit.LOSSY,
        "labels": Fit.EXACT,
    }
    assert "cron(0 3 * * ? *)" in notes["jobs.cleanup.schedule"]
    assert "not a task that exited non-zero" in notes["jobs.cleanup.retries"]
    assert notes["services.web.resources"].startswith(
        "the task needs 0.75 vCPU (768 CPU units) and 1536 MiB (the service + 1 sidecar), not a Fargate "
        "size: rounded up to 1 vCPU (1024 CPU units) and 2048 MiB")
    public = notes["services.web.ports.public"]
    assert "Application Load Balancer webshop, HTTP on 80, target group webshop-web-80" in public
    assert "admits them only from the load balancer" in notes["services.web.ports.public"]
    assert "needs curl or wget" in notes["services.web.health.http"]
    assert "needs nc or bash" in notes["services.redis.health.tcp"]
    assert "healthCheck.startPeriod 15s" in notes["services.web.health.start_period"]
    assert "ECSServiceAverageCPUUtilization at 70%, 2..6 tasks" in notes["services.web.autoscale"]
    assert notes["services.web.secrets"].endswith(
        "session-key -> arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/session-key")
    assert "api:8080 through Service Connect (Cloud Map namespace webshop" in notes["services.api.ports"]
    assert "deploy creates redis, api first" in notes["services.worker.depends_on"]


@pytest.mark.parametrize("name", ["hello", "webshop", "worker"])
def test_every_note_is_written(load_example, name):
    for line in AWSProvider(load_example(name)).validate():
        assert line.note and "does not know" not in line.note


def test_every_feature_key_has_a_mapping():
    text = app("    image: nginx:1.27.2\n    security: {run_as_user: 1, run_as_group: 2}\n"
               "    health: {command: [x]}\n    autoscale: {min: 1, max: 2}\n    image_pull_secret: creds\n",
               "{secrets: {creds: arn:aws:secretsmanager:us-east-1:123456789012:secret:creds}}")
    p = provider(text)
    fit = fit_function(p.context())
    service = p.app.services["web"]
    for key in FEATURE_KEYS:
        how, note = fit("web", service, key)
        assert how in Fit and note and "does not know" not in note, key


def test_unmapped_secrets_name_the_ssm_convention():
    text = app("    image: nginx:1.27.2\n    secrets: {TOKEN: token}\n")
    note = {r.field: r.note for r in provider(text).validate()}["services.web.secrets"]
    assert "token -> /v/token (SSM parameter, the default for secrets not in providers.aws.secrets)" in note


def test_health_timing_outside_ecs_ranges_is_lossy():
    text = app("    image: nginx:1.27.2\n    health:\n      command: [x]\n      interval: 2s\n"
               "      timeout: 1500ms\n      start_period: 10m\n")
    report = {r.field: r for r in provider(text).validate()}
    command = report["services.web.health.command"]
    assert command.fit is Fit.LOSSY
    assert "interval 2s raised to ECS's minimum 5s" in command.note
    assert "timeout 1500ms rounded up to 2s" in command.note
    start = report["services.web.health.start_period"]
    assert start.fit is Fit.LOSSY and "start_period 600s lowered to ECS's maximum 300s" in start.note


def test_run_as_group_alone_is_unsupported():
    text = app("    image: nginx:1.27.2\n    security: {run_as_group: 10}\n")
    report = {r.field: r for r in provider(text).validate()}
    assert report["services.web.security.run_as_group"].fit is Fit.UNSUPPORTED


def test_udp_ports_are_lossy_with_service_connect():
    text = ("version: 1\nname: v\nservices:\n  dns:\n    image: coredns/coredns:1.11.1\n"
            "    ports: [{port: 53, protocol: udp}, {port: 9153}]\n  client:\n    image: busybox:1.36\n")
    report = {r.field: r for r in provider(text).validate()}
    assert report["services.dns.ports.udp"].fit is Fit.LOSSY
    assert "not by service name" in report["services.dns.ports.udp"].note


def test_public_udp_ports_are_exact_behind_the_network_load_balancer_when_a_tcp_port_can_check_them():
    checked = app("    image: coredns/coredns:1.11.1\n    ports: [{port: 53, protocol: udp, public: true}, "
                  "{port: 8080, protocol: http}]\n    health: {http: {path: /health, port: 8080}}\n")
    report = {r.field: r for r in provider(checked).validate()}
    assert report["services.web.ports.public"].fit is Fit.EXACT
    assert "Network Load Balancer v-net listening on 53/udp" in report["services.web.ports.public"].note
    assert "udp 53 checked over HTTP on port 8080" in report["services.web.ports.public"].note
    alone = app("    image: coturn/coturn:4.6\n    ports: [{port: 3478, protocol: udp, public: true}]\n")
    report = {r.field: r for r in provider(alone).validate()}
    assert report["services.web.ports.public"].fit is Fit.LOSSY
    assert "cannot health-check over UDP" in report["services.web.ports.public"].note


# -- what AWS rejects --------------------------------------------------------------------------

def test_more_than_ten_containers():
    sidecars = "".join(f"      - {{name: s{i}, image: busybox:1.36, resources: {{cpu: 0.1, memory: 64Mi}}}}\n"
                       for i in range(10))
    lines = errors(app(f"    image: nginx:1.27.2\n    resources: {{cpu: 1, memory: 2Gi}}\n    sidecars:\n{sidecars}"))
    assert lines == ["v.yaml:8:7: services.web.sidecars: 11 containers (the service + 10 sidecars); "
                     "an ECS task holds at most 10"]


def test_public_port_on_ec2():
    lines = errors(app("    image: nginx:1.27.2\n    ports:\n      - {port: 80, public: true}\n",
                       "{launch_type: EC2}"))
    assert lines == ["v.yaml:7:28: services.web.ports.0.public: the EC2 launch type gives awsvpc tasks no "
                     "public IP; use FARGATE or put a load balancer in front (not made by cloudorch)"]


def test_assign_public_ip_on_ec2():
    text = "version: 1\nname: v\nservices:\n  web:\n    image: nginx:1.27.2\nproviders:\n  aws:\n" \
           "    launch_type: EC2\n    assign_public_ip: true\n"
    assert errors(text) == ["v.yaml:9:23: providers.aws.assign_public_ip: the EC2 launch type gives awsvpc "
                            "tasks no public IP; remove this or use FARGATE"]


def test_image_pull_secret_must_be_mapped_to_secrets_manager():
    lines = errors(app("    image: ghcr.io/acme/x:1.0.0\n    image_pull_secret: creds\n"))
    assert len(lines) == 1
    assert lines[0].startswith("v.yaml:6:24: services.web.image_pull_secret: map 'creds' in providers.aws.secrets")
    ssm = app("    image: ghcr.io/acme/x:1.0.0\n    image_pull_secret: creds\n",
              "\n    secrets: {creds: 'arn:aws:ssm:us-east-1:123456789012:parameter/creds'}")
    lines = errors(ssm)
    assert len(lines) == 1 and lines[0].startswith("v.yaml:9:22: providers.aws.secrets.creds: 'creds' is an image")


def test_secret_mapped_to_something_else():
    text = app("    image: nginx:1.27.2\n    secrets: {K: k}\n", "\n    secrets: {k: 'arn:aws:s3:::bucket/k'}")
    assert errors(text) == ["v.yaml:9:18: providers.aws.secrets.k: 'arn:aws:s3:::bucket/k' is neither a "
                            "Secrets Manager secret nor an SSM parameter ARN"]


def test_too_many_tags():
    labels = "labels:\n" + "".join(f"  l{i}: v\n" for i in range(49))
    lines = errors(app("    image: nginx:1.27.2\n", extra=labels))
    assert lines == ["v.yaml:4:3: labels: 51 tags with the ownership markers; AWS allows 50"]


def test_container_memory_below_docker_minimum():
    text = app("    image: nginx:1.27.2\n    resources: {cpu: 0.25, memory: 4Mi}\n    sidecars:\n"
               "      - {name: s, image: busybox:1.36, resources: {memory: 5Mi}}\n")
    assert errors(text) == [
        "v.yaml:6:36: services.web.resources.memory: 4 MiB is below ECS's minimum of 6 MiB per container",
        "v.yaml:8:60: services.web.sidecars.0.resources.memory: 5 MiB is below ECS's minimum of 6 MiB per container",
    ]


def test_render_refuses_what_validate_refuses():
    text = app("    image: nginx:1.27.2\n    ports:\n      - {port: 80, public: true}\n", "{launch_type: EC2}")
    with pytest.raises(SpecError):
        provider(text).render()


def test_name_limits_point_at_the_service_name():
    class LongNames(Context):
        def family(self, service: str) -> str:
            return "f" * 256

    p = provider(app("    image: nginx:1.27.2\n"))
    ctx = LongNames(p.app, p.settings, p.markers())
    found = [str(i) for i in checks.issues(p.spec, ctx)]
    assert found == [f"v.yaml:4:3: services.web: the task definition family '{'f' * 256}' is 256 characters; "
                     "AWS allows 255: shorten the app or service name"]


def test_all_errors_at_once():
    text = app("    image: ghcr.io/acme/x:1.0.0\n    image_pull_secret: creds\n    ports:\n"
               "      - {port: 80, public: true}\n    resources: {cpu: 20, memory: 1Gi}\n", "{launch_type: EC2}")
    fields = [line.split(": ")[1] for line in errors(text)]
    assert fields == ["services.web.image_pull_secret", "services.web.ports.0.public"]
    text = text.replace("cpu: 20", "cpu: 200")
    assert [line.split(": ")[1] for line in errors(text)][-1] == "services.web.resources"


# -- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, field, message", [
    ("{regoin: us-east-1}", "providers.aws.regoin", "unknown key 'regoin'; did you mean 'region'?"),
    ("{log_retention_days: 10}", "providers.aws.log_retention_days", "CloudWatch Logs keeps logs for one of"),
    ("{launch_type: fargate}", "providers.aws.launch_type", "Input should be 'FARGATE' or 'EC2'"),
    ("{subnets: [my-subnet]}", "providers.aws.subnets.0", "is not allowed here"),
    ("{account_id: 123}", "providers.aws.account_id", "Input should be a valid string"),
    ("{assign_public_ip: 'yes'}", "providers.aws.assign_public_ip", "Input should be a valid boolean"),
    ("{cluster: 'my cluster'}", "providers.aws.cluster", "is not allowed here"),
])
def test_bad_settings(settings, field, message):
    with pytest.raises(SpecError) as err:
        provider(app("    image: nginx:1.27.2\n", settings))
    assert len(err.value.issues) == 1
    issue = err.value.issues[0]
    assert issue.field == field and message in issue.message and issue.line == 7


def test_settings_defaults():
    settings = provider(app("    image: nginx:1.27.2\n")).settings
    assert settings.model_dump() == {
        "region": None, "cluster": None, "launch_type": "FARGATE", "subnets": [], "security_groups": [],
        "assign_public_ip": None, "execution_role_arn": None, "task_role_arn": None, "kms_key_arn": None,
        "certificate_arn": None, "account_id": None,
        "exec": False, "secrets": {}, "log_retention_days": 30, "overrides": {}}


def test_overrides_win_over_the_file():
    spec = parse_spec(app("    image: nginx:1.27.2\n", "{region: us-east-1}"), "v.yaml", env={})
    p = AWSProvider(spec, overrides={"region": "eu-west-1"})
    task = next(d.body for d in p.render() if d.kind == "TaskDefinition")
    assert task["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"


def test_resolved_values_fill_what_the_settings_leave_open():
    p = provider(app("    image: nginx:1.27.2\n"))
    ctx = p.context(region="ap-south-1", account_id="123456789012", subnets=["subnet-0123456789abcdef0"])
    assert ctx.execution_role == "arn:aws:iam::123456789012:role/v-execution-ap-south-1"
    assert ctx.subnets == ("subnet-0123456789abcdef0",)
    assert ctx.region == "ap-south-1"


# -- the class ---------------------------------------------------------------------------------

def test_capabilities_and_packaging():
    assert AWSProvider.name == "aws" and AWSProvider.extra == "aws" and AWSProvider.requires == ("boto3",)
    assert AWSProvider.capabilities == frozenset(Capability) - {Capability.RETRIES}  # ECS restarts no failed task
    schema = AWSProvider.settings_schema()
    assert schema["additionalProperties"] is False and "secrets" in schema["properties"]


def test_registered_under_its_entry_point():
    from cloudorch import registry

    assert registry.load("aws") is AWSProvider


def test_offline_work_imports_no_aws_sdk():
    code = (
        "import json, sys\n"
        "from cloudorch.spec import load_spec\n"
        "from cloudorch_providers.aws.provider import AWSProvider\n"
        f"spec = load_spec({str(ROOT / 'specs/examples/webshop.yaml')!r}, env={{}})\n"
        "p = AWSProvider(spec)\n"
        "p.render(); p.validate()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == []


def test_a_public_tcp_and_a_public_udp_port_of_one_number_are_refused():
    text = ("version: 1\nname: v\nservices:\n  dns:\n    image: coredns/coredns:1.11.1\n"
            "    ports: [{port: 53, protocol: udp, public: true}]\n  web:\n    image: nginx:1.27.2\n"
            "    ports: [{port: 53, public: true}]\n")
    [line] = errors(text)
    assert "public tcp port 53 is already published by service dns" in line

"""The Kubernetes adapter's client: built from a kubeconfig (file, context, $KUBECONFIG) or the sandbox,
retries on throttling and 5xx honouring Retry-After (faults injected through the emulator's admin
endpoint), deadlines, and one-line errors with the fix."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import yaml

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.engine import DeployFailed, deploy
from cloudorch.errors import ProviderError, ProviderUnavailable
from cloudorch.live.errors import CloudError, Kind
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.kubernetes.live.logs import parse_lines, parse_time
from cloudorch_providers.kubernetes.provider import KubernetesProvider

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: {app}
services:
  web:
    image: nginx:1.27.2
    ports: [{{port: 80}}]
{extra}"""


def spec(app: str, extra: str = ""):
    return parse_spec(SPEC.format(app=app, extra=extra), f"{app}.yaml", env={}, providers=["kubernetes"])


@pytest.fixture
def sandboxed(kube):
    def make(app: str | None = None) -> KubernetesProvider:
        return KubernetesProvider(spec(app or f"cl-{uuid.uuid4().hex[:6]}"),
                                  sandbox={"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"})

    return make


@pytest.fixture
def fault(http):
    """``fault(match, status, count=1, retry_after=None, delay=0)``; every fault is cleared afterwards."""

    def add(match: str, status: int, count: int = 1, retry_after: float | None = None, delay: float = 0.0):
        code, _, body = http("POST", "/_cloudorch/faults", {"match": match, "status": status, "count": count,
                                                            "retry_after": retry_after, "delay": delay})
        assert code == 200, body

    yield add
    http("DELETE", "/_cloudorch/faults")


def actions(kube, match: str) -> list[int]:
    return [r.status for r in kube.admin.requests if r.action == match]


# -- where the cluster is ------------------------------------------------------------------------------
@pytest.fixture
def kubeconfig(kube, tmp_path):
    path = tmp_path / "config"
    document = kube.emulator.kubeconfig(kube.url, kube.ca_cert, context="sandbox-ctx")
    document["contexts"].append({"name": "elsewhere", "context": {"cluster": "sandbox-ctx", "user": "nobody"}})
    document["users"].append({"name": "nobody", "user": {}})
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_kubeconfig_named_in_the_settings(kubeconfig):
    app = f"kc-{uuid.uuid4().hex[:6]}"
    extra = f"providers:\n  kubernetes: {{kubeconfig: '{kubeconfig}', context: sandbox-ctx}}\n"
    provider = KubernetesProvider(spec(app, extra))
    assert provider.sandbox is None
    plan = provider.plan(deadline=Deadline(60))
    assert [(str(c.action), c.kind) for c in plan.pending][:2] == [("create", "Namespace"), ("create", "Deployment")]
    assert provider.kube.where.startswith("https://127.0.0.1:")


def test_kubeconfig_from_the_environment(kubeconfig, monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{kubeconfig}")  # a list, as kubectl takes it
    provider = KubernetesProvider(spec(f"kc-{uuid.uuid4().hex[:6]}"))
    assert provider.status(deadline=Deadline(60)).services[0].message == "not deployed"


def test_a_missing_kubeconfig_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nothing-here"))
    with pytest.raises(ProviderUnavailable) as caught:
        KubernetesProvider(spec("kc-missing")).plan(deadline=Deadline(60))
    message = str(caught.value)
    assert "\n" not in message and "nothing-here" in message
    assert "providers.kubernetes.kubeconfig" in message and "--sandbox" in message


def test_an_unknown_context_says_what_to_do(kubeconfig):
    extra = f"providers:\n  kubernetes: {{kubeconfig: '{kubeconfig}', context: nope}}\n"
    with pytest.raises(ProviderUnavailable, match="context 'nope' of kubeconfig .*providers.kubernetes.context"):
        KubernetesProvider(spec("kc-ctx", extra)).status(deadline=Deadline(60))


def test_credentials_the_cluster_refuses(kubeconfig):
    extra = f"providers:\n  kubernetes: {{kubeconfig: '{kubeconfig}', context: elsewhere}}\n"
    with pytest.raises(ProviderError) as caught:
        KubernetesProvider(spec("kc-anon", extra)).status(deadline=Deadline(60))
    assert "401" in str(caught.value) and "log in again" in str(caught.value)


def test_a_cluster_that_is_not_there(tmp_path):
    provider = KubernetesProvider(spec("gone"), sandbox={"url": "https://127.0.0.1:9", "ca_cert": None,
                                                         "token": "x"})
    with pytest.raises(ProviderError) as caught:
        provider.status(deadline=Deadline(1.5))
    assert "cannot reach the Kubernetes API at https://127.0.0.1:9" in str(caught.value)
    assert "\n" not in str(caught.value)


# -- retries ------------------------------------------------------------------------------------------
def test_throttling_is_retried_after_the_servers_delay(kube, sandboxed, fault):
    provider = sandboxed()
    kube.admin.requests.clear()
    fault("get namespaces", 429, count=2, retry_after=0.3)
    started = time.monotonic()
    provider.status(deadline=Deadline(60))
    assert time.monotonic() - started >= 0.6
    assert actions(kube, "get namespaces") == [429, 429, 404]


def test_server_errors_are_retried_for_writes_too(kube, sandboxed, fault):
    provider = sandboxed()
    plan = provider.plan(deadline=Deadline(60))
    kube.admin.requests.clear()
    fault("apply namespaces", 503, count=1)
    fault("apply deployments", 500, count=2)
    for change in plan.pending:
        provider.apply(change, deadline=Deadline(60))
    assert actions(kube, "apply namespaces") == [503, 201]
    assert actions(kube, "apply deployments") == [500, 500, 201]
    assert provider.plan(deadline=Deadline(60)).empty


def test_a_server_that_keeps_failing_is_one_line(kube, sandboxed, fault):
    provider = sandboxed()
    fault("get namespaces", 500, count=-1)
    kube.admin.requests.clear()
    with pytest.raises(ProviderError) as caught:  # retries stop before a wait would pass the deadline
        provider.status(deadline=Deadline(2.0))
    message = str(caught.value)
    assert message.startswith(f"reading namespace {provider.app.name}: 500 ") and "try again later" in message
    assert "\n" not in message and 3 <= len(actions(kube, "get namespaces")) <= 6


def test_client_errors_are_not_retried(kube, sandboxed, fault):
    provider = sandboxed()
    kube.admin.requests.clear()
    fault("get namespaces", 403, count=1)
    with pytest.raises(ProviderError, match="403 .*RBAC"):
        provider.status(deadline=Deadline(60))
    assert actions(kube, "get namespaces") == [403]


def test_the_deadline_bounds_requests_and_retries(kube, sandboxed, fault):
    provider = sandboxed()
    fault("get namespaces", 0, count=-1, delay=3.0)  # a hanging API server
    with pytest.raises(DeadlineExceeded) as caught:
        provider.status(deadline=Deadline(1.0))
    assert str(caught.value).startswith(f"timed out after 1s while reading namespace {provider.app.name}")
    assert "\n" not in str(caught.value)


def test_errors_carry_their_kind(kube, sandboxed, fault):
    provider = sandboxed()
    fault("get namespaces", 503, count=-1)
    with pytest.raises(CloudError) as caught:
        provider.status(deadline=Deadline(1.5))
    assert caught.value.kind is Kind.UNAVAILABLE and caught.value.transient


# -- log lines ----------------------------------------------------------------------------------------
def test_rfc3339_times_with_nanoseconds():
    assert parse_time("2026-01-02T03:04:05.123456789Z") == dt.datetime(2026, 1, 2, 3, 4, 5, 123456, dt.UTC)
    assert parse_time("2026-01-02T03:04:05Z") == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert parse_time("2026-01-02T05:04:05.5+02:00") == dt.datetime(2026, 1, 2, 3, 4, 5, 500000, dt.UTC)
    assert parse_time("hello") is None
    lines = parse_lines("2026-01-02T03:04:05.1Z first\nno stamp here\n2026-01-02T03:04:06Z  spaced\r\n",
                        "web", "abc", "web")
    assert [(line.time.second, line.message) for line in lines] == [(5, "first"), (5, "no stamp here"),
                                                                    (6, " spaced")]


def test_a_hanging_reply_ends_the_deploy_by_its_deadline(sandboxed, fault):
    """Every Deployment apply answers 60 s late: the deploy ends at its 6 s deadline (not after the
    replies), with one line naming the change it was applying."""
    provider = sandboxed()
    deadline = Deadline(6)
    plan = provider.plan(deadline=deadline)
    fault("apply deployments", 0, count=-1, delay=60)
    started = time.monotonic()
    with pytest.raises(DeployFailed) as caught:
        deploy(provider, plan, deadline=deadline, poll=0.1)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 1
    assert message.startswith("service web: timed out after 6s while applying Deployment web"), message
    assert time.monotonic() - started < 45  # generous: far below the 60 s the replies would take

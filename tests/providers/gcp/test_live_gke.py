"""The GKE provider's live half: the cluster found through google-cloud-container (REST) against the GKE
emulator, the Kubernetes adapter on the endpoint and CA it returns, and one-line errors for a missing
cluster, a cluster that is not running and missing credentials. Google credentials are exercised for
real too: an authorized-user credentials file whose token endpoint is a local server."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.errors import CloudorchError, ProviderError, ProviderUnavailable
from cloudorch.provider import State
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.gcp.live.cluster import TokenSource, credentials_and_project
from cloudorch_providers.gcp.provider import GKEProvider
from cloudorch_providers.gcp.settings import GKESettings

pytestmark = pytest.mark.sandbox

SPEC = """\
version: 1
name: {app}
services:
  web:
    image: nginx:1.27.2
    ports: [{{port: 80, public: true}}]
providers:
  gcp: {{project: demo-project, location: us-central1, cluster: {cluster}}}
"""


@pytest.fixture
def gke_provider(gke):
    def make(cluster: str = "shop", app: str | None = None) -> GKEProvider:
        app = app or f"gke-{uuid.uuid4().hex[:6]}"
        spec = parse_spec(SPEC.format(app=app, cluster=cluster), f"{app}.yaml", env={}, providers=["gcp"])
        return GKEProvider(spec, sandbox=gke.client_config())

    return make


def lookups(gke) -> list[tuple[str, int]]:
    return [(r.action, r.status) for r in gke.admin.requests if r.action in ("GetCluster", "ListClusters")]


def test_deploy_status_and_destroy_on_the_cluster_the_gke_api_names(gke, kube, gke_provider):
    provider = gke_provider()
    gke.admin.requests.clear()
    result = deploy(provider, provider.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert result.status.healthy
    assert lookups(gke) == [("GetCluster", 200)]  # once per command
    assert provider.kube.where == kube.url
    web = provider.status(deadline=Deadline(60)).services[0]
    assert web.state is State.HEALTHY and web.endpoints and web.endpoints[0].endswith(":80")
    assert provider.plan(deadline=Deadline(60)).empty
    provider.destroy(provider.destroy_plan(deadline=Deadline(60)), deadline=Deadline(60))
    assert {s.state for s in provider.status(deadline=Deadline(60)).services} == {State.MISSING}


def test_a_missing_cluster_says_how_to_find_it(admin, gke_provider):
    status, _ = admin("DELETE", "/_gke/clusters/demo-project/us-central1/gone")
    assert status == 200
    with pytest.raises(ProviderError) as caught:
        gke_provider("gone").plan(deadline=Deadline(60))
    message = str(caught.value)
    assert "\n" not in message
    assert "GKE cluster gone (project demo-project, location us-central1) does not exist; check" in message
    assert "gcloud container clusters list --project demo-project" in message


@pytest.mark.parametrize("state", ["PROVISIONING", "STOPPING", "ERROR"])
def test_a_cluster_that_is_not_running(admin, gke_provider, state):
    name = f"c-{state.lower()}"
    admin("POST", "/_gke/clusters", {"project": "demo-project", "location": "us-central1", "name": name,
                                     "status": state, "statusMessage": "nodes are being created"})
    with pytest.raises(ProviderError) as caught:
        gke_provider(name).status(deadline=Deadline(60))
    message = str(caught.value)
    assert f"is {state}: nodes are being created, not RUNNING" in message and "\n" not in message
    assert f"gcloud container clusters describe {name} --location us-central1" in message


def test_a_reconciling_cluster_still_serves(admin, gke_provider):
    admin("POST", "/_gke/clusters", {"project": "demo-project", "location": "us-central1", "name": "upgrading",
                                     "status": "RECONCILING"})
    assert gke_provider("upgrading").status(deadline=Deadline(60)).services[0].state is State.MISSING


def test_the_gke_api_is_retried(gke, admin, gke_provider):
    status, _ = admin("POST", "/_cloudorch/faults", {"match": "GetCluster", "status": 503, "count": 2})
    assert status == 200
    gke.admin.requests.clear()
    gke_provider().status(deadline=Deadline(60))
    assert lookups(gke) == [("GetCluster", 503), ("GetCluster", 503), ("GetCluster", 200)]


def test_missing_google_credentials_say_how_to_log_in(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    spec = parse_spec(SPEC.format(app="nocreds", cluster="shop"), "nocreds.yaml", env={}, providers=["gcp"])
    with pytest.raises(ProviderUnavailable) as caught:
        GKEProvider(spec).plan(deadline=Deadline(60))
    message = str(caught.value)
    assert "gcloud auth application-default login" in message and "--sandbox" in message
    assert "\n" not in message


# -- Google credentials, for real, against a local token endpoint -----------------------------------------
@pytest.fixture
def token_server():
    issued: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            token = f"ya29.token-{len(issued) + 1}"
            issued.append(token)
            body = json.dumps({"access_token": token, "expires_in": 3600, "token_type": "Bearer"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token", issued
    server.shutdown()


def service_account_file(path, token_uri: str, project: str | None) -> None:
    """A service account key file (with a fresh RSA key) whose token endpoint is ``token_uri``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {"type": "service_account", "private_key_id": "k1", "private_key": pem,
            "client_email": "deployer@example-project.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": token_uri}
    if project:
        info["project_id"] = project
    path.write_text(json.dumps(info))


@pytest.fixture
def adc(token_server, tmp_path, monkeypatch):
    """``adc(project)``: Application Default Credentials from a key file; the issued tokens."""
    url, issued = token_server
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud settings of the machine's
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)

    def use(project: str | None) -> list[str]:
        path = tmp_path / f"key-{project}.json"
        service_account_file(path, url, project)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
        return issued

    return use


def test_application_default_credentials_give_the_project_and_a_refreshed_token(adc):
    settings = GKESettings(location="us-central1", cluster="shop")
    adc(None)
    with pytest.raises(ProviderError, match="set providers.gcp.project"):
        credentials_and_project(settings, None)
    issued = adc("adc-project")
    credentials, project = credentials_and_project(settings, None)
    assert project == "adc-project"
    explicit = GKESettings(project="from-the-spec", location="us-central1", cluster="shop")
    assert credentials_and_project(explicit, None)[1] == "from-the-spec"
    tokens = TokenSource(credentials)
    assert tokens.token() == "ya29.token-1"
    configuration = type("Configuration", (), {"api_key": {}})()
    tokens.hook(configuration)  # before each request: still valid, so no new token
    assert configuration.api_key == {"authorization": "Bearer ya29.token-1"} and issued == ["ya29.token-1"]


def test_google_credentials_that_cannot_be_refreshed(tmp_path, monkeypatch):
    path = tmp_path / "key.json"
    service_account_file(path, "http://127.0.0.1:9/token", "p-project")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    credentials, _ = credentials_and_project(GKESettings(location="us-central1", cluster="shop"), None)
    with pytest.raises(ProviderError, match="cannot reach Google"):
        TokenSource(credentials).token()


def test_a_hanging_gke_api_ends_the_command_by_its_deadline(admin, gke_provider):
    """GetCluster answers 60 s late: the command ends near its 5 s deadline with one line naming the
    cluster it was looking up."""
    status, _ = admin("POST", "/_cloudorch/faults", {"match": "GetCluster", "status": 0, "delay": 60, "count": -1})
    assert status == 200
    started = time.monotonic()
    try:
        with pytest.raises(CloudorchError) as caught:
            gke_provider().status(deadline=Deadline(5))
    finally:
        admin("DELETE", "/_cloudorch/faults")
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 1
    assert "GKE cluster shop (project demo-project, location us-central1)" in message, message
    assert time.monotonic() - started < 45  # generous: far below the 60 s the reply would take

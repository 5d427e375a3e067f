"""ACI's own error codes, as ARM answers them (injected through the emulator's admin endpoint), read
by the Azure error table: the exit code and the hint each one gets (sources in
``cloudorch_providers.azure.live.errors``)."""

from __future__ import annotations

import pytest
from live_support import Harness

from cloudorch.engine.deploy import DeployFailed

pytestmark = pytest.mark.sandbox


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", "error-code-tests")
    return Harness(running, tmp_path)


@pytest.mark.parametrize("status, code, message, exit_code, hint", [
    (409, "RegistryErrorResponse", "An error response is received from the docker registry 'index.docker.io'. "
     "Please retry later.", 1, "Docker Hub's rate limit"),
    (400, "ContainerGroupQuotaReached", "Resource type 'Microsoft.ContainerInstance/containerGroups' container "
     "group quota 'StandardCores' exceeded in region 'westeurope'. Limit: '10', Usage: '10' Requested: '1'.", 1,
     "cores: StandardCores"),
    (400, "InaccessibleImage", "The image 'nginx:1.27.2' in container group 'demo-web-0' is not accessible.", 2,
     "check the image name and tag"),
    (409, "ContainerGroupTransitioning", "The container group 'demo-web-0' is still transitioning, please retry "
     "later.", 1, "another operation is in progress"),
])
def test_aci_error_codes_get_their_exit_code_and_hint(live, admin, status, code, message, exit_code, hint):
    admin.post("faults", {"match": "PUT containerGroups", "status": status, "count": -1, "code": code,
                          "message": message})
    with pytest.raises(DeployFailed) as caught:
        live.deploy(live.provider(replicas=1))
    text = str(caught.value)
    assert caught.value.exit_code == exit_code, text
    assert f"{code}: {message.split('.')[0]}" in text and hint in text, text
    assert "\n" not in text

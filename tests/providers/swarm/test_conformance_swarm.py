"""The provider conformance kit and the real-traffic step on Docker Swarm, against a real private
Docker engine (the swarm sandbox), with out-of-band operations done by the docker SDK.

Swarm runs real containers, so the kit's images must exist: the fixture imports stand-ins under the
kit's image names into the private engine (busybox with a small script each: an http server for
nginx and the api, a loop for the worker and the log shipper, a tcp listener for redis, an exit 1 for
the crash loop). Nothing is pulled."""

from __future__ import annotations

import pytest
from swarm_support import create_secret, engine_client, start_sandbox

from cloudorch.testing import ConformanceHooks, ProviderConformance
from cloudorch.testing.traffic import RealTrafficConformance, TrafficHooks
from cloudorch_providers.swarm.images import import_busybox

OWNER = "cloudorch-app"
HTTPD = ["/bin/httpd", "-f", "-v", "-p", "80", "-h", "/www"]
STAND_INS = {
    "nginx:1.27.2": {"cmd": HTTPD, "files": {"www/index.html": "nginx stand-in 1.27.2\n"}},
    "nginx:1.27.3": {"cmd": HTTPD, "files": {"www/index.html": "nginx stand-in 1.27.3\n"}},
    "ghcr.io/acme/shop-api:2.3.1": {"files": {
        "app/api": "#!/bin/sh\necho api listening on 8080 \"$@\"\nexec httpd -f -v -p 8080 -h /www\n",
        "www/healthz": "ok\n", "www/index.html": "api\n"}},
    "ghcr.io/acme/shop-worker:2.3.1": {"entrypoint": ["/app/worker"], "files": {
        "app/worker": "#!/bin/sh\n[ \"$1\" = --check ] && exit 0\nwhile true; do echo \"worker $*\"; sleep 2; done\n"}},
    "redis:7.4.1": {"cmd": ["/bin/sh", "-c", "echo redis stand-in; exec nc -ll -p 6379 -e echo +PONG"]},
    "fluent/fluent-bit:3.1.9": {"cmd": ["/bin/sh", "-c", "while true; do echo shipped; sleep 2; done"]},
    "ghcr.io/acme/crashloop:1.0.0": {"cmd": ["/bin/sh", "-c", "echo crashing; exit 1"]},
}


class SwarmHooks(ConformanceHooks, TrafficHooks):
    def __init__(self, box):
        self.api = engine_client(box)

    def _service(self, app: str, service: str) -> dict | None:
        found = [s for s in self.api.services() if s["Spec"]["Name"] == f"{app}_{service}"]
        return found[0] if found else None

    def delete_service(self, app: str, service: str) -> None:
        self.api.remove_service(self._service(app, service)["ID"])

    def plant_unowned(self, app: str, service: str) -> None:
        self.api.create_service({"ContainerSpec": {"Image": "cloudorch/busybox:local",
                                                   "Command": ["/bin/sh", "-c", "sleep 3600"]}},
                                name=f"{app}_{service}", labels={"owner": "someone-else"})

    def unowned_exists(self, app: str, service: str) -> bool:
        found = self._service(app, service)
        return found is not None and OWNER not in (found["Spec"].get("Labels") or {})

    def owned_resources(self, app: str) -> list[str]:
        def ours(labels) -> bool:
            return (labels or {}).get(OWNER) == app and (labels or {}).get("managed-by") == "cloudorch"

        found = [f"service {s['Spec']['Name']}" for s in self.api.services() if ours(s["Spec"].get("Labels"))]
        found += [f"network {n['Name']}" for n in self.api.networks() if ours(n.get("Labels"))]
        found += [f"secret {s['Spec']['Name']}" for s in self.api.secrets() if ours(s["Spec"].get("Labels"))]
        return found

    def create_secret(self, app: str, name: str, value: str) -> None:
        if name not in {s["Spec"]["Name"] for s in self.api.secrets()}:
            create_secret(self.api, name, value)

    def _containers(self, app: str, service: str) -> list[dict]:
        return self.api.containers(filters={"label": f"com.docker.swarm.service.name={app}_{service}",
                                            "status": "running"})

    def running_images(self, app: str, service: str) -> list[str]:
        return sorted(c["Image"] for c in self._containers(app, service))

    def running_replicas(self, app: str, service: str) -> set[str]:
        return {c["Id"] for c in self._containers(app, service)}

    def kill_replica(self, app: str, service: str) -> str:
        victim = self._containers(app, service)[0]["Id"]
        self.api.kill(victim)
        return victim


class TestSwarmConformance(ProviderConformance):
    provider = "swarm"
    timeout = 120.0
    status_read = "GET /tasks"
    known_gaps = {}

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, tmp_path_factory):
        box = start_sandbox(tmp_path_factory.mktemp("swarm-sandbox"))
        host = box.config("swarm")["engine_host"]
        for tag, image in STAND_INS.items():
            import_busybox(host, tag, files=image.get("files"), cmd=image.get("cmd"),
                           entrypoint=image.get("entrypoint"))
        yield box
        box.close()

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        return SwarmHooks(sandbox)


TRAFFIC_SPEC = """\
version: 1
name: traffic
services:
  web:
    image: cloudorch/busybox:local
    command:
      - /bin/sh
      - -c
      - mkdir -p /www && echo web answers $$(hostname) > /www/index.html && exec httpd -f -p 80 -h /www
    ports: [{port: 80, protocol: http, public: true}]
    resources: {cpu: 0.05, memory: 16Mi}
    health: {http: {path: /, port: 80}, interval: 2s, timeout: 2s}
  relay:
    image: cloudorch/busybox:local
    command:
      - /bin/sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nwget -q -O - http://web:80/\\n' > /www/cgi-bin/relay
        chmod +x /www/cgi-bin/relay
        echo relay > /www/index.html
        exec httpd -f -p 81 -h /www
    ports: [{port: 81, protocol: http, public: true}]
    resources: {cpu: 0.05, memory: 16Mi}
    depends_on: [web]
providers:
  swarm:
    ports: {web: {80: 0}, relay: {81: 0}}
    stop_grace_period: 1
"""


class TestSwarmTraffic(RealTrafficConformance):
    provider = "swarm"
    timeout = 120.0
    traffic_spec = TRAFFIC_SPEC
    marker = "web answers"
    relay_path = "/cgi-bin/relay"

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, tmp_path_factory):
        box = start_sandbox(tmp_path_factory.mktemp("swarm-traffic"))
        yield box
        box.close()

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        return SwarmHooks(sandbox)

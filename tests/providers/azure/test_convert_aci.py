"""Spec -> ACI container groups: golden files, the Azure SDK's own models as the oracle, and the
mapping rules (replicas, public IPs, secrets, units, command, probes, volumes, sidecars)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from azure.mgmt.containerinstance.models import ContainerGroup

from cloudorch.spec import parse_spec
from cloudorch.spec.models import Resources
from cloudorch_providers.azure.convert import tag_key
from cloudorch_providers.azure.emulation.sdk_schema import check_body
from cloudorch_providers.azure.provider import AzureProvider
from cloudorch_providers.azure.secret_refs import refs, registry_host
from cloudorch_providers.azure.sizing import aci_size

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ("hello", "webshop", "worker")

# A spec that sets every field the Azure mapping reads.
FULL = """
version: 1
name: full
labels: {team: core, example.com/tier: gold}
services:
  front:
    image: registry.example.com:5000/acme/front:1.0
    image_pull_secret: regcreds
    command: [/bin/front]
    args: [--port, "8080"]
    env: {MODE: prod, BACKEND: "http://back:9000/api", COUNT: 3, DEBUG: false}
    secrets: {TOKEN: front-token, DB_PASSWORD: db.password}
    ports:
      - {port: 8080, protocol: http, public: true}
      - {port: 5353, protocol: udp, public: true}
      - {port: 9100}
    resources: {cpu: 125m, memory: 300Mi}
    replicas: 2
    autoscale: {min: 2, max: 5, cpu_percent: 60}
    health:
      http: {path: /ready, port: 8080}
      interval: 2500ms
      timeout: 500ms
      retries: 4
      start_period: 1m30s
    security: {run_as_user: 1000, run_as_group: 1000, read_only_root: true, drop_capabilities: true}
    depends_on: [back]
    volumes:
      - {name: cache, path: /var/cache}
      - {name: spool, path: /var/spool}
    sidecars:
      - name: shipper
        image: fluent/fluent-bit:3.1.9
        args: [-c, /etc/fluent.conf]
        env: {TARGET: logs}
        secrets: {SHIP_KEY: ship-key}
        resources: {cpu: 0.1, memory: 64Mi}
        volumes: [{name: spool, path: /spool}]
      - name: exporter
        image: ghcr.io/acme/exporter:2
        command: [/exporter, --listen=:9100]
  back:
    image: back:2
    image_pull_secret: hub-login
    ports: [{port: 9000}]
    resources: {cpu: 2, memory: 4Gi}
    health:
      tcp: {port: 9000}
  job:
    image: ghcr.io/acme/job:1
    resources: {cpu: 0.5, memory: 1Gi}
    replicas: 0
    health:
      command: [/job, --ping]
providers:
  azure:
    resource_group: full-rg
    location: westeurope
    dns_label_prefix: acme-full
    network: public
    secrets:
      front-token: {file: /run/secrets/front-token}
      hub-login: {username: acme, password_env: HUB_PASSWORD}
"""


def provider(text: str, env: dict[str, str] | None = None) -> AzureProvider:
    return AzureProvider(parse_spec(textwrap.dedent(text), "test.yaml", env=env or {}))


def bodies(p: AzureProvider) -> dict[str, dict]:
    return {doc.name: doc.body for doc in p.render()}


def network_model(kind: str) -> type:
    from azure.mgmt.network import models as net
    from azure.mgmt.privatedns import models as dns

    return {"virtualNetworks": net.VirtualNetwork, "publicIPAddresses": net.PublicIPAddress,
            "applicationGateways": net.ApplicationGateway, "privateDnsZones": dns.PrivateZone,
            "virtualNetworkLinks": dns.VirtualNetworkLink}[kind]


def sdk_roundtrip(body: dict) -> dict:
    """The body as azure-mgmt-containerinstance understands it: keys the SDK does not know vanish,
    so comparing with the body catches every misspelt or invented key."""
    return ContainerGroup.deserialize(body).serialize()


def main(body: dict) -> dict:
    return body["properties"]["containers"][0]["properties"]


# -- golden files and the SDK oracle ------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_match_golden_files(example, load_example, golden):
    docs = AzureProvider(load_example(example)).render()
    golden(GOLDEN / f"{example}.json",
           [{"kind": d.kind, "name": d.name, "service": d.service, "body": d.body} for d in docs])


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_survive_the_sdk_model_unchanged(example, load_example):
    for doc in AzureProvider(load_example(example)).render():
        if doc.kind == "containerGroups":
            assert sdk_roundtrip(doc.body) == doc.body, doc.name
        else:  # the network SDKs' models know every property's name and type
            check_body(network_model(doc.kind), doc.body)


def test_every_field_survives_the_sdk_model_unchanged():
    docs = provider(FULL).render()
    assert [d.name for d in docs] == ["full-back-0", "full-front-0", "full-front-1"]
    for doc in docs:
        assert sdk_roundtrip(doc.body) == doc.body, doc.name


def test_the_sdk_oracle_catches_keys_the_api_does_not_know():
    body = bodies(provider(FULL))["full-front-0"]
    main(body)["securityContext"] = {"readOnlyRootFilesystem": True}
    main(body)["tcpSocket"] = {"port": 1}
    assert sdk_roundtrip(body) != body


# -- replicas -----------------------------------------------------------------------------------

def test_one_group_per_replica_with_replica_tags():
    p = provider("""
        version: 1
        name: shop
        labels: {team: a}
        services:
          web: {image: "nginx:1", replicas: 3}
        """)
    docs = p.render()
    assert [d.name for d in docs] == ["shop-web-0", "shop-web-1", "shop-web-2"]
    assert {d.service for d in docs} == {"web"}
    for i, doc in enumerate(docs):
        assert doc.body["tags"] == {"team": "a", "cloudorch-app": "shop", "managed-by": "cloudorch",
                                    "cloudorch-service": "web", "cloudorch-replica": str(i)}


def test_autoscale_renders_the_start_count():
    docs = provider("""
        version: 1
        name: shop
        services:
          web: {image: "nginx:1", autoscale: {min: 3, max: 9}}
        """).render()
    assert [d.name for d in docs] == ["shop-web-0", "shop-web-1", "shop-web-2"]


def test_zero_replicas_render_no_group():
    assert "full-job-0" not in bodies(provider(FULL))


def test_groups_come_in_dependency_order():
    assert [d.service for d in provider(FULL).render()] == ["back", "front", "front"]


# -- network ------------------------------------------------------------------------------------

def test_public_ip_only_for_public_ports():
    all_bodies = bodies(provider(FULL))
    assert "ipAddress" not in all_bodies["full-back-0"]["properties"]
    assert main(all_bodies["full-back-0"])["ports"] == [{"port": 9000, "protocol": "TCP"}]
    front = all_bodies["full-front-1"]["properties"]
    assert front["ipAddress"] == {"type": "Public", "dnsNameLabel": "acme-full-front-1",
                                  "ports": [{"port": 8080, "protocol": "TCP"}, {"port": 5353, "protocol": "UDP"}]}
    assert main(all_bodies["full-front-1"])["ports"] == [
        {"port": 8080, "protocol": "TCP"}, {"port": 5353, "protocol": "UDP"}, {"port": 9100, "protocol": "TCP"}]


def test_default_dns_labels_are_deterministic_unique_and_short():
    app, service = "a" * 30, "s" * 29  # group names reach 63 characters, default labels would need 70
    text = f"""
        version: 1
        name: {app}
        services:
          {service}:
            image: "nginx:1"
            replicas: 12
            ports: [{{port: 80, public: true}}]
        """

    def labels(spec_text):
        return [b["properties"]["ipAddress"]["dnsNameLabel"] for b in bodies(provider(spec_text)).values()]

    first = labels(text)
    assert first == labels(text)
    assert len(set(first)) == 12
    for label in first:
        assert 5 <= len(label) <= 63 and label == label.lower() and label[0].isalpha() and label[-1].isalnum()
    moved = labels(text.rstrip(" ") + "        providers: {azure: {resource_group: elsewhere}}\n")
    assert not set(first) & set(moved)


# -- secrets ------------------------------------------------------------------------------------

def test_secret_placeholders_never_hold_the_value(monkeypatch, tmp_path, load_example):
    monkeypatch.setenv("SHOP_SESSION_KEY", "value-of-session-key-123")
    monkeypatch.setenv("SHOP_DATABASE_URL", "postgres://user:pw-987@db/shop")
    text = json.dumps([d.body for d in AzureProvider(load_example("webshop")).render()])
    assert "value-of-session-key-123" not in text and "pw-987" not in text
    web = main(bodies(AzureProvider(load_example("webshop")))["webshop-web-0"])
    assert {"name": "SESSION_KEY",
            "secureValue": "<placeholder: secret session-key, read from env SHOP_SESSION_KEY at deploy time>"
            } in web["environmentVariables"]
    assert all("value" not in v for v in web["environmentVariables"] if v["name"] == "SESSION_KEY")


def test_secret_sources_default_and_file_and_registry_logins(monkeypatch):
    monkeypatch.setenv("REGCREDS", "someone:hunter2")
    monkeypatch.setenv("HUB_PASSWORD", "hub-secret-xyz")
    monkeypatch.setenv("DB_PASSWORD", "dbpass-555")
    all_bodies = bodies(provider(FULL))
    text = json.dumps(all_bodies)
    for value in ("hunter2", "hub-secret-xyz", "dbpass-555"):
        assert value not in text
    env = {v["name"]: v for v in main(all_bodies["full-front-0"])["environmentVariables"]}
    assert env["TOKEN"]["secureValue"] == (
        "<placeholder: secret front-token, read from file /run/secrets/front-token at deploy time>")
    assert env["DB_PASSWORD"]["secureValue"] == (
        "<placeholder: secret db.password, read from env DB_PASSWORD at deploy time>")
    assert env["MODE"] == {"name": "MODE", "value": "prod"}
    assert env["COUNT"] == {"name": "COUNT", "value": "3"} and env["DEBUG"]["value"] == "false"
    assert all_bodies["full-front-0"]["properties"]["imageRegistryCredentials"] == [{
        "server": "registry.example.com:5000",
        "username": "<placeholder: username part of secret regcreds, read from env REGCREDS at deploy time>",
        "password": "<placeholder: password part of secret regcreds, read from env REGCREDS at deploy time>",
    }]
    assert all_bodies["full-back-0"]["properties"]["imageRegistryCredentials"] == [{
        "server": "index.docker.io", "username": "acme",
        "password": "<placeholder: password part of secret hub-login, read from env HUB_PASSWORD at deploy time>",
    }]


def test_refs_cover_every_placeholder_in_the_output():
    p = provider(FULL)
    text = json.dumps([d.body for d in p.render()])
    found = refs(p.app, p.settings)
    assert {"front-token", "db.password", "ship-key", "regcreds", "hub-login"} == {r.secret for r in found.values()}
    for placeholder in found:
        assert placeholder in text
    assert text.count("<placeholder:") == sum(text.count(p) for p in found)


@pytest.mark.parametrize(("image", "host"), [
    ("nginx:1", "index.docker.io"), ("library/nginx", "index.docker.io"), ("fluent/fluent-bit:3", "index.docker.io"),
    ("ghcr.io/acme/api:2", "ghcr.io"), ("localhost/x", "localhost"), ("reg.local:5000/x/y", "reg.local:5000"),
])
def test_registry_host(image, host):
    assert registry_host(image) == host


# -- units --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cpu", "mib", "aci_cpu", "aci_gb", "exact"), [
    (0.25, 512, 0.25, 0.5, True),
    (1, 1024, 1.0, 1.0, True),
    (0.5, 1536, 0.5, 1.5, True),
    (2, 16384, 2.0, 16.0, True),
    (0.125, 512, 0.13, 0.5, False),  # cpu rounds up to 0.01
    (0.001, 512, 0.01, 0.5, False),
    (1, 128, 1.0, 0.2, False),  # 0.125 GB -> 0.2
    (1, 100, 1.0, 0.1, False),  # 0.098 GB -> 0.1
    (1, 1000, 1.0, 1.0, False),  # 0.977 GB -> 1.0
    (1, 1025, 1.0, 1.1, False),
    (1, 2560, 1.0, 2.5, True),
])
def test_cpu_and_memory_in_aci_units(cpu, mib, aci_cpu, aci_gb, exact):
    size = aci_size(Resources.model_construct(cpu=cpu, memory=mib))
    assert (size.cpu, size.memory_gb, size.exact) == (aci_cpu, aci_gb, exact)


def test_requests_and_limits_are_equal_and_rounded_up():
    shipper = bodies(provider(FULL))["full-front-0"]["properties"]["containers"][1]["properties"]
    assert shipper["resources"] == {"requests": {"cpu": 0.1, "memoryInGB": 0.1},
                                    "limits": {"cpu": 0.1, "memoryInGB": 0.1}}
    assert main(bodies(provider(FULL))["full-front-0"])["resources"]["requests"] == {"cpu": 0.13, "memoryInGB": 0.3}


# -- containers ---------------------------------------------------------------------------------

def test_command_is_command_plus_args_and_args_alone_replace_the_entrypoint():
    front = bodies(provider(FULL))["full-front-0"]["properties"]["containers"]
    assert front[0]["properties"]["command"] == ["/bin/front", "--port", "8080"]
    assert front[1]["properties"]["command"] == ["-c", "/etc/fluent.conf"]
    assert front[2]["properties"]["command"] == ["/exporter", "--listen=:9100"]
    assert "command" not in main(bodies(provider(FULL))["full-back-0"])


def test_http_probe_with_rounded_whole_seconds():
    front = main(bodies(provider(FULL))["full-front-0"])
    expected = {"httpGet": {"path": "/ready", "port": 8080, "scheme": "http"}, "initialDelaySeconds": 90,
                "periodSeconds": 3, "timeoutSeconds": 1, "failureThreshold": 4}
    assert front["livenessProbe"] == expected and front["readinessProbe"] == expected


def test_command_probe_and_no_probe_for_tcp(load_example):
    docs = bodies(AzureProvider(load_example("webshop")))
    assert main(docs["webshop-worker-0"])["livenessProbe"]["exec"] == {"command": ["/app/worker", "--check"]}
    redis = main(docs["webshop-redis-0"])
    assert "livenessProbe" not in redis and "readinessProbe" not in redis


def test_sidecars_share_the_group_and_its_volumes():
    props = bodies(provider(FULL))["full-front-0"]["properties"]
    assert [c["name"] for c in props["containers"]] == ["front", "shipper", "exporter"]
    assert props["volumes"] == [{"name": "cache", "emptyDir": {}}, {"name": "spool", "emptyDir": {}}]
    assert props["containers"][0]["properties"]["volumeMounts"] == [
        {"name": "cache", "mountPath": "/var/cache"}, {"name": "spool", "mountPath": "/var/spool"}]
    assert props["containers"][1]["properties"]["volumeMounts"] == [{"name": "spool", "mountPath": "/spool"}]
    assert "volumeMounts" not in props["containers"][2]["properties"]
    assert all("livenessProbe" not in c["properties"] for c in props["containers"][1:])


def test_group_settings_and_no_security_context():
    body = bodies(provider(FULL))["full-front-0"]
    assert body["location"] == "westeurope"
    props = body["properties"]
    assert (props["osType"], props["restartPolicy"], props["sku"]) == ("Linux", "Always", "Standard")
    assert all("securityContext" not in c["properties"] for c in props["containers"])


def test_labels_become_tags_with_slashes_replaced():
    tags = bodies(provider(FULL))["full-back-0"]["tags"]
    assert tags["example.com_tier"] == "gold" and tags["team"] == "core"
    assert tag_key("a/b") == "a_b"

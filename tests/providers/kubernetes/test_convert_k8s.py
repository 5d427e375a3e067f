"""Spec -> Kubernetes manifests: golden files for the examples and the mapping rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cloudorch.errors import SpecError
from cloudorch.spec import parse_spec
from cloudorch_providers.kubernetes.convert_workload import cpu_quantity, literal, memory_quantity
from cloudorch_providers.kubernetes.provider import KubernetesProvider

GOLDEN = Path(__file__).parent / "golden"

#: a spec that sets every field the kubernetes provider maps
FULL = """
version: 1
name: full
labels: {team: core, tier: "gold"}
services:
  web:
    image: registry.example.com/acme/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    image_pull_secret: registry-creds
    command: ["/bin/web", "--home=$(HOME)", "cost=$$5"]
    args: ["--name", "$(POD_NAME)"]
    env: {B_VAR: "two", A_VAR: "price $(X) $$"}
    secrets: {SESSION_KEY: session-key, TOKEN: api-token}
    ports:
      - {port: 80, protocol: http, public: true}
      - {port: 9090}
      - {port: 5353, protocol: udp}
    resources: {cpu: 1.5, memory: 1536Mi}
    replicas: 3
    autoscale: {min: 2, max: 8, cpu_percent: 60}
    health:
      http: {path: /healthz, port: 80}
      interval: 1500ms
      timeout: 1s
      retries: 4
      start_period: 1m
    security: {run_as_user: 1000, run_as_group: 3000, read_only_root: true, drop_capabilities: true}
    depends_on: [db, cache]
    volumes:
      - {name: tmp, path: /tmp}
      - {name: spool, path: /var/spool/web}
    sidecars:
      - name: shipper
        image: fluent/fluent-bit:3.1.9
        command: ["/fluent-bit/bin/fluent-bit"]
        args: ["-c", "/etc/fb.conf"]
        env: {FLUSH: 5}
        secrets: {SHIPPER_TOKEN: shipper-token}
        resources: {cpu: 100m, memory: 64Mi}
        volumes: [{name: spool, path: /spool}]
  db:
    image: postgres:16.4
    ports: [{port: 5432}]
    replicas: 0
    health: {command: ["pg_isready", "-U", "postgres"], interval: 5s, timeout: 5s}
    security: {run_as_user: 0}
  cache:
    image: redis:7.4.1
    ports: [{port: 6379}]
    health: {tcp: {port: 6379}}
providers:
  kubernetes:
    namespace: full-ns
    context: kind-dev
    secrets:
      session-key: {secret: web-secrets, key: session}
      api-token: {secret: web-secrets}
      registry-creds: {secret: ghcr-login}
  gcp:
    location: us-central1
    cluster: main
    secrets:
      session-key: {secret: web-secrets, key: session}
      api-token: {secret: web-secrets}
      registry-creds: {secret: ghcr-login}
"""


def provider(text: str = FULL, overrides: dict | None = None, cls=KubernetesProvider):
    return cls(parse_spec(text, "full.yaml", env={}), overrides=overrides)


def by_kind(docs, kind: str, name: str):
    return next(d.body for d in docs if d.kind == kind and d.name == name)


def containers(docs, name: str) -> list[dict]:
    return by_kind(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("example", ["hello", "webshop", "worker"])
def test_examples_match_golden_files(example, load_example, golden):
    docs = KubernetesProvider(load_example(example)).render()
    golden(GOLDEN / f"{example}.json",
           [{"kind": d.kind, "name": d.name, "service": d.service, "body": d.body} for d in docs])


def test_documents_come_in_apply_order():
    docs = provider().render()
    assert [(d.kind, d.name) for d in docs] == [
        ("Namespace", "full-ns"),
        ("Deployment", "cache"), ("Service", "cache"),
        ("Deployment", "db"), ("Service", "db"),
        ("Deployment", "web"), ("Service", "web"), ("HorizontalPodAutoscaler", "web"),
    ]
    for doc in docs:
        assert doc.kind == doc.body["kind"] and doc.name == doc.body["metadata"]["name"]
        assert doc.service == (None if doc.kind == "Namespace" else doc.name)
        if doc.kind != "Namespace":
            assert doc.body["metadata"]["namespace"] == "full-ns"


def test_namespace_defaults_to_the_app_name_and_default_namespace_is_not_owned():
    text = FULL.replace("namespace: full-ns", "")
    docs = provider(text).render()
    assert docs[0].kind == "Namespace" and docs[0].name == "full"
    assert {d.body["metadata"].get("namespace") for d in docs[1:]} == {"full"}
    shared = provider(overrides={"namespace": "default"}).render()
    assert "Namespace" not in [d.kind for d in shared]
    assert {d.body["metadata"]["namespace"] for d in shared} == {"default"}


def test_namespace_is_marked_as_ours_and_enforces_baseline_pod_security():
    ns = provider().render()[0].body
    assert ns["metadata"]["labels"] == {
        "pod-security.kubernetes.io/enforce": "baseline", "app.kubernetes.io/part-of": "full",
        "app.kubernetes.io/managed-by": "cloudorch", "cloudorch.io/app": "full", "team": "core", "tier": "gold",
    }


def test_every_resource_and_pod_carries_the_markers_and_app_labels():
    p = provider()
    assert p.markers() == {"cloudorch.io/app": "full", "app.kubernetes.io/managed-by": "cloudorch"}
    for doc in p.render():
        labels = doc.body["metadata"]["labels"]
        assert p.markers().items() <= labels.items()
        assert {"team": "core", "tier": "gold"}.items() <= labels.items()
        if doc.service:
            assert labels["app.kubernetes.io/name"] == doc.service
            assert labels["cloudorch.io/service"] == doc.service
            assert labels["app.kubernetes.io/part-of"] == "full"
        if doc.kind == "Deployment":
            assert doc.body["spec"]["template"]["metadata"]["labels"] == labels


def test_selectors_use_only_stable_labels():
    before = provider().render()
    after = provider(FULL.replace('labels: {team: core, tier: "gold"}', "labels: {team: other}")).render()
    for old, new in zip(before, after, strict=True):
        if old.kind == "Deployment":
            assert old.body["spec"]["selector"] == new.body["spec"]["selector"] == {
                "matchLabels": {"cloudorch.io/app": "full", "cloudorch.io/service": old.name}}
            assert old.body["spec"]["template"]["metadata"]["labels"] != \
                new.body["spec"]["template"]["metadata"]["labels"]
        if old.kind == "Service":
            assert old.body["spec"]["selector"] == new.body["spec"]["selector"] == {
                "cloudorch.io/app": "full", "cloudorch.io/service": old.name}


def test_autoscaled_deployment_omits_replicas_and_gets_an_hpa():
    docs = provider().render()
    assert "replicas" not in by_kind(docs, "Deployment", "web")["spec"]
    assert by_kind(docs, "Deployment", "db")["spec"]["replicas"] == 0
    assert by_kind(docs, "Deployment", "cache")["spec"]["replicas"] == 1
    hpa = by_kind(docs, "HorizontalPodAutoscaler", "web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2, "maxReplicas": 8,
        "metrics": [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}],
    }
    assert all(c["resources"]["requests"]["cpu"] for c in containers(docs, "web"))


def test_rolling_update_never_removes_a_serving_replica_first():
    for doc in provider().render():
        if doc.kind == "Deployment":
            assert doc.body["spec"]["strategy"] == {
                "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}


def test_secrets_are_references_never_values():
    docs = provider().render()
    web, shipper = containers(docs, "web")
    secret_env = {e["name"]: e["valueFrom"] for e in web["env"] if "valueFrom" in e}
    assert secret_env == {
        "SESSION_KEY": {"secretKeyRef": {"name": "web-secrets", "key": "session"}},
        "TOKEN": {"secretKeyRef": {"name": "web-secrets", "key": "api-token"}},  # key defaults to the name
    }
    # unmapped: key <secret name> of the Secret <app>-secrets
    assert shipper["env"] == [
        {"name": "FLUSH", "value": "5"},
        {"name": "SHIPPER_TOKEN", "valueFrom": {"secretKeyRef": {"name": "full-secrets", "key": "shipper-token"}}},
    ]
    for entry in web["env"] + shipper["env"]:
        assert ("value" in entry) != ("valueFrom" in entry)
        if "valueFrom" in entry:
            assert entry["name"] in ("SESSION_KEY", "TOKEN", "SHIPPER_TOKEN")


def test_secret_values_in_settings_are_refused_with_the_reason():
    text = FULL.replace("session-key: {secret: web-secrets, key: session}", "session-key: {value: hunter2}", 1)
    with pytest.raises(SpecError) as err:
        provider(text)
    (issue,) = err.value.issues
    assert issue.field == "providers.kubernetes.secrets.session-key"
    assert "never goes in the spec" in issue.message and "kubectl create secret" in issue.message
    assert issue.line > 0
    assert "hunter2" not in str(err.value)


@pytest.mark.parametrize("line, field, words", [
    ("    namespace: kube-system", "providers.kubernetes", "belongs to the cluster"),
    ("    namespace: Bad_NS", "providers.kubernetes.namespace", "must match"),
    ("    service_type_public: ClusterIP", "providers.kubernetes.service_type_public", "LoadBalancer"),
    ("    kubecontext: x", "providers.kubernetes.kubecontext", "unknown key"),
    ("    secrets: {session-key: web-secrets}", "providers.kubernetes.secrets.session-key", "{secret: NAME"),
    ("    secrets: {session-key: {secret: Not_A_Name}}", "providers.kubernetes.secrets.session-key.secret",
     "must match"),
])
def test_bad_settings_point_at_the_field(line, field, words):
    text = FULL.replace("    namespace: full-ns\n", "", 1)
    head, tail = text.split("    context: kind-dev\n")
    tail = tail.split("  gcp:", 1)[1]
    text = f"{head}{line}\n  gcp:{tail}"
    with pytest.raises(SpecError) as err:
        provider(text)
    assert [i.field for i in err.value.issues] == [field]
    assert words in err.value.issues[0].message


def test_env_is_sorted_and_strings_stay_literal_under_kubernetes_expansion():
    web = containers(provider().render(), "web")[0]
    assert [e["name"] for e in web["env"]] == ["A_VAR", "B_VAR", "SESSION_KEY", "TOKEN"]
    # the spec's own "$$" is its escape for "$" (read at load time); Kubernetes' is applied on top
    assert web["env"][0]["value"] == "price $$(X) $"
    assert web["command"] == ["/bin/web", "--home=$$(HOME)", "cost=$5"]
    assert web["args"] == ["--name", "$$(POD_NAME)"]
    for original in ["$(HOME)", "$$5", "a$", "$$(X)", "$$$(Y)", "$", "(x)", "$x"]:
        assert expand(literal(original), {"HOME": "/root", "X": "1", "Y": "2"}) == original


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' documented $(VAR) expansion: $$ -> $, $(NAME) -> value if defined."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    out.append(env.get(name, text[i:end + 1]))
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def test_command_and_args_are_left_out_when_not_set():
    cache = containers(provider().render(), "cache")[0]
    assert "command" not in cache and "args" not in cache and "env" not in cache


@pytest.mark.parametrize("cpu, quantity", [(0.25, "250m"), (1.0, "1"), (1.5, "1500m"), (2.0, "2"), (0.001, "1m")])
def test_cpu_quantities_are_canonical(cpu, quantity):
    assert cpu_quantity(cpu) == quantity


@pytest.mark.parametrize("mib, quantity", [(512, "512Mi"), (1024, "1Gi"), (1536, "1536Mi"), (2048, "2Gi")])
def test_memory_quantities_are_canonical(mib, quantity):
    assert memory_quantity(mib) == quantity


def test_requests_equal_limits_per_container():
    web, shipper = containers(provider().render(), "web")
    assert web["resources"] == {"requests": {"cpu": "1500m", "memory": "1536Mi"},
                                "limits": {"cpu": "1500m", "memory": "1536Mi"}}
    assert shipper["resources"] == {"requests": {"cpu": "100m", "memory": "64Mi"},
                                    "limits": {"cpu": "100m", "memory": "64Mi"}}


def test_probes_map_each_check_kind():
    docs = provider().render()
    web = containers(docs, "web")[0]
    http = {"httpGet": {"path": "/healthz", "port": 80, "scheme": "HTTP"}, "periodSeconds": 2,
            "timeoutSeconds": 1, "successThreshold": 1}
    assert web["readinessProbe"] == {**http, "failureThreshold": 4}
    assert web["livenessProbe"] == {**http, "failureThreshold": 4}
    # start period 60s at a 2s period (1500ms rounded up): 30 checks + 4 retries
    assert web["startupProbe"] == {**http, "failureThreshold": 34}
    db = containers(docs, "db")[0]
    assert db["livenessProbe"]["exec"] == {"command": ["pg_isready", "-U", "postgres"]}
    assert "startupProbe" not in db
    cache = containers(docs, "cache")[0]
    assert cache["readinessProbe"]["tcpSocket"] == {"port": 6379}
    assert cache["livenessProbe"]["periodSeconds"] == 10 and cache["livenessProbe"]["timeoutSeconds"] == 5
    shipper = containers(docs, "web")[1]
    assert not {"readinessProbe", "livenessProbe", "startupProbe"} & shipper.keys()


def test_ports_volumes_and_pull_secrets():
    docs = provider().render()
    pod = by_kind(docs, "Deployment", "web")["spec"]["template"]["spec"]
    web, shipper = pod["containers"]
    assert web["name"] == "web" and shipper["name"] == "shipper"
    assert web["ports"] == [
        {"name": "http-80", "containerPort": 80, "protocol": "TCP"},
        {"name": "tcp-9090", "containerPort": 9090, "protocol": "TCP"},
        {"name": "udp-5353", "containerPort": 5353, "protocol": "UDP"},
    ]
    assert "ports" not in shipper
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {}}, {"name": "spool", "emptyDir": {}}]
    assert web["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"},
                                   {"name": "spool", "mountPath": "/var/spool/web"}]
    assert shipper["volumeMounts"] == [{"name": "spool", "mountPath": "/spool"}]
    assert pod["imagePullSecrets"] == [{"name": "ghcr-login"}]
    unmapped = provider(FULL.replace("      registry-creds: {secret: ghcr-login}\n", "", 1)).render()
    assert by_kind(unmapped, "Deployment", "web")["spec"]["template"]["spec"]["imagePullSecrets"] == [
        {"name": "registry-creds"}]


def test_services_ports_and_types():
    docs = provider().render()
    web = by_kind(docs, "Service", "web")
    assert web["spec"]["type"] == "LoadBalancer"
    assert web["spec"]["ports"] == [
        {"name": "http-80", "port": 80, "targetPort": 80, "protocol": "TCP", "appProtocol": "http"},
        {"name": "tcp-9090", "port": 9090, "targetPort": 9090, "protocol": "TCP"},
        {"name": "udp-5353", "port": 5353, "targetPort": 5353, "protocol": "UDP"},
    ]
    assert by_kind(docs, "Service", "db")["spec"]["type"] == "ClusterIP"
    node_port = provider(overrides={"service_type_public": "NodePort"}).render()
    assert by_kind(node_port, "Service", "web")["spec"]["type"] == "NodePort"
    assert by_kind(node_port, "Service", "db")["spec"]["type"] == "ClusterIP"


def test_a_service_without_ports_gets_no_service_object(load_example):
    docs = KubernetesProvider(load_example("worker")).render()
    assert [d.kind for d in docs] == ["Namespace", "Deployment"]


def test_secure_defaults_on_every_pod_and_container():
    docs = provider().render()
    for doc in docs:
        if doc.kind != "Deployment":
            continue
        pod = doc.body["spec"]["template"]["spec"]
        assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
        assert pod["automountServiceAccountToken"] is False
        assert pod["enableServiceLinks"] is False
        assert doc.body["spec"]["template"]["metadata"]["annotations"] == {
            "kubectl.kubernetes.io/default-container": doc.name}
        for c in pod["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["privileged"] is False
    web, shipper = containers(docs, "web")
    assert web["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False, "runAsUser": 1000, "runAsNonRoot": True,
        "runAsGroup": 3000, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    assert shipper["securityContext"] == {"allowPrivilegeEscalation": False, "privileged": False}
    # root asked for explicitly: no runAsNonRoot
    assert containers(docs, "db")[0]["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False, "runAsUser": 0}
    assert containers(docs, "cache")[0]["securityContext"] == {"allowPrivilegeEscalation": False,
                                                               "privileged": False}


def test_depends_on_is_recorded_in_an_annotation_only():
    docs = provider().render()
    assert by_kind(docs, "Deployment", "web")["metadata"]["annotations"] == {"cloudorch.io/depends-on": "db,cache"}
    assert "annotations" not in by_kind(docs, "Deployment", "db")["metadata"]


def test_rendered_yaml_has_no_anchors():
    text = yaml.safe_dump_all([d.body for d in provider().render()])
    assert "&id" not in text and "*id" not in text
    assert [d.body for d in provider().render()] == list(yaml.safe_load_all(text))


def test_reserved_labels_are_refused():
    text = FULL.replace('labels: {team: core, tier: "gold"}', "labels: {cloudorch.io/app: other}")
    with pytest.raises(SpecError) as err:
        provider(text).render()
    (issue,) = err.value.issues
    assert issue.field == "labels.cloudorch.io/app" and "ownership marker" in issue.message
    assert issue.line == 4


def test_unmapped_pull_secret_must_be_a_secret_name():
    text = FULL.replace("image_pull_secret: registry-creds", "image_pull_secret: Registry_Creds")
    with pytest.raises(SpecError) as err:
        provider(text).render()
    (issue,) = err.value.issues
    assert issue.field == "services.web.image_pull_secret"
    assert "providers.kubernetes.secrets" in issue.message

"""The GKE provider renders the Kubernetes provider's manifests for its own namespace, with its own
settings and fit wording."""

from __future__ import annotations

import copy

import pytest

from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.spec import parse_spec
from cloudorch_providers.gcp.provider import GKEProvider
from cloudorch_providers.kubernetes.provider import KubernetesProvider

SPEC = """
version: 1
name: shop
labels: {team: shop}
services:
  web:
    image: nginx:1.27.2
    image_pull_secret: registry-creds
    secrets: {SESSION_KEY: session-key}
    ports: [{port: 80, protocol: http, public: true}]
    autoscale: {min: 2, max: 4}
    health: {http: {path: /, port: 80}, start_period: 20s}
    depends_on: [api]
  api:
    image: ghcr.io/acme/api:2.3.1
    ports: [{port: 8080}]
    security: {run_as_user: 1000, drop_capabilities: true}
providers:
  kubernetes:
    namespace: shop-k8s
    secrets: {session-key: {secret: shop-secrets, key: session}}
  gcp:
    project: acme-shop
    location: us-central1-a
    cluster: prod
    namespace: shop-gke
    secrets: {session-key: {secret: shop-secrets, key: session}}
"""


def load(text: str = SPEC):
    return parse_spec(text, "shop.yaml", env={})


def normalized(docs, namespace: str):
    """The documents with the namespace name blanked out."""
    out = []
    for doc in docs:
        body = copy.deepcopy(doc.body)
        meta = body["metadata"]
        if doc.kind == "Namespace":
            assert meta["name"] == namespace
            meta["name"] = "NS"
        else:
            assert meta["namespace"] == namespace
            meta["namespace"] = "NS"
        out.append((doc.kind, doc.name if doc.kind != "Namespace" else "NS", doc.service, body))
    return out


def test_gke_renders_the_kubernetes_manifests_apart_from_the_namespace():
    spec = load()
    gke, kube = GKEProvider(spec).render(), KubernetesProvider(spec).render()
    assert normalized(gke, "shop-gke") == normalized(kube, "shop-k8s")


@pytest.mark.parametrize("example", ["webshop", "worker"])
def test_examples_render_identically_apart_from_the_namespace(example, load_example):
    spec = load_example(example)
    gke, kube = GKEProvider(spec), KubernetesProvider(spec)
    assert normalized(gke.render(), gke.namespace) == normalized(kube.render(), kube.namespace)


def test_gke_identity_and_markers():
    assert GKEProvider.name == "gcp" and GKEProvider.extra == "gcp"
    assert GKEProvider.requires == ("google.cloud.container_v1", "google.auth", "kubernetes")
    assert GKEProvider.capabilities == KubernetesProvider.capabilities
    p = GKEProvider(load())
    assert p.markers() == {"cloudorch.io/app": "shop", "app.kubernetes.io/managed-by": "cloudorch"}
    assert (p.settings.project, p.settings.location, p.settings.cluster) == ("acme-shop", "us-central1-a", "prod")


def test_gke_settings_defaults():
    text = SPEC.replace("    project: acme-shop\n", "").replace("    namespace: shop-gke\n", "")
    p = GKEProvider(load(text))
    assert p.settings.project is None  # google.auth's default project at deploy time
    assert p.namespace == "shop"
    assert p.settings.service_type_public == "LoadBalancer"
    assert p.render()[0].name == "shop"


@pytest.mark.parametrize("old, new, field, words", [
    ("    cluster: prod\n", "", "providers.gcp.cluster", "required key 'cluster' is missing"),
    ("    location: us-central1-a\n", "", "providers.gcp.location", "required key 'location' is missing"),
    ("location: us-central1-a", "location: Central", "providers.gcp.location", "must match"),
    ("project: acme-shop", "project: A", "providers.gcp.project", "must match"),
    ("cluster: prod", "cluster: prod\n    kubeconfig: ~/.kube/config", "providers.gcp.kubeconfig", "unknown key"),
    ("{secret: shop-secrets, key: session}", "{value: s3cr3t}", "providers.gcp.secrets.session-key",
     "never goes in the spec"),
])
def test_bad_gke_settings_point_at_the_field(old, new, field, words):
    head, gcp_block = SPEC.split("  gcp:\n")
    assert old in gcp_block
    with pytest.raises(SpecError) as err:
        GKEProvider(load(head + "  gcp:\n" + gcp_block.replace(old, new)))
    assert [i.field for i in err.value.issues] == [field]
    assert words in err.value.issues[0].message
    assert "s3cr3t" not in str(err.value)


def test_gke_fit_wording():
    report = {r.field: (r.fit, r.note) for r in GKEProvider(load()).validate()}
    assert report["services.web.ports.public"] == (
        Fit.EXACT, "Service type LoadBalancer: GKE's Google Cloud passthrough Network Load Balancer gives "
                   "port 80 an external address")
    assert "GKE's built-in metrics server" in report["services.web.autoscale"][1]
    assert "namespace 'shop-gke'" in report["services.web.secrets"][1]
    assert report["services.web.depends_on"][0] is Fit.LOSSY


def test_emulators_are_found_when_present():
    import importlib.util

    from cloudorch.sandbox.emulator import Emulator

    for cls, module in ((KubernetesProvider, "cloudorch_providers.kubernetes.emulator"),
                        (GKEProvider, "cloudorch_providers.gcp.emulator")):
        emulator = cls.emulator()
        if importlib.util.find_spec(module) is None:
            assert emulator is None
        else:
            assert isinstance(emulator, Emulator)

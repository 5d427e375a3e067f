"""Every rendered manifest against oracles nobody here wrote: the Kubernetes OpenAPI schemas of the
newest version kubernetes-validate ships (strict: no unknown fields), and the official Python
client's models (a manifest must survive a round trip through them unchanged)."""

from __future__ import annotations

import kubernetes.client as k8s
import kubernetes_validate
import pytest
from test_convert_k8s import FULL, provider

from cloudorch_providers.gcp.provider import GKEProvider
from cloudorch_providers.kubernetes.provider import KubernetesProvider

#: the newest Kubernetes version whose schemas the installed kubernetes-validate ships
KUBERNETES_VERSION = kubernetes_validate.latest_version()

MODELS = {
    "Namespace": k8s.V1Namespace,
    "Deployment": k8s.V1Deployment,
    "Service": k8s.V1Service,
    "HorizontalPodAutoscaler": k8s.V2HorizontalPodAutoscaler,
    "CronJob": k8s.V1CronJob,
}


def all_documents(load_example):
    for example in ("hello", "webshop", "worker"):
        yield example, KubernetesProvider(load_example(example)).render()
        gke = GKEProvider(load_example(example), overrides={"location": "us-central1", "cluster": "dev"})
        yield f"{example}@gke", gke.render()
    yield "full", provider().render()
    yield "full@nodeport", provider(overrides={"service_type_public": "NodePort"}).render()
    yield "full@default", provider(overrides={"namespace": "default"}).render()
    yield "full@gke", provider(cls=GKEProvider).render()
    yield "full@nolabels", provider(FULL.replace('labels: {team: core, tier: "gold"}\n', "")).render()


def test_the_schema_version_is_current():
    major, minor = (int(x) for x in KUBERNETES_VERSION.split(".")[:2])
    assert (major, minor) >= (1, 33)


def test_every_manifest_validates_strictly(load_example):
    checked = 0
    for origin, docs in all_documents(load_example):
        for doc in docs:
            try:
                kubernetes_validate.validate(doc.body, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{origin}: {doc.kind}/{doc.name}: {exc.message} at {list(exc.absolute_path)}")
            checked += 1
    assert checked > 40


def test_every_manifest_round_trips_through_the_official_client_models(load_example):
    client = k8s.ApiClient()
    for origin, docs in all_documents(load_example):
        for doc in docs:
            model = MODELS[doc.kind].from_dict(doc.body)
            assert client.sanitize_for_serialization(model) == doc.body, f"{origin}: {doc.kind}/{doc.name}"

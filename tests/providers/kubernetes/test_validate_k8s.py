"""validate -p kubernetes: the fit table covers every spec feature, says what happens, and the
names Kubernetes would reject are SpecErrors pointing at the spec."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from test_convert_k8s import FULL, provider

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Fit
from cloudorch.spec.fields import FEATURE_KEYS, features
from cloudorch_providers.kubernetes import checks
from cloudorch_providers.kubernetes.fit import FitTable
from cloudorch_providers.kubernetes.provider import KubernetesProvider


def rows(p) -> dict[str, tuple[Fit, str]]:
    return {r.field: (r.fit, r.note) for r in p.validate()}


def test_capabilities_are_all_native():
    assert KubernetesProvider.capabilities == frozenset(Capability)
    assert KubernetesProvider.name == "kubernetes" and KubernetesProvider.extra == "kubernetes"
    assert KubernetesProvider.requires == ("kubernetes",)


def test_the_fit_table_covers_every_feature_key():
    p = provider()
    assert set(features(p.app.services["web"])) | {"labels", "health.tcp", "health.command"} == set(FEATURE_KEYS)
    table = FitTable(p.target())
    for key in FEATURE_KEYS:
        name = {"health.tcp": "cache", "health.command": "db"}.get(key, "web")
        fit, note = table(name, p.app.services[name], key)
        assert isinstance(fit, Fit) and note, key
        assert fit is not Fit.UNSUPPORTED, key
        assert hasattr(table, "fit_" + key.replace(".", "_")), key


def test_an_unknown_feature_is_reported_not_crashed_on():
    p = provider()
    fit, note = FitTable(p.target())("web", p.app.services["web"], "gpu")
    assert fit is Fit.UNSUPPORTED and "gpu" in note


def test_webshop_report(load_example):
    report = rows(KubernetesProvider(load_example("webshop")))
    lossy = {f for f, (fit, _) in report.items() if fit is Fit.LOSSY}
    assert lossy == {"services.web.depends_on", "services.api.depends_on", "services.worker.depends_on",
                     "services.web.replicas"}
    assert not [f for f, (fit, _) in report.items() if fit is Fit.UNSUPPORTED]
    assert "ordered at deploy time only" in report["services.web.depends_on"][1]
    assert "use readiness" in report["services.web.depends_on"][1]
    assert "HorizontalPodAutoscaler owns the count" in report["services.web.replicas"][1]
    assert report["services.api.replicas"] == (
        Fit.EXACT, "Deployment replicas: 2, rolled out with maxUnavailable 0, maxSurge 25%")
    assert report["services.web.secrets"][1].startswith(
        "env valueFrom.secretKeyRef (SESSION_KEY <- Secret 'shop-secrets' key 'session-key')")
    assert report["services.web.health.start_period"][0] is Fit.EXACT
    assert "up to 5 checks every 10s" in report["services.web.health.start_period"][1]
    assert report["services.web.ports.public"][0] is Fit.EXACT
    assert "70% average cpu utilization" in report["services.web.autoscale"][1]
    assert report["labels"][0] is Fit.EXACT
    assert report["services.api.security.run_as_user"][1] == (
        "securityContext.runAsUser: 1000 with runAsNonRoot: true on container 'api'")


def test_full_report_lossy_mappings_say_why():
    report = rows(provider())
    public = report["services.web.ports.public"]
    assert public[0] is Fit.LOSSY and "port 9090, 5353 (not public) is exposed too" in public[1]
    udp = report["services.web.ports.udp"]
    assert udp[0] is Fit.LOSSY and "mixed protocols" in udp[1]
    health = report["services.web.health.http"]
    assert health[0] is Fit.LOSSY and "rounded up to whole seconds" in health[1]
    assert report["services.db.health.command"][0] is Fit.EXACT
    assert report["services.cache.health.tcp"][0] is Fit.EXACT
    assert "sidecars keep their images' settings" in report["services.web.security.read_only_root"][1]
    assert report["services.web.image_pull_secret"] == (
        Fit.EXACT, "imagePullSecrets: Secret 'ghcr-login' (type kubernetes.io/dockerconfigjson), "
                   "which must exist in namespace 'full-ns'")
    secrets = report["services.web.secrets"][1]
    assert "SHIPPER_TOKEN <- Secret 'full-secrets' key 'shipper-token'" in secrets
    assert "TOKEN <- Secret 'web-secrets' key 'api-token'" in secrets


def test_node_port_is_lossy():
    report = rows(provider(overrides={"service_type_public": "NodePort"}))
    fit, note = report["services.web.ports.public"]
    assert fit is Fit.LOSSY and "allocated port (30000-32767)" in note
    assert report["services.web.ports.udp"][0] is Fit.EXACT  # no load balancer involved


def test_names_longer_than_kubernetes_allows_point_at_the_service():
    spec = provider().spec
    long = "s" * 64
    services = {long if n == "cache" else n: s for n, s in spec.app.services.items()}
    app = spec.app.model_construct(**{**dict(spec.app), "services": services})
    with pytest.raises(SpecError) as err:
        KubernetesProvider(dataclasses.replace(spec, app=app)).validate()
    (issue,) = err.value.issues
    assert issue.field == f"services.{long}"
    assert "64 characters; Kubernetes allows at most 63" in issue.message
    assert issue.line > 0


def test_name_checks():
    p = provider()
    assert checks.problems(p.app, p.settings, "kubernetes") == []
    web = p.app.services["web"]
    odd = web.model_construct(**{**dict(web), "volumes": [web.volumes[0].model_construct(name="x" * 70, path="/x")],
                                 "sidecars": [web.sidecars[0].model_construct(**{**dict(web.sidecars[0]),
                                                                                 "name": "Bad"})]})
    app = p.app.model_construct(**{**dict(p.app), "services": {"9lives": web, "web": odd}})
    found = dict(checks.name_problems(app))
    assert "not a DNS-1035 label" in found[("services", "9lives")]
    assert "Kubernetes allows at most 63" in found[("services", "web", "volumes", 0, "name")]
    assert "not a DNS-1123 label" in found[("services", "web", "sidecars", 0, "name")]
    assert checks.IANA_SVC_NAME.match("http-65535") and not checks.IANA_SVC_NAME.match("1234")


def test_validate_command_prints_the_report(tmp_path):
    from cloudorch.cli.main import cli

    spec = tmp_path / "full.yaml"
    spec.write_text(FULL)
    result = CliRunner().invoke(cli, ["validate", "-f", str(spec), "-p", "kubernetes", "-o", "json"],
                                standalone_mode=False, catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["valid"] and data["provider"] == "kubernetes"
    assert {f["field"] for f in data["fields"]} >= {"services.web.sidecars", "labels", "services.db.replicas"}

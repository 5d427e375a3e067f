"""Kubernetes override blocks: a strategic merge onto the rendered manifests, checked against the
Kubernetes OpenAPI schema with file:line, guarded (ownership labels, names, secrets), shown by plan
and idempotent on the emulator (a redeploy sends no write)."""

from __future__ import annotations

import uuid

import pytest

from cloudorch.deadline import Deadline
from cloudorch.engine import deploy
from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.spec.loader import parse_spec
from cloudorch_providers.kubernetes.provider import KubernetesProvider

SPEC = """\
version: 1
name: {app}
services:
  web:
    image: nginx:1.27.2
    env: {{A: "1"}}
    secrets: {{DB_PASSWORD: db}}
    ports: [{{port: 80}}]
providers:
  kubernetes:
    overrides:
      web:
        deployment:
          spec:
            minReadySeconds: {ready}
            template:
              spec:
                terminationGracePeriodSeconds: 45
                containers:
                  - name: web
                    imagePullPolicy: Always
                    env:
                      - {{name: B, value: "2"}}
        service:
          metadata:
            annotations: {{example.com/team: web}}
"""


def make(text: str, kube=None, name: str = "ovr.yaml") -> KubernetesProvider:
    spec = parse_spec(text, name, env={}, providers=["kubernetes"])
    sandbox = {"url": kube.url, "ca_cert": kube.ca_cert, "token": "sandbox"} if kube else None
    return KubernetesProvider(spec, sandbox=sandbox)


def test_strategic_merge_keeps_what_cloudorch_renders():
    docs = {d.kind: d.body for d in make(SPEC.format(app="ovr", ready=5)).render()}
    deployment = docs["Deployment"]
    assert deployment["spec"]["minReadySeconds"] == 5
    pod = deployment["spec"]["template"]["spec"]
    [web] = pod["containers"]  # merged by name, not appended or replaced
    assert web["imagePullPolicy"] == "Always" and web["image"] == "nginx:1.27.2"
    assert [e["name"] for e in web["env"]] == ["A", "DB_PASSWORD", "B"]
    assert pod["automountServiceAccountToken"] is False and pod["terminationGracePeriodSeconds"] == 45
    assert docs["Service"]["metadata"]["annotations"] == {"example.com/team": "web"}
    assert docs["Service"]["spec"]["ports"][0]["port"] == 80


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("imagePullPolicy: Always", "imagePulPolicy: Always", "21:21: providers.kubernetes.overrides.web.deployment."
     "spec.template.spec.containers.0.imagePulPolicy", "unknown field 'imagePulPolicy' in a Kubernetes Deployment"),
    ("minReadySeconds: {ready}", 'minReadySeconds: "{ready}"', "15:30: providers.kubernetes.overrides.web."
     "deployment.spec.minReadySeconds", "'5' is not of type 'integer'"),
    ('{{name: B, value: "2"}}', "{{name: DB_PASSWORD, value: hunter2}}", "23:52: providers.kubernetes.overrides."
     "web.deployment.spec.template.spec.containers.0.env.0.value", "refused: a value for DB_PASSWORD"),
    ("annotations: {{example.com/team: web}}", "labels: {{cloudorch.io/app: someone-else}}",
     "26:21: providers.kubernetes.overrides.web.service.metadata.labels", "refused: the override changes or "
     "removes the ownership marker cloudorch.io/app=ovr"),
    ("minReadySeconds: {ready}", "selector: {{matchLabels: {{x: y}}}}", "15:23: providers.kubernetes.overrides."
     "web.deployment.spec.selector", "refused: spec.selector is cloudorch's"),
])
def test_bad_overrides_are_errors_at_their_file_and_line(old, new, where, message):
    with pytest.raises(SpecError) as info:
        make(SPEC.replace(old, new).format(app="ovr", ready=5)).render()
    assert any(str(i).startswith(f"ovr.yaml:{where}: ") and message in str(i) for i in info.value.issues), \
        info.value.lines()


def test_an_override_in_a_second_file_is_reported_at_that_file(tmp_path):
    from cloudorch.spec import load_spec

    (tmp_path / "base.yaml").write_text(SPEC.format(app="ovr", ready=5))
    (tmp_path / "prod.yaml").write_text("providers:\n  kubernetes:\n    overrides:\n      web:\n        deployment:\n"
                                        "          spec: {minReadySeconds: soon}\n")
    spec = load_spec([tmp_path / "base.yaml", tmp_path / "prod.yaml"], env={}, providers=["kubernetes"])
    with pytest.raises(SpecError) as info:
        KubernetesProvider(spec).render()
    assert str(info.value).startswith(f"{tmp_path / 'prod.yaml'}:6:35: providers.kubernetes.overrides.web."
                                      "deployment.spec.minReadySeconds:")


def test_validate_reports_override_fields():
    lines = [r for r in make(SPEC.format(app="ovr", ready=5)).validate() if r.fit is Fit.OVERRIDE]
    assert [r.field.removeprefix("providers.kubernetes.overrides.web.") for r in lines] == [
        "deployment.spec.minReadySeconds", "deployment.spec.template.spec.terminationGracePeriodSeconds",
        "deployment.spec.template.spec.containers", "service.metadata.annotations.example.com/team"]
    assert all("checked against the Kubernetes" in r.note for r in lines)


def test_deploy_plan_and_redeploy(kube):
    app = f"ovr-{uuid.uuid4().hex[:6]}"
    p = make(SPEC.format(app=app, ready=5), kube)
    p.store_secret("db", "s3cret", deadline=Deadline(30))  # a pod waits for a missing Secret, as on a cluster
    deploy(p, p.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    kube.admin.requests.clear()
    again = make(SPEC.format(app=app, ready=5), kube)
    assert again.plan(deadline=Deadline(60)).empty
    deploy(again, again.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert [r.action for r in kube.admin.requests if r.mutating] == []
    changed = make(SPEC.format(app=app, ready=7), kube)
    assert [(str(c.action), c.kind) for c in changed.plan(deadline=Deadline(60)).pending] == [("update", "Deployment")]
    assert changed.plan(deadline=Deadline(60)).pending[0].fields == ["spec.minReadySeconds"]
    deploy(changed, changed.plan(deadline=Deadline(60)), deadline=Deadline(30), poll=0.1)
    assert make(SPEC.format(app=app, ready=7), kube).plan(deadline=Deadline(60)).empty


def test_gke_takes_the_same_blocks():
    from cloudorch.session import open_provider

    text = SPEC.format(app="ovr", ready=5).replace(
        "  kubernetes:\n", "  gcp:\n    project: acme-apps\n    location: us-central1\n    cluster: apps\n")
    provider = open_provider(parse_spec(text, "ovr.yaml", env={}), "gcp")
    deployment = next(d.body for d in provider.render() if d.kind == "Deployment")
    assert deployment["spec"]["minReadySeconds"] == 5
    bad = text.replace("minReadySeconds: 5", "minReadySecs: 5")
    with pytest.raises(SpecError, match=r"ovr.yaml:\d+:13: providers.gcp.overrides.web.deployment.spec.minReadySecs: "
                                        "unknown field"):
        open_provider(parse_spec(bad, "ovr.yaml", env={}), "gcp").render()

"""Azure override blocks: merged onto every container group of the service, checked by a round trip
through the Azure SDK's ContainerGroup model with file:line, guarded (ownership tags, secureValue,
secrets), shown by plan and idempotent on the ARM emulator (a redeploy sends no write)."""

from __future__ import annotations

import pytest
from live_support import Harness, spec_text

from cloudorch.deadline import Deadline
from cloudorch.errors import SpecError
from cloudorch.provider import Fit
from cloudorch.session import open_provider
from cloudorch.spec import parse_spec

OVERRIDE = """\
    overrides:
      web:
        container_group:
          properties:
            priority: {priority}
            containers:
              - name: web
                properties:
                  securityContext: {{privileged: false, allowPrivilegeEscalation: false}}
"""


def text(priority: str = "Regular", old: str = "", new: str = "") -> str:
    return spec_text(replicas=2) + OVERRIDE.replace(old, new).format(priority=priority)


def offline(body: str):
    return open_provider(parse_spec(body, "ovr.yaml", env={"DEMO_SESSION_KEY": "x"}), "azure")


def test_every_replica_gets_the_override_and_keeps_the_rest():
    docs = offline(text()).render()
    assert len(docs) == 2
    for doc in docs:
        props = doc.body["properties"]
        assert props["priority"] == "Regular"
        [web] = props["containers"]
        assert web["properties"]["securityContext"] == {"privileged": False, "allowPrivilegeEscalation": False}
        assert web["properties"]["image"] == "nginx:1.27.2" and web["properties"]["ports"] == [{"port": 80,
                                                                                                "protocol": "TCP"}]


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("securityContext:", "securityContxt:", "27:19: providers.azure.overrides.web.container_group.properties."
     "containers.0.properties.securityContxt", "unknown field 'securityContxt' in an ARM container group"),
    ("privileged: false", 'privileged: "maybe"', "27:49: providers.azure.overrides.web.container_group.properties."
     "containers.0.properties.securityContext.privileged", "'maybe' has the wrong type for ARM"),
    ("securityContext: {{privileged: false, allowPrivilegeEscalation: false}}",
     "environmentVariables: [{{name: TOKEN, secureValue: s3cret}}]", "27:69: providers.azure.overrides.web."
     "container_group.properties.containers.0.properties.environmentVariables.0.secureValue",
     "refused: a secureValue in an override is a secret written in clear"),
    ("securityContext: {{privileged: false, allowPrivilegeEscalation: false}}",
     "environmentVariables: [{{name: SESSION_KEY, value: s3cret}}]", "27:69: providers.azure.overrides.web."
     "container_group.properties.containers.0.properties.environmentVariables.0.value",
     "refused: a value for SESSION_KEY written in clear"),
    ("container_group:\n", "container_group:\n          tags: {{cloudorch-app: other}}\n",
     "22:17: providers.azure.overrides.web.container_group.tags", "refused: the override changes or removes the "
     "ownership marker cloudorch-app=demo"),
])
def test_bad_overrides_are_errors_at_their_file_and_line(old, new, where, message):
    with pytest.raises(SpecError) as info:
        offline(text(old=old, new=new)).render()
    [issue] = info.value.issues
    assert str(issue).startswith(f"ovr.yaml:{where}: ") and message in str(issue), str(issue)


def test_validate_reports_override_fields():
    lines = [r for r in offline(text()).validate() if r.fit is Fit.OVERRIDE]
    assert [r.field for r in lines] == ["providers.azure.overrides.web.container_group.properties.priority",
                                        "providers.azure.overrides.web.container_group.properties.containers"]
    assert all("round trip through the Azure SDK's ContainerGroup model" in r.note for r in lines)


@pytest.fixture
def live(running, admin, tmp_path, monkeypatch) -> Harness:
    admin.post("reset")
    monkeypatch.setenv("DEMO_SESSION_KEY", "session-value-for-tests")
    return Harness(running, tmp_path)


def test_deploy_plan_and_redeploy(live, admin):
    from cloudorch.engine import deploy

    provider = live.provider(text())
    deploy(provider, provider.plan(deadline=Deadline(60)), poll=0.1)
    group = live.aci.container_groups.get("demo-rg", "demo-web-1")
    assert group.priority == "Regular" and group.containers[0].security_context.privileged is False
    admin.clear_requests()
    again = live.provider(text())
    assert again.plan(deadline=Deadline(60)).empty
    deploy(again, again.plan(deadline=Deadline(60)), poll=0.1)
    assert [r["action"] for r in admin.requests() if r["mutating"]] == []
    changed = live.provider(text(old="privileged: false", new="privileged: true"))
    pending = [(str(c.action), c.name, c.fields) for c in changed.plan(deadline=Deadline(60)).pending]
    assert pending == [("update", "demo-web-0", ["containers"]), ("update", "demo-web-1", ["containers"])]
    deploy(changed, changed.plan(deadline=Deadline(60)), poll=0.1)
    assert live.aci.container_groups.get("demo-rg", "demo-web-0").containers[0].security_context.privileged is True
    assert live.provider(text(old="privileged: false", new="privileged: true")).plan(deadline=Deadline(60)).empty

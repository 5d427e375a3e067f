"""Container group CRUD through the real azure-mgmt-containerinstance SDK over HTTPS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerinstance import models as m
from azure.mgmt.containerinstance._serialization import Model


def _running(aci, rg, name="web"):
    group = aci.container_groups.get(rg, name)
    return group if group.instance_view.state == "Running" else None


def _unknown_keys(model) -> list[str]:
    """Keys of a reply that the SDK's models do not know (they land in ``additional_properties``)."""
    found = []
    if isinstance(model, list):
        for item in model:
            found += _unknown_keys(item)
    elif isinstance(model, Model):
        found += list((model.additional_properties or {}).keys())
        for attr in model._attribute_map:
            found += _unknown_keys(getattr(model, attr, None))
    return found


def test_create_returns_the_provisioned_group(aci, rg, subscription, location, group_model):
    poller = aci.container_groups.begin_create_or_update(rg, "web", group_model())
    group = poller.result()

    assert poller.status() == "Succeeded"
    assert group.provisioning_state == "Succeeded"
    assert group.id == (
        f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups/web"
    )
    assert (group.name, group.type, group.location) == ("web", "Microsoft.ContainerInstance/containerGroups", location)
    assert group.tags == {"cloudorch.app": "demo", "managed-by": "cloudorch"}
    assert (group.os_type, group.restart_policy, group.sku) == ("Linux", "Always", "Standard")
    web = group.containers[0]
    assert web.image == "nginx:1.27"
    assert (web.resources.requests.cpu, web.resources.requests.memory_in_gb) == (0.5, 1.0)
    assert web.ports[0].port == 80
    assert web.liveness_probe.http_get.path == "/healthz"
    assert web.volume_mounts[0].mount_path == "/cache"
    assert group.volumes[0].name == "cache" and group.volumes[0].empty_dir == {}
    assert _unknown_keys(group) == []  # every key of the reply is one the SDK's models know


def test_group_runs_after_the_delay_with_public_ip_and_fqdn(aci, rg, location, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    group = wait_for(lambda: _running(aci, rg))

    view = group.containers[0].instance_view
    assert view.current_state.state == "Running"
    assert view.current_state.start_time is not None
    assert view.restart_count == 0
    assert [e.name for e in view.events] == ["Pulling", "Pulled", "Started"]
    assert group.ip_address.ip.startswith("20.")
    assert group.ip_address.fqdn == f"web-demo.{location}.azurecontainer.io"
    assert aci.container_groups.get(rg, "web").ip_address.ip == group.ip_address.ip  # stable while it lives


def test_secure_values_are_accepted_but_never_returned(aci, rg, subscription, arm, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()

    env = {e.name: e for e in aci.container_groups.get(rg, "web").containers[0].environment_variables}
    assert env["LOG_LEVEL"].value == "info"
    assert env["DB_PASSWORD"].value is None and env["DB_PASSWORD"].secure_value is None
    path = f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups"
    for reply in (
        arm("GET", f"{path}/web", params={"api-version": "2023-05-01"}),
        arm("GET", path, params={"api-version": "2023-05-01"}),
        arm("DELETE", f"{path}/web", params={"api-version": "2023-05-01"}),
    ):
        assert reply.status_code == 200
        assert "s3cr3t-value" not in reply.text and "secureValue" not in reply.text


def test_list_by_resource_group_and_subscription_follow_next_link(aci, rg, resources, admin, group_model):
    resources.resource_groups.create_or_update("rg-other", {"location": "westeurope"})
    for name in ("a", "b", "c"):
        aci.container_groups.begin_create_or_update(rg, name, group_model()).result()
    aci.container_groups.begin_create_or_update("rg-other", "d", group_model()).result()
    admin.clear_requests()

    assert sorted(g.name for g in aci.container_groups.list_by_resource_group(rg)) == ["a", "b", "c"]
    assert sorted(g.name for g in aci.container_groups.list()) == ["a", "b", "c", "d"]
    pages = [r for r in admin.requests() if r["action"] == "LIST containerGroups"]
    assert len(pages) == 4  # the test emulator pages by 2: two pages per list


def test_update_is_a_full_put_that_restarts_the_containers(aci, rg, group_model, wait_for):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    first = wait_for(lambda: _running(aci, rg))

    updated = aci.container_groups.begin_create_or_update(rg, "web", group_model(image="nginx:1.28")).result()

    assert updated.provisioning_state == "Succeeded"
    assert updated.containers[0].image == "nginx:1.28"
    second = wait_for(lambda: _running(aci, rg))
    started = [g.containers[0].instance_view.current_state.start_time for g in (first, second)]
    assert started[1] > started[0]


def test_update_tags_with_patch(aci, rg, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()

    patched = aci.container_groups.update(rg, "web", m.Resource(tags={"only": "this"}))

    assert patched.tags == {"only": "this"}
    assert aci.container_groups.get(rg, "web").tags == {"only": "this"}


def test_delete_then_get_is_not_found(aci, rg, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()

    deleted = aci.container_groups.begin_delete(rg, "web").result()
    assert deleted.name == "web"  # 200 with the deleted group
    with pytest.raises(ResourceNotFoundError) as caught:
        aci.container_groups.get(rg, "web")
    assert caught.value.error.code == "ResourceNotFound"
    assert aci.container_groups.begin_delete(rg, "web").result() is None  # 204: nothing to delete


def test_missing_resource_group(aci, group_model):
    with pytest.raises(ResourceNotFoundError) as caught:
        aci.container_groups.begin_create_or_update("rg-missing", "web", group_model())
    assert caught.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as caught:
        aci.container_groups.get("rg-missing", "web")
    assert caught.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError):
        list(aci.container_groups.list_by_resource_group("rg-missing"))


BAD_BODIES = {
    "no-containers": lambda build, c: build(containers=[]),
    "no-os-type": lambda build, c: build(os_type=None),
    "no-resources": lambda build, c: build(containers=[m.Container(name="web", image="nginx", resources=None)]),
    "no-requests": lambda build, c: build(containers=[c(resources=m.ResourceRequirements(requests=None))]),
    "no-image": lambda build, c: build(containers=[c(image=None)]),
    "duplicate-container": lambda build, c: build(containers=[c(), c()]),
    "bad-restart-policy": lambda build, c: build(restart_policy="Sometimes"),
    "ip-port-not-exposed": lambda build, c: build(ip_address=m.IpAddress(type="Public", ports=[m.Port(port=8443)])),
    "mount-of-unknown-volume": lambda build, c: build(volumes=[]),
}


@pytest.mark.parametrize("bad", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_are_invalid_request_content(aci, rg, group_model, container_model, bad):
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, "web", bad(group_model, container_model))
    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidRequestContent"
    with pytest.raises(ResourceNotFoundError):
        aci.container_groups.get(rg, "web")


@pytest.mark.parametrize("name", ["Web", "-web", "web-", "we--b", "a" * 64, "web_1"])
def test_invalid_group_names(aci, rg, group_model, name):
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, name, group_model())
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ContainerGroupNameInvalid"


def test_location_cannot_change(aci, rg, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, "web", group_model(location="eastus"))
    assert caught.value.status_code == 409
    assert caught.value.error.code == "InvalidResourceLocation"

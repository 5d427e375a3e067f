"""ACI refuses in place what needs a new container group (OS type, CPU/memory/GPU, restart policy,
network profile) with ``InvalidContainerGroupUpdate``; everything else is a full PUT that updates."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerinstance import models as m


def _resize(group: m.ContainerGroup, cpu: float = 0.5, memory: float = 1.0) -> m.ContainerGroup:
    group.containers[0].resources = m.ResourceRequirements(requests=m.ResourceRequests(cpu=cpu, memory_in_gb=memory))
    return group


@pytest.mark.parametrize("change, named", [
    (lambda g: _resize(g, cpu=1.0), "Resources of container 'web'"),
    (lambda g: _resize(g, memory=2.0), "Resources of container 'web'"),
    (lambda g: setattr(g, "restart_policy", "OnFailure") or g, 'RestartPolicy (old "Always", new "OnFailure")'),
    (lambda g: setattr(g, "os_type", "Windows") or g, 'OsType (old "Linux", new "Windows")'),
])
def test_what_needs_a_new_group_is_refused_and_the_group_is_kept(aci, rg, group_model, change, named):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    with pytest.raises(HttpResponseError) as caught:
        aci.container_groups.begin_create_or_update(rg, "web", change(group_model()))
    error = caught.value
    assert (error.status_code, error.error.code) == (409, "InvalidContainerGroupUpdate")
    assert error.error.message.startswith("The updates on container group 'web' are invalid. If you are going "
                                          f"to update the {named}")
    assert error.error.message.endswith("you must delete it first and then create a new one.")
    kept = aci.container_groups.get(rg, "web")
    assert (kept.restart_policy, kept.os_type, kept.containers[0].resources.requests.cpu) == ("Always", "Linux", 0.5)


def test_delete_then_create_makes_the_same_change(aci, rg, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    aci.container_groups.begin_delete(rg, "web").result()
    created = aci.container_groups.begin_create_or_update(rg, "web", _resize(group_model(), cpu=2.0)).result()
    assert created.containers[0].resources.requests.cpu == 2.0


def test_what_updates_in_place_is_accepted(aci, rg, group_model, container_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()
    changed = group_model(image="nginx:1.28")
    changed.containers[0].ports = [m.ContainerPort(port=80), m.ContainerPort(port=81)]  # ports update in place
    changed.containers.append(container_model(name="sidecar", image="busybox:1.36", port=9000))
    changed.ip_address.dns_name_label = "web-demo-2"
    updated = aci.container_groups.begin_create_or_update(rg, "web", changed).result()
    assert updated.provisioning_state == "Succeeded"
    assert [c.name for c in updated.containers] == ["web", "sidecar"]

"""Resource groups through the real azure-mgmt-resource ResourceManagementClient over HTTPS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError


def test_create_get_update_and_check_existence(resources, subscription):
    created = resources.resource_groups.create_or_update("rg-app", {"location": "West Europe", "tags": {"app": "x"}})

    assert created.id == f"/subscriptions/{subscription}/resourceGroups/rg-app"
    assert (created.name, created.location, created.tags) == ("rg-app", "westeurope", {"app": "x"})
    assert created.properties.provisioning_state == "Succeeded"
    assert resources.resource_groups.check_existence("rg-app") is True
    assert resources.resource_groups.check_existence("RG-APP") is True  # names are case-insensitive
    assert resources.resource_groups.check_existence("rg-nope") is False

    again = resources.resource_groups.create_or_update("rg-app", {"location": "westeurope", "tags": {"app": "y"}})
    assert again.tags == {"app": "y"}
    assert resources.resource_groups.get("rg-app").tags == {"app": "y"}
    patched = resources.resource_groups.update("rg-app", {"tags": {"app": "z"}})
    assert patched.tags == {"app": "z"}
    assert "rg-app" in [g.name for g in resources.resource_groups.list()]


def test_get_missing_resource_group(resources):
    with pytest.raises(ResourceNotFoundError) as caught:
        resources.resource_groups.get("rg-nope")
    assert caught.value.error.code == "ResourceGroupNotFound"


def test_location_is_required_and_cannot_change(resources):
    with pytest.raises(HttpResponseError) as caught:
        resources.resource_groups.create_or_update("rg-app", {"tags": {}})
    assert caught.value.error.code == "LocationRequired"
    resources.resource_groups.create_or_update("rg-app", {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as caught:
        resources.resource_groups.create_or_update("rg-app", {"location": "eastus"})
    assert caught.value.status_code == 409
    assert caught.value.error.code == "InvalidResourceGroupLocation"


def test_delete_is_a_long_running_operation_that_takes_the_container_groups(resources, aci, rg, group_model):
    aci.container_groups.begin_create_or_update(rg, "web", group_model()).result()

    poller = resources.resource_groups.begin_delete(rg)
    poller.result()  # polls the Location URL: 202 while deleting, then 200

    assert poller.status() == "Succeeded"
    assert resources.resource_groups.check_existence(rg) is False
    assert list(aci.container_groups.list()) == []
    with pytest.raises(ResourceNotFoundError):
        resources.resource_groups.begin_delete(rg)
    # the Deleting state in between is checked step by step in test_emulator_azure_clock.py

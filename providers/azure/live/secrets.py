"""``cloudorch secrets`` on Azure: ACI takes secret values at deploy time, so there is no store.

- ``store_secret`` is refused (exit 2): the value belongs in the environment variable (or file)
  ``providers.azure.secrets`` names, read by the next ``deploy``, which sees the changed value
  through the groups' secret hash (:mod:`.secret_hash`) and updates them.
- ``secret_locations`` says where each value is read and whether that source is there now (an env
  var set / a file present in this process), never reading a value.
- ``restart`` restarts the service's groups one after another (ACI's restart; each waited for but
  the last), which runs the same values again: a new value needs ``deploy``.
"""

from __future__ import annotations

import os
from pathlib import Path

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError
from cloudorch.provider import SecretLocation


class AzureSecretOperations:
    """Needs ``self.app``, ``self.settings``, ``self.secret_users()``, ``self._az(deadline)``,
    ``self.resource_group`` and ``self._read``."""

    def store_secret(self, name: str, value: str, *, deadline: Deadline) -> str:
        source = self.settings.source(name)
        error = ProviderError(
            f"Azure Container Instances has no secret store: secret {name} is read at deploy time from "
            f"{source.describe()} (providers.azure.secrets.{name}); set it there and run `cloudorch deploy`, "
            "which updates the groups whose secret value changed")
        error.exit_code = 2
        raise error

    def secret_locations(self, *, deadline: Deadline) -> list[SecretLocation]:
        found = []
        for name, services in self.secret_users().items():
            source = self.settings.source(name)
            if source.env is not None or source.password_env is not None:
                exists = (source.env or source.password_env) in os.environ
            else:
                exists = Path(source.file or source.password_file).expanduser().is_file()
            found.append(SecretLocation(name, f"{source.describe()}, read at deploy time", exists, services))
        return found

    def restart(self, service: str, *, deadline: Deadline) -> None:
        from cloudorch_providers.azure.live.clients import azure_errors
        from cloudorch_providers.azure.live.state import replica_of

        if service not in self.app.services:
            raise ProviderError(f"no service {service!r} in the spec")
        az = self._az(deadline)
        live = self._read(az, services=[service], details=False)
        groups = sorted(live.owned_groups(self.app.name, [service]).items(), key=lambda item: replica_of(item[1]))
        if not groups:
            raise ProviderError(f"service {service} has no container groups in resource group {self.resource_group}; "
                                "deploy it first")
        for index, (name, _) in enumerate(groups):
            doing = f"restarting container group {name} in resource group {self.resource_group}"
            with azure_errors(doing):
                deadline.check(doing)
                poller = az.aci.container_groups.begin_restart(self.resource_group, name)
                if index < len(groups) - 1:  # one at a time: the others keep serving
                    az.wait(poller, doing, deadline)

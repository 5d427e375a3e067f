"""The ``providers.azure`` block of a spec: where the app's container groups live, and where the
values of its secrets come from at deploy time.

Keys and defaults:

- ``subscription`` (optional): the Azure subscription id (a GUID). Left out, the live operations
  read ``AZURE_SUBSCRIPTION_ID`` at deploy time; ``render`` and ``validate`` never need it.
- ``resource_group``: default ``{app}-rg``.
- ``location``: default ``eastus``; ARM's short region name (lowercase, no spaces).
- ``os_type``: ``Linux``, the only value: sidecars need multi-container groups, which ACI offers
  for Linux only.
- ``dns_label_prefix`` (optional): the public DNS names of public groups become
  ``{prefix}-{service}-{replica}.{location}.azurecontainer.io``. Without it a name is derived from
  the app with a short hash (see ``providers.azure.naming``).
- ``max_cpu_per_group`` / ``max_memory_gb_per_group``: default 4 vCPU / 16 GB, the size above
  which ACI documents deployment failures for lack of regional capacity unless the subscription's
  quota was raised; ACI's hard ceiling is 31 vCPU / 240 GB per Standard group (see
  ``providers.azure.limits``). Raise these when your region and quota allow it.
- ``network``: ``auto`` (default), ``private`` or ``public``: whether the app's container groups run
  in a virtual network of their own where services reach each other by name
  (``cloudorch_providers.azure.network`` says what that creates). ``auto`` chooses ``private`` when a
  service names another (``depends_on``, or an env value such as ``http://api:8080``) or a public port
  is ``published`` on another number (only the Application Gateway can serve it there), else ``public``.
- ``address_space``: the private network's CIDR, default ``10.42.0.0/16`` (a /16 to /22; the
  containers' subnet is its first half, the gateway's a /24 (or smaller) at the start of the second).
- ``dns_zone``: the private DNS zone services are named in, default ``{app}.internal``.
- ``secrets``: spec secret name -> where its value is read at deploy time:

  - ``{env: VAR}``: the environment variable ``VAR`` of the process that deploys;
  - ``{file: PATH}``: the contents of a file (one trailing newline stripped);
  - for an ``image_pull_secret`` also ``{server, username, password_env: VAR}`` or
    ``{server, username, password_file: PATH}``: a registry login (``server`` defaults to the
    registry host of the service's image, ``index.docker.io`` for Docker Hub images).

  A plain ``{env}``/``{file}`` source used as an ``image_pull_secret`` holds ``username:password``
  (split at the first colon). A secret the map does not name defaults to
  ``{env: <NAME upper-cased, every character other than A-Z and 0-9 replaced by _>}``, e.g.
  ``session-key`` -> ``SESSION_KEY``, ``db.password`` -> ``DB_PASSWORD`` (a leading digit gets a
  ``_`` in front: ``9lives`` -> ``_9LIVES``). A literal ``{value: ...}`` is refused: the spec file is meant
  to be committed, and ACI's ``secureValue`` keeps a secret out of the API's replies only if it
  never sat in plain text on the way there.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cloudorch.spec.models import EnvName, SecretName

Subscription = Annotated[str, StringConstraints(
    pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
# ARM: 1-90 letters, digits, underscores, hyphens, periods, parentheses; not ending in a period.
ResourceGroup = Annotated[str, StringConstraints(min_length=1, max_length=90, pattern=r"^[-\w.()]*[-\w()]$")]
Location = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9]*$")]
DnsPrefix = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
Path = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
Server = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=r"^[a-z0-9.-]+(:\d+)?$")]

DOCKER_HUB = "index.docker.io"


def _cidr(value: str) -> str:
    network = ipaddress.ip_network(value, strict=True)  # ValueError: pydantic reports it at the field
    if network.version != 4 or not 16 <= network.prefixlen <= 22 or not network.is_private:
        raise ValueError(f"{value} must be a private IPv4 range from /16 to /22 (e.g. 10.42.0.0/16)")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
# Private DNS zone names: 2-34 labels, at most 253 characters (Azure DNS zone naming rules)
DnsZone = Annotated[str, StringConstraints(
    max_length=253, pattern=r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SecretSource(_Model):
    """Where one secret's value is read at deploy time; never the value itself."""

    env: EnvName | None = None
    file: Path | None = None
    server: Server | None = Field(None, description="registry login form: the registry host")
    username: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    password_env: EnvName | None = None
    password_file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("value" in data or "password" in data):
            key = "value" if "value" in data else "password"
            raise ValueError(
                f"a literal secret {key!r} is refused: the spec file is meant to be committed and its "
                "values end up in rendered output; give {env: VAR} or {file: PATH} (read at deploy time)"
            )
        if isinstance(data, str):
            raise ValueError(f"give where the secret is read, e.g. {{env: {_default_env(data)}}} or "
                             "{file: /run/secrets/name}, not a string")
        return data

    @model_validator(mode="after")
    def _one_form(self) -> SecretSource:
        plain = [k for k in ("env", "file") if getattr(self, k) is not None]
        login = [k for k in ("server", "username", "password_env", "password_file") if getattr(self, k) is not None]
        if plain and login:
            raise ValueError(f"give either {' or '.join(plain)} or a registry login, not both")
        if len(plain) > 1:
            raise ValueError("give exactly one of env or file")
        if login:
            if self.username is None:
                raise ValueError("a registry login needs username (and password_env or password_file)")
            if (self.password_env is None) == (self.password_file is None):
                raise ValueError("a registry login needs exactly one of password_env or password_file")
        elif not plain:
            raise ValueError("give env: VAR or file: PATH")
        return self

    @property
    def is_login(self) -> bool:
        return self.username is not None

    def describe(self) -> str:
        """Where the value comes from, e.g. ``env SHOP_SESSION_KEY`` (never the value)."""
        if self.env is not None:
            return f"env {self.env}"
        if self.file is not None:
            return f"file {self.file}"
        if self.password_env is not None:
            return f"env {self.password_env}"
        return f"file {self.password_file}"


def _default_env(name: str) -> str:
    env = re.sub(r"[^A-Z0-9]", "_", name.upper())
    return env if not env[:1].isdigit() else f"_{env}"


def default_source(secret: str) -> SecretSource:
    """The source of a secret the ``secrets`` map does not name: an env var named after it."""
    return SecretSource(env=_default_env(secret))


OverrideService = Annotated[str, StringConstraints(min_length=1, max_length=30,
                                                   pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$")]


class AzureOverride(_Model):
    """Native ARM fields merged onto every container group (one per replica) of a service (see
    ``cloudorch_providers.azure.overrides``)."""

    container_group: dict[str, Any] | None = Field(
        None, description="merged onto the containerGroups PUT body (containers by name)")


class AzureSettings(_Model):
    """``providers.azure``: target and secret sources for Azure Container Instances."""

    subscription: Subscription | None = Field(
        None, description="subscription id; default: AZURE_SUBSCRIPTION_ID at deploy time")
    resource_group: ResourceGroup | None = Field(None, description="default: {app}-rg")
    location: Location = "eastus"
    os_type: Literal["Linux"] = "Linux"
    dns_label_prefix: DnsPrefix | None = Field(
        None, description="public DNS names become {prefix}-{service}-{replica}.{location}.azurecontainer.io")
    max_cpu_per_group: float = Field(4.0, gt=0, le=31, description="vCPUs one container group may request")
    max_memory_gb_per_group: float = Field(16.0, gt=0, le=240, description="GB one container group may request")
    network: Literal["auto", "private", "public"] = Field(
        "auto", description="private: a VNet + private DNS zone so services reach each other by name; auto: "
                            "private when a service names another")
    address_space: Cidr = Field("10.42.0.0/16", description="the private network's address space (/16 to /22)")
    dns_zone: DnsZone | None = Field(None, description="private DNS zone of the services; default {app}.internal")
    secrets: dict[SecretName, SecretSource] = Field(
        {}, description="secret name -> {env: VAR} | {file: PATH} | registry login; default {env: NAME_UPPER}")
    overrides: dict[OverrideService, AzureOverride] = Field(
        {}, description="service -> native ARM fields merged onto its container groups, checked by a round trip "
                        "through the Azure SDK's models")

    def resource_group_for(self, app: str) -> str:
        return self.resource_group or f"{app}-rg"

    def zone_for(self, app: str) -> str:
        return self.dns_zone or f"{app}.internal"

    def source(self, secret: str) -> SecretSource:
        return self.secrets.get(secret) or default_source(secret)

"""Spec -> Azure Container Instances container groups (ARM PUT bodies, API 2023-05-01). Pure.

One document per replica: ACI has no replicas, so a service with N replicas becomes N container
groups ``{app}-{service}-{i}`` (i = 0..N-1), each tagged ``cloudorch-service`` and
``cloudorch-replica`` next to the ownership markers and the app's labels. With ``autoscale`` the
start count (``replicas`` clamped into min..max) is rendered and nothing else: ACI has no
autoscaler. Services come in dependency order (``App.order``), replicas in index order.

A group holds the main container (named after the service) and its sidecars, which share
localhost and the service's volumes. Mapping decisions:

- ``command`` + ``args`` -> ACI ``command`` = command + args. ACI has a single array that replaces
  the image's ENTRYPOINT (and CMD); with ``args`` alone it becomes the whole command line, so the
  image's ENTRYPOINT is lost (lossy: give ``command`` too).
- ``env`` -> ``environmentVariables[{name, value}]``; ``secrets`` -> ``{name, secureValue}`` holding a
  placeholder that names the source (``providers.azure.secret_refs``), substituted at deploy time.
- ``ports`` -> the container's ports (``http`` and ``tcp`` are TCP, ``udp`` is UDP). In the app's
  private network (``providers.azure.network``, see ``cloudorch_providers.azure.network``) every
  group sits in the containers subnet with ``ipAddress {type: Private, ports: <all ports>}`` and a
  ``dnsConfig`` whose search domain is the app's DNS zone, so ``http://api:8080`` resolves; public
  ports are served by the app's Application Gateway. Without it (``public``), only when a port is
  public does the group get ``ipAddress {type: Public, ports: <the public ones>, dnsNameLabel}``
  (``providers.azure.naming``), otherwise no IP at all: groups do not resolve each other's names, a
  non-public port serves only the group's own containers (on localhost), and a public port is
  reachable only at its group's own public IP / DNS name.
- ``resources`` -> ``requests`` and equal ``limits`` in ACI units (``providers.azure.sizing``).
- ``health`` (main container only) -> the same probe as ``livenessProbe`` (restart on failure) and
  ``readinessProbe``: ``http`` -> ``httpGet {path, port, scheme: http}``, ``command`` ->
  ``exec {command}``; ``interval``/``timeout``/``retries``/``start_period`` ->
  ``periodSeconds``/``timeoutSeconds``/``failureThreshold``/``initialDelaySeconds``, whole seconds
  rounded up (ACI takes integers). ``tcp`` has no ACI probe (the API's ContainerProbe offers only
  exec and httpGet): no probe is sent.
- ``volumes`` -> ``volumes[{name, emptyDir: {}}]`` + ``volumeMounts`` in the main container;
  sidecars mount the same volumes by name.
- ``security``: nothing is sent. The 2023-05-01 model has ``securityContext``, but ACI answers
  ``SecurityContextNotSupported`` ("Only the "Privileged" flag is supported") to runAsUser,
  runAsGroup, capabilities and seccompProfile (MicrosoftDocs/azure-docs issue #123837), and
  ``securityContext`` needs the Confidential SKU at all (hashicorp/terraform-provider-azurerm PR
  #23034); there is no read-only root filesystem field. Standard-SKU containers are never
  privileged, so nothing needs turning off.
- Group: ``osType`` from settings (Linux), ``restartPolicy: Always``, ``sku: Standard``,
  ``location`` from settings.
"""

from __future__ import annotations

import copy
import math

from cloudorch.provider import Document
from cloudorch.spec.models import App, Container, Health, Port, Service, Volume
from cloudorch_providers.azure.naming import dns_label, group_name
from cloudorch_providers.azure.network import Names, group_network, is_private
from cloudorch_providers.azure.secret_refs import SecretRef, registry_credential
from cloudorch_providers.azure.settings import AzureSettings
from cloudorch_providers.azure.sizing import aci_size, resources_body

KIND = "containerGroups"
API_VERSION = "2023-05-01"
SERVICE_TAG = "cloudorch-service"
REPLICA_TAG = "cloudorch-replica"


#: stands for the subscription in rendered ids when neither the spec nor the environment names it
SUBSCRIPTION_PLACEHOLDER = "<subscription: AZURE_SUBSCRIPTION_ID at deploy time>"


def container_groups(app: App, settings: AzureSettings, markers: dict[str, str],
                     subscription: str | None = None) -> list[Document]:
    docs = []
    for wave in app.order():
        for name in wave:
            for replica in range(app.services[name].desired_replicas):
                docs.append(Document(KIND, group_name(app.name, name, replica),
                                     group_body(app, name, replica, settings, markers, subscription),
                                     service=name))
    return docs


def tag_key(label: str) -> str:
    """ARM tag names may not contain '/' (nor < > % & \\ ?): ``example.com/team`` -> ``example.com_team``."""
    return label.replace("/", "_")


def tags(app: App, service: str, replica: int, markers: dict[str, str]) -> dict[str, str]:
    found = {tag_key(k): v for k, v in app.labels.items()}
    found.update({SERVICE_TAG: service, REPLICA_TAG: str(replica)})
    found.update(markers)
    return found


def group_body(app: App, name: str, replica: int, settings: AzureSettings, markers: dict[str, str],
               subscription: str | None = None, overrides: bool = True) -> dict:
    """One container group's PUT body, with the service's override block merged in (unless
    ``overrides=False``)."""
    body = _group_body(app, name, replica, settings, markers, subscription)
    if overrides and name in settings.overrides:
        from cloudorch_providers.azure.overrides import apply

        body = apply(body, settings, name)
    return body


def _group_body(app: App, name: str, replica: int, settings: AzureSettings, markers: dict[str, str],
                subscription: str | None = None) -> dict:
    service = app.services[name]
    props: dict = {
        "containers": [main_container(name, service, settings)]
        + [container(s.name, s, [], s.volumes, None, settings) for s in service.sidecars],
        "osType": settings.os_type,
        "restartPolicy": "Always",
        "sku": "Standard",
    }
    public = [p for p in service.ports if p.public]
    if is_private(app, settings):
        names = Names(app, settings, subscription or settings.subscription or SUBSCRIPTION_PLACEHOLDER)
        props.update(group_network(names, [port(p) for p in service.ports]))
    elif public:
        label = dns_label(app.name, name, replica, settings.resource_group_for(app.name), settings.dns_label_prefix)
        props["ipAddress"] = {"type": "Public", "ports": [port(p) for p in public], "dnsNameLabel": label}
    if service.volumes:
        props["volumes"] = [{"name": v.name, "emptyDir": {}} for v in service.volumes]
    if service.image_pull_secret:
        credential, _ = registry_credential(service.image, service.image_pull_secret,
                                            settings.source(service.image_pull_secret))
        props["imageRegistryCredentials"] = [credential]
    return {"location": settings.location, "tags": tags(app, name, replica, markers), "properties": props}


def main_container(name: str, service: Service, settings: AzureSettings) -> dict:
    return container(name, service, service.ports, service.volumes, service.health, settings)


def container(name: str, spec: Container, ports: list[Port], volumes: list[Volume], health: Health | None,
              settings: AzureSettings) -> dict:
    props: dict = {"image": spec.image}
    line = command_line(spec)
    if line is not None:
        props["command"] = line
    if ports:
        props["ports"] = [port(p) for p in ports]
    variables = [{"name": k, "value": v} for k, v in spec.env.items()]
    variables += [{"name": k, "secureValue": SecretRef(s, settings.source(s)).placeholder}
                  for k, s in spec.secrets.items()]
    if variables:
        props["environmentVariables"] = variables
    props["resources"] = resources_body(aci_size(spec.resources))
    if volumes:
        props["volumeMounts"] = [{"name": v.name, "mountPath": v.path} for v in volumes]
    probe_body = probe(health) if health else None
    if probe_body:
        props["livenessProbe"] = probe_body
        props["readinessProbe"] = copy.deepcopy(probe_body)
    return {"name": name, "properties": props}


def command_line(spec: Container) -> list[str] | None:
    """ACI's single ``command`` array: command + args (None: keep the image's own)."""
    if spec.command is None and spec.args is None:
        return None
    return [*(spec.command or []), *(spec.args or [])]


def port(p: Port) -> dict:
    return {"port": p.port, "protocol": "UDP" if p.protocol == "udp" else "TCP"}


def seconds(value: float, minimum: int = 1) -> int:
    return max(minimum, math.ceil(value))


def probe(health: Health) -> dict | None:
    if health.http is not None:
        body: dict = {"httpGet": {"path": health.http.path, "port": health.http.port, "scheme": "http"}}
    elif health.command is not None:
        body = {"exec": {"command": list(health.command)}}
    else:
        return None  # tcp: ACI probes have no tcpSocket
    if health.start_period:
        body["initialDelaySeconds"] = seconds(health.start_period)
    body["periodSeconds"] = seconds(health.interval)
    body["timeoutSeconds"] = seconds(health.timeout)
    body["failureThreshold"] = health.retries
    return body

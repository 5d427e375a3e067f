"""Per-kind defaulting and validation, with the apiserver's field paths and messages."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from cloudorch_providers.kubernetes.emulation import batch
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.errors import bad_request
from cloudorch_providers.kubernetes.emulation.resources import ResourceType
from cloudorch_providers.kubernetes.emulation.selectors import selector_matches

Cause = dict[str, str]
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORTS = range(30000, 32768)

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def required(field: str) -> Cause:
    return {"reason": "FieldValueRequired", "message": "Required value", "field": field}


def invalid_value(field: str, value: Any, detail: str) -> Cause:
    shown = f'"{value}"' if isinstance(value, str) else value
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {detail}", "field": field}


def go_map(labels: dict[str, Any] | None) -> str:
    """A label map as Go's %#v prints it in validation messages."""
    return "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted((labels or {}).items())) + "}"


# -- defaulting ----------------------------------------------------------------------------------------
def initial_status(rt: ResourceType) -> dict[str, Any] | None:
    """The status a freshly created object is returned with (Go zero values that are not omitempty)."""
    return {r.DEPLOYMENTS: {}, r.REPLICASETS: {"replicas": 0}, r.HPAS: {"desiredReplicas": 0}, r.JOBS: {},
            r.CRONJOBS: {}}.get(rt)



def _default_probe(probe: Any) -> None:
    if isinstance(probe, dict):
        for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                           ("failureThreshold", 3)):
            probe.setdefault(key, value)


def default_pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for key, value in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                       ("dnsPolicy", "ClusterFirst"), ("securityContext", {}),
                       ("schedulerName", "default-scheduler")):
        spec.setdefault(key, value)
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if not isinstance(container, dict):
            continue
        image = str(container.get("image", ""))
        tagged = ":" in image.rsplit("/", 1)[-1] or "@" in image
        latest = not tagged or image.endswith(":latest")
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            _default_probe(container.get(probe))


def _default_workload(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    template = spec.get("template")
    if isinstance(template, dict):
        default_pod_spec(template.get("spec"))


def default(rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None,
            used_ips: Callable[[], set[str]], used_node_ports: Callable[[], set[int]]) -> None:
    """Fill in what the apiserver fills in (in place). ``old`` is the stored object on updates."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else None
    if rt is r.DEPLOYMENTS and spec is not None:
        _default_workload(spec)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        else:
            strategy.pop("rollingUpdate", None)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
    elif rt is r.REPLICASETS and spec is not None:
        _default_workload(spec)
    elif rt is r.PODS and spec is not None:
        default_pod_spec(spec)
    elif rt is r.SERVICES and spec is not None:
        _default_service(spec, (old or {}).get("spec") or {}, used_ips, used_node_ports)
        obj.setdefault("status", {"loadBalancer": {}})
    elif rt is r.HPAS and spec is not None:
        spec.setdefault("minReplicas", 1)
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    elif rt is r.JOBS:
        batch.default_job(obj, old)
    elif rt is r.CRONJOBS:
        batch.default_cronjob(obj)
    elif rt is r.SECRETS:
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict):
            data = obj.setdefault("data", {})
            for key, value in string_data.items():
                data[key] = base64.b64encode(str(value).encode()).decode()
    elif rt is r.NAMESPACES:
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("metadata", {}).setdefault("labels", {})["kubernetes.io/metadata.name"] = \
            obj["metadata"].get("name", "")
        status = obj.setdefault("status", {})
        status.setdefault("phase", "Active")


def _default_service(spec: dict[str, Any], old: dict[str, Any], used_ips: Callable[[], set[str]],
                     used_node_ports: Callable[[], set[int]]) -> None:
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if kind == "ExternalName":
        return
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    if not spec.get("clusterIP") and old.get("clusterIP"):
        spec["clusterIP"] = old["clusterIP"]
    if not spec.get("clusterIP"):
        taken = used_ips()
        spec["clusterIP"] = next(str(ip) for ip in SERVICE_CIDR.hosts()
                                 if int(ip) >= int(SERVICE_CIDR.network_address) + 10 and str(ip) not in taken)
    spec["clusterIPs"] = [spec["clusterIP"]]
    if spec["clusterIP"] != "None":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        if kind == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort") for p in old.get("ports") or []
                     if isinstance(p, dict)}
        taken_ports = used_node_ports()
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and not port.get("nodePort"):
                previous = old_ports.get((port.get("port"), port.get("protocol")))
                port["nodePort"] = previous or next(p for p in NODE_PORTS if p not in taken_ports)
                taken_ports.add(port["nodePort"])
    else:
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.pop("nodePort", None)
        spec.pop("externalTrafficPolicy", None)


# -- validation ----------------------------------------------------------------------------------------
def check_types(rt: ResourceType, obj: dict[str, Any]) -> None:
    """What fails decoding upstream (a 400, not a 422): the integer fields clients most often get wrong."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    go_type = {r.DEPLOYMENTS: "DeploymentSpec", r.REPLICASETS: "ReplicaSetSpec"}.get(rt)
    if go_type and "replicas" in spec and not _is_int(spec["replicas"]):
        raise bad_request(f"json: cannot unmarshal {_json_type(spec['replicas'])} into Go struct field "
                          f"{go_type}.spec.replicas of type int32")
    if rt is r.SECRETS:
        for key, value in (obj.get("data") or {}).items():
            try:
                base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise bad_request(f"illegal base64 data in secret key {key!r}") from exc
    for key in ("minReplicas", "maxReplicas"):
        if rt is r.HPAS and key in spec and not _is_int(spec[key]):
            raise bad_request(f"json: cannot unmarshal {_json_type(spec[key])} into Go struct field "
                              f"HorizontalPodAutoscalerSpec.spec.{key} of type int32")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    return {str: "string", bool: "bool", float: "number", list: "array", dict: "object"}.get(type(value), "value")


def validate(rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    causes = _validate_metadata(rt, obj.get("metadata") or {})
    spec = obj.get("spec")
    if rt in (r.DEPLOYMENTS, r.REPLICASETS):
        causes += _validate_workload(rt, spec if isinstance(spec, dict) else {}, (old or {}).get("spec"))
    elif rt is r.SERVICES:
        causes += _validate_service(spec if isinstance(spec, dict) else {}, (old or {}).get("spec") or {})
    elif rt is r.HPAS:
        causes += _validate_hpa(spec if isinstance(spec, dict) else {})
    elif rt in (r.SECRETS, r.CONFIGMAPS):
        causes += _validate_data(obj)
    elif rt is r.JOBS:
        causes += batch.validate_job(obj, old)
    elif rt is r.CRONJOBS:
        causes += batch.validate_cronjob(obj)
    return causes


def _validate_metadata(rt: ResourceType, meta: dict[str, Any]) -> list[Cause]:
    name = meta.get("name")
    if not name:
        return [required("metadata.name")]
    causes = []
    if rt in (r.NAMESPACES, r.SERVICES):
        pattern, what = ((_DNS1123_LABEL, "a lowercase RFC 1123 label") if rt is r.NAMESPACES
                         else (_DNS1035_LABEL, "a DNS-1035 label"))
        if not pattern.match(name) or len(name) > 63:
            causes.append(invalid_value("metadata.name", name, f"{what} must consist of lower case "
                                        "alphanumeric characters or '-', and must start and end with an "
                                        "alphanumeric character"))
    elif not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        causes.append(invalid_value("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of "
                                    "lower case alphanumeric characters, '-' or '.', and must start and end "
                                    "with an alphanumeric character"))
    for key, value in (meta.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(invalid_value(f"metadata.labels[{key}]", value, "a valid label must be an empty string or "
                                        "consist of alphanumeric characters, '-', '_' or '.', and must start "
                                        "and end with an alphanumeric character"))
    return causes


def _validate_containers(containers: Any, field: str) -> list[Cause]:
    if not containers:
        return [required(field)]
    causes, seen = [], set()
    for n, container in enumerate(containers):
        here = f"{field}[{n}]"
        if not isinstance(container, dict):
            causes.append(invalid_value(here, str(container), "must be an object"))
            continue
        name = container.get("name")
        if not name:
            causes.append(required(f"{here}.name"))
        elif name in seen:
            causes.append({"reason": "FieldValueDuplicate", "message": f'Duplicate value: "{name}"',
                           "field": f"{here}.name"})
        seen.add(name)
        if not container.get("image"):
            causes.append(required(f"{here}.image"))
        for p, port in enumerate(container.get("ports") or []):
            value = port.get("containerPort") if isinstance(port, dict) else None
            if not _is_int(value) or not 0 < value < 65536:
                causes.append(invalid_value(f"{here}.ports[{p}].containerPort", value,
                                            "must be between 1 and 65535, inclusive"))
    return causes


def _validate_workload(rt: ResourceType, spec: dict[str, Any], old_spec: Any) -> list[Cause]:
    causes: list[Cause] = []
    selector = spec.get("selector")
    template = spec.get("template") if isinstance(spec.get("template"), dict) else None
    if not selector:
        causes.append(required("spec.selector"))
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        causes.append(invalid_value("spec.selector", "v1.LabelSelector{}", f"empty selector is invalid for "
                                    f"{rt.singular}"))
    if template is None:
        causes.append(required("spec.template"))
    else:
        labels = (template.get("metadata") or {}).get("labels") or {}
        if selector and not selector_matches(selector, labels):
            causes.append({"reason": "FieldValueInvalid", "field": "spec.template.metadata.labels",
                           "message": f"Invalid value: {go_map(labels)}: `selector` does not match template "
                                      "`labels`"})
        pod_spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
        causes += _validate_containers(pod_spec.get("containers"), "spec.template.spec.containers")
        policy = pod_spec.get("restartPolicy", "Always")
        if policy != "Always":
            causes.append({"reason": "FieldValueNotSupported", "field": "spec.template.spec.restartPolicy",
                           "message": f'Unsupported value: "{policy}": supported values: "Always"'})
    replicas = spec.get("replicas", 1)
    if _is_int(replicas) and replicas < 0:
        causes.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    if isinstance(old_spec, dict) and old_spec.get("selector") and selector and selector != old_spec["selector"]:
        causes.append(invalid_value("spec.selector", "v1.LabelSelector{...}", "field is immutable"))
    return causes


def _validate_service(spec: dict[str, Any], old_spec: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    kind = spec.get("type", "ClusterIP")
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append({"reason": "FieldValueNotSupported", "field": "spec.type",
                       "message": f'Unsupported value: "{kind}": supported values: "ClusterIP", '
                                  '"ExternalName", "LoadBalancer", "NodePort"'})
    ports = spec.get("ports") or []
    if not ports and kind != "ExternalName" and spec.get("clusterIP") != "None":
        causes.append(required("spec.ports"))
    seen = set()
    for n, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        value = port.get("port")
        if not _is_int(value) or not 0 < value < 65536:
            causes.append(invalid_value(f"spec.ports[{n}].port", value, "must be between 1 and 65535, inclusive"))
        if len(ports) > 1 and not port.get("name"):
            causes.append(required(f"spec.ports[{n}].name"))
        key = (value, port.get("protocol", "TCP"))
        if key in seen:
            causes.append({"reason": "FieldValueDuplicate", "field": f"spec.ports[{n}]",
                           "message": f"Duplicate value: core.ServicePort{{Port:{value}, "
                                      f"Protocol:\"{key[1]}\"}}"})
        seen.add(key)
    old_ip = old_spec.get("clusterIP")
    if old_ip and spec.get("clusterIP") and spec["clusterIP"] != old_ip:
        causes.append(invalid_value("spec.clusterIP", spec["clusterIP"], "field is immutable"))
    return causes


def _validate_hpa(spec: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    ref = spec.get("scaleTargetRef") or {}
    for key in ("kind", "name"):
        if not ref.get(key):
            causes.append(required(f"spec.scaleTargetRef.{key}"))
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if not _is_int(high):
        causes.append(required("spec.maxReplicas"))
    elif high < 1:
        causes.append(invalid_value("spec.maxReplicas", high, "must be greater than or equal to 1"))
    if _is_int(low) and low < 1:
        causes.append(invalid_value("spec.minReplicas", low, "must be greater than or equal to 1"))
    elif _is_int(low) and _is_int(high) and low > high:
        causes.append(invalid_value("spec.minReplicas", low, "must be less than or equal to maxReplicas"))
    return causes


def _validate_data(obj: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    for section in ("data", "binaryData"):
        for key in obj.get(section) or {}:
            if not _CONFIG_KEY.match(key):
                causes.append(invalid_value(f"{section}[{key}]", key, "a valid config key must consist of "
                                            "alphanumeric characters, '-', '_' or '.'"))
    return causes

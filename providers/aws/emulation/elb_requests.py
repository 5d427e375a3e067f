"""Elastic Load Balancing (v2) requests that the real service refuses and moto 5.2 accepts.

Checked before moto sees the request (query protocol: form parameters):

- a health check over a protocol ELB cannot check with: "The GENEVE, TLS, UDP, and TCP_UDP protocols
  are not supported for health checks" (ELBv2 API reference, TargetGroup.HealthCheckProtocol), and
  "The TCP protocol is not supported for health checks if the protocol of the target group is HTTP
  or HTTPS" (CreateTargetGroup.HealthCheckProtocol). Refused with ``InvalidConfigurationRequest``,
  the code ELBv2 gives a target group configuration it does not accept (CreateTargetGroup errors;
  e.g. "Health check matchers are not supported for TCP health checks", awsdocs/
  aws-cloudformation-user-guide#186); the message text for this case is not quoted in the
  reference, so it is written here;
- a listener forwarding to a target group of another protocol family: a UDP listener needs a UDP (or
  TCP_UDP) target group, a TCP or TLS listener a TCP, TLS or TCP_UDP one, a TCP_UDP listener a TCP_UDP
  one ("A TCP_UDP listener must be associated with a TCP_UDP target group", CreateTargetGroup.Protocol),
  an HTTP(S) listener an HTTP(S) one. ELBv2 answers ``IncompatibleProtocols`` ("The listener and its
  associated target group '<arn>' ...", hashicorp/terraform-provider-aws#4955; CreateListener errors).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from cloudorch_providers.aws.emulation.ecs_requests import Refused

NOT_FOR_HEALTH_CHECKS = ("GENEVE", "TLS", "UDP", "TCP_UDP")
#: listener protocol -> target group protocols it may forward to
COMPATIBLE = {"UDP": {"UDP", "TCP_UDP"}, "TCP": {"TCP", "TLS", "TCP_UDP"}, "TLS": {"TCP", "TLS", "TCP_UDP"},
              "TCP_UDP": {"TCP_UDP"}, "HTTP": {"HTTP", "HTTPS"}, "HTTPS": {"HTTP", "HTTPS"}}


def params(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def check(action: str, form: dict[str, str], account_id: str, region: str) -> None:
    """Raise :class:`Refused` for what ELBv2 refuses (see the module docstring)."""
    if action in ("CreateTargetGroup", "ModifyTargetGroup"):
        _check_health_check(action, form, account_id, region)
    if action in ("CreateListener", "ModifyListener"):
        _check_listener(action, form, account_id, region)


def _backend(account_id: str, region: str):
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account_id][region]


def _check_health_check(action: str, form: dict[str, str], account_id: str, region: str) -> None:
    checked = (form.get("HealthCheckProtocol") or "").upper()
    if not checked:
        return
    protocol = (form.get("Protocol") or "").upper()
    if action == "ModifyTargetGroup":
        group = _backend(account_id, region).target_groups.get(form.get("TargetGroupArn", ""))
        protocol = (getattr(group, "protocol", None) or "").upper()
    if checked in NOT_FOR_HEALTH_CHECKS:
        raise Refused(f"Health check protocol '{checked}' is not supported: health checks use HTTP, HTTPS or TCP",
                      "InvalidConfigurationRequest")
    if checked == "TCP" and protocol in ("HTTP", "HTTPS"):
        raise Refused(f"The TCP protocol is not supported for health checks of target groups with the {protocol} "
                      "protocol", "InvalidConfigurationRequest")


def _check_listener(action: str, form: dict[str, str], account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    protocol = (form.get("Protocol") or "").upper()
    if not protocol and action == "ModifyListener":
        listener = next((lst for lb in backend.load_balancers.values() for lst in lb.listeners.values()
                         if lst.arn == form.get("ListenerArn")), None)
        protocol = (getattr(listener, "protocol", None) or "").upper()
    allowed = COMPATIBLE.get(protocol)
    if allowed is None:
        return
    arns = [v for k, v in form.items() if k.startswith("DefaultActions.member.") and k.endswith(".TargetGroupArn")]
    for arn in arns:
        group = backend.target_groups.get(arn)
        if group is not None and (group.protocol or "").upper() not in allowed:
            raise Refused(f"The listener and its associated target group '{arn}' have incompatible protocols "
                          f"({protocol} listener, {group.protocol} target group)", "IncompatibleProtocols")

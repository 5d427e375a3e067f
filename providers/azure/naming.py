"""Names of the Azure resources an app becomes.

- Container group: ``{app}-{service}-{replica}`` (replica 0..N-1), because ACI has no replicas and
  each replica is a group of its own. ARM allows 1-63 lowercase letters, digits and single
  hyphens, not starting or ending with a hyphen (template reference of
  Microsoft.ContainerInstance/containerGroups); ``validate`` checks the longest name the service
  can reach.
- Main container: the service name; sidecars keep their own names.
- Public DNS label (only for groups with a public port): ACI's labels are 5-63 lowercase letters,
  digits and hyphens, starting with a letter and ending with a letter or digit, and they must be
  unique in the region across all of Azure (``{label}.{location}.azurecontainer.io``).

  - With ``dns_label_prefix``: ``{prefix}-{service}-{replica}``, exactly (too long is an error).
  - Without: ``{app}-{service}-{replica}-{hash}``, where ``hash`` is 6 hex digits of SHA-256 over
    ``{resource_group}/{app}/{service}``, so two copies of an app in different resource groups do
    not claim the same names. When that exceeds 63 characters the ``{app}-{service}`` part is cut
    short; the hash and replica suffix keep every label distinct. The subscription is left out on
    purpose: it may come from the environment at deploy time, and names must not change with it.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 63
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def group_name(app: str, service: str, replica: int) -> str:
    return f"{app}-{service}-{replica}"


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid container group / container name, or None."""
    if len(name) > MAX_NAME:
        return f"{name!r} is {len(name)} characters; ACI allows at most {MAX_NAME}"
    if not _NAME.match(name):
        return f"{name!r} must be lowercase letters, digits and '-', not starting or ending with '-'"
    if "--" in name:
        return f"{name!r} has consecutive hyphens, which ACI does not allow"
    return None


def dns_label(app: str, service: str, replica: int, resource_group: str, prefix: str | None) -> str:
    if prefix:
        return f"{prefix}-{service}-{replica}"
    digest = hashlib.sha256(f"{resource_group}/{app}/{service}".encode()).hexdigest()[:6]
    suffix = f"-{replica}-{digest}"
    head = f"{app}-{service}"[: MAX_NAME - len(suffix)].rstrip("-")
    return head + suffix


def dns_label_problem(label: str) -> str | None:
    if not 5 <= len(label) <= MAX_NAME:
        return f"DNS label {label!r} is {len(label)} characters; ACI wants 5 to {MAX_NAME}"
    if not _DNS_LABEL.match(label):
        return f"DNS label {label!r} must start with a letter and hold only lowercase letters, digits and '-'"
    return None

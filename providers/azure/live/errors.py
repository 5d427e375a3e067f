"""Azure SDK errors, by table (:mod:`cloudorch.live.errors`): what each ARM reply means.

The kit decides how a translated error reads (``{doing}: {code}: {message}; {what to do}``), its
exit code and whether it is transient (throttling, 5xx, transport errors: retried while polling
until the deadline). Rows are tried in order: specific ARM error codes first, then HTTP statuses,
then the SDK's exception types. Known secret values are redacted from every message.

Where the ACI-specific codes come from. The REST API specification (Azure/azure-rest-api-specs,
specification/containerinstance/ContainerInstance.Management/resource-manager/Microsoft.ContainerInstance/
stable/2023-05-01/containerInstance.json and its examples/, and ContainerInstance/examples/2025-09-01/)
declares every error as ``default: ErrorResponse`` and its examples hold success bodies only
(ContainerGroups_Get_Container_Groups_Get_Failed.json shows a failed group's events, no error code), so
the codes below are checked against Microsoft's troubleshooting pages and replies users quote:

- ``InaccessibleImage``: HTTP 400 (AKS "virtual nodes" article: "HTTP response status code 400 error
  code InaccessibleImage");
- ``RegistryErrorResponse``: HTTP 409 "An error response is received from the docker registry
  'index.docker.io'", mostly Docker Hub's pull rate limit on ACI's shared outbound addresses: not bad
  input (exit 1), and the hint says so;
- ``ContainerGroupQuotaReached``: also the code of a core quota ("container group quota 'StandardCores'
  / 'StandardSpotCores' / 'P100Cores' exceeded in region ...", Microsoft Learn "ContainerGroupQuotaReached
  error when deploying Spot containers"); no source shows a ``StandardCoresQuotaExceeded`` code, so the
  table no longer lists one;
- ``ContainerGroupTransitioning``: HTTP 409 (Microsoft Learn "Container group remains in a transitioning
  state (StatusCode 409, ContainerGroupTransitioning)").
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator

from cloudorch.errors import CloudorchError
from cloudorch.live.errors import CloudError, ErrorTable, Kind, Rule

SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"
REDACTED = "***"
_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def status_of(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)


def error_code(exc: BaseException) -> tuple[str, str]:
    """``(code, message)`` of an ARM error (``HTTP 503`` or the exception's type when it has no code)."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or ""
    message = getattr(error, "message", None) or ""
    if not code:
        status = status_of(exc)
        code = f"HTTP {status}" if status else type(exc).__name__
    if not message:
        text = str(exc).strip()
        message = getattr(exc, "reason", None) or (text.splitlines()[0] if text else "")
    return code, message


def _said(exc: BaseException) -> str:
    from azure.core import exceptions as ax

    code, message = error_code(exc)
    if isinstance(exc, ax.ClientAuthenticationError) and getattr(exc, "response", None) is None:
        return f"no usable Azure credentials ({message})"  # no token at all: nothing reached ARM
    if isinstance(exc, (ax.ServiceRequestError, ax.ServiceResponseError)):
        where = "the sandbox (is it running? cloudorch sandbox status)" if "127.0.0.1" in str(exc) else "Azure"
        return f"cannot reach {where}: {exc}"
    if not isinstance(exc, ax.HttpResponseError):
        return str(exc)
    return f"{code}: {message}"


def _status_in(*statuses: int):
    return lambda exc: status_of(exc) in statuses


@functools.cache
def table() -> ErrorTable:
    from azure.core import exceptions as ax

    az_login = "the Azure token was refused: run `az login` again"
    subscription = f"check providers.azure.subscription / {SUBSCRIPTION_ENV}"
    return ErrorTable("Azure", [
        Rule(Kind.CREDENTIALS, types=(ax.ClientAuthenticationError,), when=lambda e: e.response is None,
             hint="run `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, use a managed identity, "
                  "or use --sandbox"),
        Rule(Kind.CREDENTIALS, codes={"AuthenticationFailed", "InvalidAuthenticationToken",
                                      "AuthenticationFailedInvalidHeader"}, hint=az_login),
        Rule(Kind.CREDENTIALS, codes={"ExpiredAuthenticationToken"},
             hint="the Azure token has expired: run `az login` again"),
        Rule(Kind.PERMISSION, codes={"AuthorizationFailed", "LinkedAuthorizationFailed"},
             hint="the credentials lack this permission (Contributor on the resource group is enough)"),
        Rule(Kind.INVALID, codes={"SubscriptionNotFound", "InvalidSubscriptionId"}, hint=subscription),
        Rule(Kind.INVALID, codes={"MissingSubscriptionRegistration"},
             hint="register the resource provider: az provider register -n Microsoft.ContainerInstance "
                  "(and Microsoft.Network for the app's private network)"),
        Rule(Kind.INVALID, codes={"InaccessibleImage"},
             hint="check the image name and tag, and the registry credentials (image_pull_secret)"),
        Rule(Kind.OTHER, codes={"RegistryErrorResponse"},
             hint="the registry answered the pull with an error, most often Docker Hub's rate limit on ACI's "
                  "shared addresses: retry later, give the service an image_pull_secret, or pull from your own "
                  "registry (e.g. Azure Container Registry)"),
        Rule(Kind.INVALID, codes={"InvalidContainerGroupUpdate"},
             hint="ACI cannot change this in place: run `cloudorch plan`, which replaces such groups"),
        Rule(Kind.OTHER, codes={"ContainerGroupQuotaReached"},
             hint="an ACI quota of the region (container groups, or cores: StandardCores, StandardSpotCores, GPU) "
                  "is used up, as the message says: delete groups, lower resources or request more quota"),
        Rule(Kind.UNAVAILABLE, codes={"ServiceUnavailable"},
             hint="ACI has no capacity for this request in the region now: retry later or choose another location"),
        Rule(Kind.THROTTLED, codes={"TooManyRequests"},
             hint="ARM kept throttling after retries: try again later or lower --parallel"),
        Rule(Kind.CONFLICT, codes={"ResourceGroupBeingDeleted"},
             hint="the resource group is being deleted: wait until it is gone and deploy again"),
        Rule(Kind.CONFLICT, codes={"InvalidResourceLocation"},
             hint="a resource of that name already exists in another location"),
        Rule(Kind.CONFLICT, codes={"Conflict", "ContainerGroupTransitioning", "AnotherOperationInProgress"},
             hint="another operation is in progress on it: wait and run the command again"),
        Rule(Kind.CREDENTIALS, types=(ax.ClientAuthenticationError,), hint=az_login),
        Rule(Kind.THROTTLED, types=(ax.HttpResponseError,), when=_status_in(429),
             hint="ARM kept throttling after retries: try again later or lower --parallel"),
        Rule(Kind.UNAVAILABLE, types=(ax.HttpResponseError,), when=_status_in(408, 500, 502, 503, 504)),
        Rule(Kind.PERMISSION, types=(ax.HttpResponseError,), when=_status_in(403)),
        Rule(Kind.NOT_FOUND, types=(ax.HttpResponseError,), when=_status_in(404), hint=""),
        Rule(Kind.CONFLICT, types=(ax.HttpResponseError,), when=_status_in(409, 412)),
        Rule(Kind.INVALID, types=(ax.HttpResponseError,), when=_status_in(400), hint=""),
        Rule(Kind.UNREACHABLE, types=(ax.ServiceRequestError, ax.ServiceResponseError), hint=""),
        Rule(Kind.OTHER, types=(ax.AzureError,), hint=""),
    ], code=lambda exc: error_code(exc)[0], message=_said)


@contextlib.contextmanager
def azure_errors(doing: str, secrets: Iterable[str] = ()) -> Iterator[None]:
    """Translate Azure SDK errors inside the block by :func:`table` into one-line CloudErrors
    (``doing: code: message; fix``), known secret values redacted."""
    try:
        yield
    except CloudorchError:
        raise
    except Exception as exc:
        translated = table().translate(exc, doing)
        if translated is None:
            raise
        kind = translated.kind if isinstance(translated, CloudError) else Kind.OTHER
        raise CloudError(one_line(redact(str(translated), secrets)), kind) from None


def is_not_found(exc: BaseException) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    return isinstance(exc, ResourceNotFoundError) or status_of(exc) == 404

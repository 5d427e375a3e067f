"""ARM clients for one command: real Azure through ``DefaultAzureCredential``, or the sandbox.

- Credentials: ``azure.identity.DefaultAzureCredential`` (environment, managed identity, Azure CLI
  login ...). In the sandbox, :class:`SandboxCredential` hands out a dummy bearer token; the
  emulator is reached over TLS (``connection_verify`` = its CA certificate), so the SDK's own
  bearer-token policy runs unchanged.
- Subscription: the spec's ``providers.azure.subscription``, else ``AZURE_SUBSCRIPTION_ID``; in the
  sandbox, when neither is set, :data:`SANDBOX_SUBSCRIPTION`.
- Retries: azure-core's ``RetryPolicy`` (exponential backoff, 408/429/5xx retried on idempotent
  methods, ``Retry-After`` honoured); its attempts and overall ``timeout`` and the transport's
  connect/read timeouts come from the operation's deadline (:func:`cloudorch.live.timeouts.budget`),
  never azure-core's 7-day default.
- Long-running operations: :func:`wait` waits for a poller at most until the deadline.
- Errors: :func:`azure_errors` turns every SDK exception into one line naming the resource, with
  known secret values redacted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.errors import ProviderError, ProviderUnavailable
from cloudorch.live.timeouts import Timeouts, budget

USER_AGENT = "cloudorch"
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"
#: the subscription used against the sandbox when neither the spec nor the environment names one
SANDBOX_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
#: seconds between polls of a long-running operation when ARM sends no Retry-After
POLL_REAL, POLL_SANDBOX = 5.0, 0.1
REDACTED = "***"


class SandboxCredential:
    """A TokenCredential (and SupportsTokenInfo) that hands out a dummy bearer token: the sandbox's
    emulator accepts any token, and the SDK's bearer-token policy needs one."""

    TOKEN = "cloudorch-sandbox-token"
    LIFETIME = 3600

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any):
        from azure.core.credentials import AccessToken

        return AccessToken(self.TOKEN, int(time.time()) + self.LIFETIME)

    def get_token_info(self, *scopes: str, options: Any = None):
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self.TOKEN, int(time.time()) + self.LIFETIME)


def resolve_subscription(configured: str | None, sandbox: dict[str, Any] | None) -> str:
    subscription = configured or os.environ.get(SUBSCRIPTION_ENV)
    if subscription:
        return subscription
    if sandbox:
        return sandbox.get("subscription") or SANDBOX_SUBSCRIPTION
    raise ProviderError(f"no Azure subscription: set providers.azure.subscription in the spec or export "
                        f"{SUBSCRIPTION_ENV} (az account show --query id -o tsv)")


class AzureSession:
    """One credential and one ARM client per kind for the command; :meth:`bound` gives the clients
    of one operation, whose timeouts and retry budget come from that operation's deadline."""

    def __init__(self, subscription: str | None, sandbox: dict[str, Any] | None):
        self.sandbox = sandbox
        self.subscription = resolve_subscription(subscription, sandbox)
        self.polling_interval = POLL_SANDBOX if sandbox else POLL_REAL
        self._clients: dict[str, tuple[Timeouts, Any]] = {}
        self._credential: Any = None
        self._lock = threading.Lock()

    def bound(self, deadline: Deadline) -> Clients:
        return Clients(self, deadline)

    def options(self, t: Timeouts) -> dict[str, Any]:
        """azure-core's per-client options for timeouts ``t``: transport connect/read timeouts,
        RetryPolicy attempts and overall ``timeout`` (retries stop there)."""
        options: dict[str, Any] = {
            "polling_interval": self.polling_interval,
            "connection_timeout": t.connect, "read_timeout": t.read,
            "user_agent": USER_AGENT, "retry_total": t.attempts - 1,
        }
        if t.total is not None:
            options["timeout"] = t.total
        if self.sandbox:
            options.update(base_url=self.sandbox["url"], retry_backoff_factor=0.05, retry_backoff_max=2)
            if self.sandbox.get("ca_cert"):
                options["connection_verify"] = self.sandbox["ca_cert"]
        else:
            options.update(retry_backoff_factor=0.8, retry_backoff_max=60)
        return options

    def credential(self):
        with self._lock:
            if self._credential is None:
                if self.sandbox:
                    self._credential = SandboxCredential()
                else:
                    from azure.identity import DefaultAzureCredential

                    # azure-identity logs every credential it tried as a multi-line WARNING, which
                    # Python prints when the app configured no logging; our one-line error says it all
                    logging.getLogger("azure").addHandler(logging.NullHandler())

                    self._credential = DefaultAzureCredential()
            return self._credential

    def client(self, kind: str, deadline: Deadline):
        """The ``kind`` client, rebuilt when ``deadline`` leaves less time than its timeouts assume."""
        credential = self.credential()
        with self._lock:
            cached = self._clients.get(kind)
            if cached is None or cached[0].stale(deadline):
                if kind == "aci":
                    from azure.mgmt.containerinstance import ContainerInstanceManagementClient as Client
                else:
                    from azure.mgmt.resource.resources import ResourceManagementClient as Client
                t = budget(deadline)
                cached = self._clients[kind] = (t, Client(credential, self.subscription, **self.options(t)))
            return cached[1]


class Clients:
    """The ARM clients of one operation, under its deadline."""

    def __init__(self, session: AzureSession, deadline: Deadline):
        self.session, self.deadline = session, deadline
        self.subscription, self.sandbox = session.subscription, session.sandbox

    @property
    def aci(self):
        """azure-mgmt-containerinstance's ContainerInstanceManagementClient."""
        return self.session.client("aci", self.deadline)

    @property
    def resources(self):
        """azure-mgmt-resource's ResourceManagementClient."""
        return self.session.client("resources", self.deadline)

    def wait(self, poller, doing: str, deadline: Deadline | None = None):
        """The result of a long-running operation, waiting at most until the deadline (never
        azure-core's unbounded wait)."""
        deadline = deadline or self.deadline
        poller.wait(deadline.remaining())
        if not poller.done():
            raise DeadlineExceeded(f"timed out after {deadline.seconds:g}s while {doing}; ARM is still "
                                   "working on it: raise --timeout, then run the command again")
        return poller.result()


# -- errors ----------------------------------------------------------------------------------------
_HINTS = {
    "AuthorizationFailed": "; the credentials lack this permission (Contributor on the resource group is enough)",
    "AuthenticationFailed": "; the Azure token was refused: run `az login` again",
    "InvalidAuthenticationToken": "; the Azure token was refused: run `az login` again",
    "ExpiredAuthenticationToken": "; the Azure token has expired: run `az login` again",
    "SubscriptionNotFound": f"; check providers.azure.subscription / {SUBSCRIPTION_ENV}",
    "InvalidSubscriptionId": f"; check providers.azure.subscription / {SUBSCRIPTION_ENV}",
    "MissingSubscriptionRegistration": "; register the provider: az provider register -n Microsoft.ContainerInstance",
    "InaccessibleImage": "; check the image name and tag, and the registry credentials (image_pull_secret)",
    "RegistryErrorResponse": "; the registry refused the pull: check the image_pull_secret",
    "ContainerGroupQuotaReached": "; the subscription's ACI quota is used up: delete groups or request more quota",
    "StandardCoresQuotaExceeded": "; the region's ACI core quota is used up: request more quota or lower resources",
    "ServiceUnavailable": "; ACI has no capacity for this request in the region now: retry later or choose another "
                          "location",
    "TooManyRequests": "; ARM kept throttling after retries: try again later or lower --parallel",
    "Conflict": "; another operation is in progress on it: wait and run the command again",
    "ResourceGroupBeingDeleted": "; the resource group is being deleted: wait until it is gone and deploy again",
    "InvalidResourceLocation": "; a resource of that name already exists in another location",
}
_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def error_code(exc: Exception) -> tuple[str, str]:
    """``(code, message)`` of an ARM error."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or ""
    message = getattr(error, "message", None) or ""
    if not code:
        response = getattr(exc, "response", None)
        status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
        code = f"HTTP {status}" if status else type(exc).__name__
    if not message:
        text = str(exc).strip()
        message = getattr(exc, "reason", None) or (text.splitlines()[0] if text else "")
    return code, message


@contextlib.contextmanager
def azure_errors(doing: str, secrets: Iterable[str] = ()) -> Iterator[None]:
    """Turn Azure SDK errors inside the block into one-line ProviderErrors: ``doing: code: message; fix``."""
    from azure.core import exceptions as ax

    try:
        yield
    except ax.ClientAuthenticationError as exc:
        code, message = error_code(exc)
        if getattr(exc, "response", None) is None:  # no token at all: nothing reached ARM
            raise ProviderUnavailable(one_line(
                f"{doing}: no usable Azure credentials ({redact(message, secrets)}); run `az login`, set "
                "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, use a managed identity, or use --sandbox"
            )) from None
        raise ProviderError(one_line(f"{doing}: {code}: {redact(message, secrets)}{_HINTS.get(code, '')}")) from None
    except ax.HttpResponseError as exc:
        code, message = error_code(exc)
        raise ProviderError(one_line(f"{doing}: {code}: {redact(message, secrets)}{_HINTS.get(code, '')}")) from None
    except (ax.ServiceRequestError, ax.ServiceResponseError) as exc:
        where = "the sandbox (is it running? cloudorch sandbox status)" if "127.0.0.1" in str(exc) else "Azure"
        raise ProviderError(one_line(f"{doing}: cannot reach {where}: {redact(str(exc), secrets)}")) from None
    except ax.AzureError as exc:
        raise ProviderError(one_line(f"{doing}: {redact(str(exc), secrets)}")) from None


def is_not_found(exc: Exception) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    return isinstance(exc, ResourceNotFoundError) or getattr(exc, "status_code", None) == 404

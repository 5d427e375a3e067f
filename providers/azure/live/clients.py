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
- Errors: :func:`azure_errors` (:mod:`.errors`, the error table) turns every SDK exception into one
  line naming the resource, with known secret values redacted.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from cloudorch.deadline import Deadline, DeadlineExceeded
from cloudorch.errors import ProviderError
from cloudorch.live.timeouts import Timeouts, budget
from cloudorch_providers.azure.live.errors import (  # noqa: F401 - the live modules import them from here
    SUBSCRIPTION_ENV,
    azure_errors,
    error_code,
    is_not_found,
    one_line,
    redact,
)

USER_AGENT = "cloudorch"
#: the subscription used against the sandbox when neither the spec nor the environment names one
SANDBOX_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
#: seconds between polls of a long-running operation when ARM sends no Retry-After
POLL_REAL, POLL_SANDBOX = 5.0, 0.1


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
                elif kind == "network":
                    from azure.mgmt.network import NetworkManagementClient as Client
                elif kind == "dns":
                    from azure.mgmt.privatedns import PrivateDnsManagementClient as Client
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
    def network(self):
        """azure-mgmt-network's NetworkManagementClient (virtual networks, public IPs, gateways)."""
        return self.session.client("network", self.deadline)

    @property
    def dns(self):
        """azure-mgmt-privatedns's PrivateDnsManagementClient (zones, links, record sets)."""
        return self.session.client("dns", self.deadline)

    @property
    def resources(self):
        """azure-mgmt-resource's ResourceManagementClient."""
        return self.session.client("resources", self.deadline)

    def wait(self, poller, doing: str, deadline: Deadline | None = None, resume=None):
        """The result of a long-running operation, waiting at most until the deadline (never
        azure-core's unbounded wait). With ``resume`` (continuation token -> a new poller of the same
        operation), a transient reply while polling (:mod:`.transient`) resumes the poll instead of
        failing, until the deadline."""
        from cloudorch_providers.azure.live.transient import patiently

        deadline = deadline or self.deadline
        token = poller.continuation_token() if resume is not None else None
        current = [poller]

        def finish():
            try:
                current[0].wait(deadline.remaining())
            except Exception:
                if resume is not None:  # the next try polls the same operation afresh
                    current[0] = _Resumed(resume, token)
                raise
            if not current[0].done():
                raise DeadlineExceeded(f"timed out after {deadline.seconds:g}s while {doing}; ARM is still "
                                       "working on it: raise --timeout, then run the command again")
            return current[0].result()

        if resume is None:
            return finish()
        return patiently(finish, deadline, self.session.polling_interval or 0.1)


class _Resumed:
    """A poller made from a continuation token only when first waited on."""

    def __init__(self, resume, token: str):
        self._resume, self._token, self._poller = resume, token, None

    def _get(self):
        if self._poller is None:
            self._poller = self._resume(self._token)
        return self._poller

    def wait(self, timeout):
        return self._get().wait(timeout)

    def done(self):
        return self._get().done()

    def result(self):
        return self._get().result()

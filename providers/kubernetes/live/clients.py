"""The Kubernetes API client for one command: from a kubeconfig, from the sandbox, or from a cluster's
endpoint, CA and token (GKE).

- Client: the official ``kubernetes`` client (37.x, the pydantic rewrite), used through its typed API
  classes with ``_preload_content=False``: cloudorch works on the JSON objects themselves (what the
  diff compares and what ``kubectl get -o json`` shows), so the strict response models never get in
  the way and a reply field the models do not know is not lost.
- Timeouts: every request gets ``_request_timeout=(connect, read)`` capped by the command's deadline.
- Retries: our own small loop, not urllib3's (``configuration.retries = False``): 429 and 5xx replies
  and connection errors are retried up to :data:`MAX_ATTEMPTS` times with jittered exponential
  backoff, honouring ``Retry-After``, and never past the deadline. Every call cloudorch makes is
  idempotent (reads, server-side apply, a scale patch setting an absolute count, delete by name with
  a uid precondition, where a 404 on a retry means done), so retrying writes is safe.
- Errors: every failure becomes one line naming the resource and what to do, at :meth:`Kube.call`.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import CloudorchError, ProviderError, ProviderUnavailable

FIELD_MANAGER = "cloudorch"
USER_AGENT = "cloudorch"
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 6
BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP = 0.25, 8.0, 30.0
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 60.0
APIS = {"core": "CoreV1Api", "apps": "AppsV1Api", "autoscaling": "AutoscalingV2Api", "batch": "BatchV1Api",
        "networking": "NetworkingV1Api"}

_HINTS = {
    401: "the cluster refused the credentials: log in again (refresh the kubeconfig's token)",
    403: "the credentials lack this permission (RBAC): ask for access to this namespace",
    422: "the cluster rejected the object as invalid",
    429: "the API server kept throttling after retries: try again later or lower --parallel",
}


class Kube:
    """The typed API classes over one ``ApiClient`` (thread-safe: urllib3's pool is) and
    :meth:`call`, which every request goes through."""

    def __init__(self, configuration: Any, deadline: Callable[[], Deadline | None], where: str):
        from kubernetes import client

        configuration.retries = False  # retries are ours (see the module docstring)
        self.where = where
        self.api_client = client.ApiClient(configuration)
        self.api_client.user_agent = USER_AGENT
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._deadline = deadline

    def api(self, name: str) -> Any:
        """The typed API class ``name`` of :data:`APIS`, created on first use (importing one of
        them imports its hundreds of models, so a command imports only those it calls)."""
        with self._lock:
            if name not in self._apis:
                from kubernetes import client

                self._apis[name] = getattr(client, APIS[name])(self.api_client)
            return self._apis[name]

    @property
    def deadline(self) -> Deadline:
        return self._deadline() or Deadline(None)

    def timeout(self) -> tuple[float, float]:
        left = self.deadline.remaining()
        if left is None:
            return CONNECT_TIMEOUT, READ_TIMEOUT
        left = max(left, 0.5)
        return min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT, left)

    def call(self, doing: str, api: str, method: str, *args: Any, missing_ok: bool = False,
             text: bool = False, errors: Callable[[Any], CloudorchError | None] | None = None,
             **kwargs: Any) -> Any:
        """``self.api(api).method(*args, **kwargs)``: the reply's JSON (``text``: the body as text),
        None for a 404 when ``missing_ok``; retried, timed and mapped to one-line errors (``errors``
        may map a final ApiException itself, returning None for the default message)."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        function = getattr(self.api(api), method)
        deadline = self.deadline
        for attempt in range(MAX_ATTEMPTS):
            deadline.check(doing)
            try:
                reply = function(*args, _preload_content=False, _request_timeout=self.timeout(), **kwargs)
                data = reply.data
                if text:
                    return data.decode("utf-8", "replace")
                return json.loads(data) if data else {}
            except ApiException as exc:
                if exc.status == 404 and missing_ok:
                    return None
                delay = retry_delay(attempt, exc.status, (exc.headers or {}).get("Retry-After"), deadline)
                if delay is None:
                    raise ((errors(exc) if errors else None) or api_error(doing, exc, self.where)) from None
            except urllib3.exceptions.HTTPError as exc:
                delay = retry_delay(attempt, 503, None, deadline)
                if delay is None:
                    raise ProviderError(f"{doing}: cannot reach the Kubernetes API at {self.where} "
                                        f"({type(exc).__name__}: {_first_line(str(exc))}); check the network "
                                        "and that the cluster is running") from None
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.api_client.close()


def retry_delay(attempt: int, status: int | None, retry_after: str | None, deadline: Deadline) -> float | None:
    """Seconds to wait before retrying, or None when the reply is final (not retryable, out of
    attempts, or the wait would pass the deadline)."""
    if status not in RETRY_STATUS or attempt + 1 >= MAX_ATTEMPTS:
        return None
    wanted = parse_retry_after(retry_after)
    if wanted is None:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
        wanted = ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"
    wanted = min(wanted, RETRY_AFTER_CAP)
    left = deadline.remaining()
    if left is not None and wanted >= left:
        return None
    return wanted


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def status_message(exc: Any) -> str:
    """The ``message`` of the ``Status`` object in an error reply (else the HTTP reason)."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(exc.reason or f"HTTP {exc.status}")


def status_body(exc: Any) -> dict[str, Any]:
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _first_line(text: str) -> str:
    return " ".join(text.split())[:300]


def api_error(doing: str, exc: Any, where: str) -> CloudorchError:
    """One line for a failed request: ``doing: what the API server said; what to do``."""
    if not exc.status:  # TLS and other client-side failures
        return ProviderError(f"{doing}: cannot talk to the Kubernetes API at {where} ({_first_line(str(exc.reason))}); "
                             "check the cluster's CA certificate and address")
    message = _first_line(status_message(exc))
    hint = _HINTS.get(exc.status)
    if hint is None and exc.status >= 500:
        hint = "the API server kept failing after retries: try again later"
    return ProviderError(f"{doing}: {exc.status} {message}" + (f"; {hint}" if hint else ""))


# -- configurations ----------------------------------------------------------------------------------
def token_configuration(host: str, ca_cert: str | None, token: str) -> Any:
    """A client configuration for ``host`` with a CA file and a bearer token."""
    from kubernetes import client

    configuration = client.Configuration(host=host, ssl_ca_cert=ca_cert,
                                         api_key={"authorization": f"Bearer {token}"})
    return configuration


def sandbox_configuration(sandbox: dict[str, Any]) -> Any:
    """The sandbox's kube-apiserver emulator: ``{"url", "ca_cert", "token"}``."""
    return token_configuration(sandbox["url"], sandbox.get("ca_cert"), sandbox.get("token") or "sandbox")


def kubeconfig_path(setting: str | None) -> str:
    """``providers.kubernetes.kubeconfig``, else ``$KUBECONFIG`` (may list several files), else
    ``~/.kube/config``."""
    return setting or os.environ.get("KUBECONFIG") or os.path.join("~", ".kube", "config")


def kubeconfig_configuration(path: str | None, context: str | None) -> Any:
    """The cluster and credentials of a kubeconfig context (the current one when None)."""
    from kubernetes import client, config

    files = kubeconfig_path(path)
    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=os.path.expanduser(files) if os.pathsep not in files else files,
                                context=context, client_configuration=configuration, persist_config=False)
    except config.ConfigException as exc:
        which = f"context {context!r} of " if context else ""
        raise ProviderUnavailable(
            f"cannot use {which}kubeconfig {files}: {_first_line(str(exc))}; set providers.kubernetes.kubeconfig "
            "(or $KUBECONFIG) and providers.kubernetes.context to a cluster you can reach, or use --sandbox"
        ) from None
    except OSError as exc:
        raise ProviderUnavailable(f"cannot read kubeconfig {files}: {exc.strerror or exc}; set "
                                  "providers.kubernetes.kubeconfig or $KUBECONFIG, or use --sandbox") from None
    return configuration

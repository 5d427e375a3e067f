"""The Kubernetes API client for one command: from a kubeconfig, from the sandbox, or from a cluster's
endpoint, CA and token (GKE).

- Client: the official ``kubernetes`` client (37.x, the pydantic rewrite), used through its typed API
  classes with ``_preload_content=False``: cloudorch works on the JSON objects themselves (what the
  diff compares and what ``kubectl get -o json`` shows), so the strict response models never get in
  the way and a reply field the models do not know is not lost.
- Deadline: each operation works through ``kube.bound(deadline)``; every request gets
  ``_request_timeout=(connect, read)`` from that deadline (:func:`cloudorch.live.timeouts.budget`).
- Retries: our own small loop, not urllib3's (``configuration.retries = False``): 429 and 5xx replies
  and connection errors are retried up to :data:`MAX_ATTEMPTS` times with the kit's backoff
  (:func:`cloudorch.live.timeouts.retry_delay`: jittered, ``Retry-After`` honoured, never past the
  deadline). Every call cloudorch makes is idempotent (reads, server-side apply, a scale patch
  setting an absolute count, delete by name with a uid precondition, where a 404 on a retry means
  done), so retrying writes is safe.
- Errors: translated by the table :func:`error_table` (kinds: :mod:`cloudorch.live.errors`), one line
  naming the resource and what to do, at :meth:`Kube.call`.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import CloudorchError, ProviderUnavailable
from cloudorch.live.errors import ErrorTable, Kind, Rule
from cloudorch.live.timeouts import MAX_ATTEMPTS, budget, retry_delay

FIELD_MANAGER = "cloudorch"
USER_AGENT = "cloudorch"
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
APIS = {"core": "CoreV1Api", "apps": "AppsV1Api", "autoscaling": "AutoscalingV2Api", "batch": "BatchV1Api",
        "networking": "NetworkingV1Api"}


def error_table(where: str) -> ErrorTable:
    """What the API server's (and urllib3's) errors mean."""
    import urllib3
    from kubernetes.client.exceptions import ApiException

    def status(exc: BaseException) -> int | None:
        return getattr(exc, "status", None)

    def message(exc: BaseException) -> str:
        if isinstance(exc, urllib3.exceptions.HTTPError):
            return f"cannot reach the Kubernetes API at {where} ({type(exc).__name__}: {_first_line(str(exc))})"
        if not status(exc):  # TLS and other client-side failures
            return f"cannot talk to the Kubernetes API at {where} ({_first_line(str(getattr(exc, 'reason', exc)))})"
        return f"{exc.status} {_first_line(status_message(exc))}"

    return ErrorTable("Kubernetes", [
        Rule(Kind.UNREACHABLE, types=(urllib3.exceptions.HTTPError,),
             hint="check the network and that the cluster is running"),
        Rule(Kind.UNREACHABLE, types=(ApiException,), codes={0, None},
             hint="check the cluster's CA certificate and address"),
        Rule(Kind.CREDENTIALS, codes={401},
             hint="the cluster refused the credentials: log in again (refresh the kubeconfig's token)"),
        Rule(Kind.PERMISSION, codes={403}, hint="the credentials lack this permission (RBAC): ask for access to "
                                                "this namespace"),
        Rule(Kind.NOT_FOUND, codes={404}, hint=""),
        Rule(Kind.CONFLICT, codes={409}, hint=""),
        Rule(Kind.INVALID, codes={400, 422}, hint="the cluster rejected the object as invalid"),
        Rule(Kind.THROTTLED, codes={429},
             hint="the API server kept throttling after retries: try again later or lower --parallel"),
        Rule(Kind.UNAVAILABLE, types=(ApiException,), when=lambda e: (status(e) or 0) >= 500,
             hint="the API server kept failing after retries: try again later"),
        Rule(Kind.OTHER, types=(ApiException,), hint=""),
    ], code=status, message=message)


class Kube:
    """The typed API classes over one ``ApiClient`` (thread-safe: urllib3's pool is) and
    :meth:`call`, which every request goes through, under :attr:`deadline`."""

    def __init__(self, configuration: Any, where: str, deadline: Deadline | None = None):
        from kubernetes import client

        configuration.retries = False  # retries are ours (see the module docstring)
        self.where = where
        self.api_client = client.ApiClient(configuration)
        self.api_client.user_agent = USER_AGENT
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.deadline = deadline or Deadline(None)
        #: server-side apply takes over fields other managers own (deploy --force-conflicts)
        self.force = False
        self.errors = error_table(where)

    def bound(self, deadline: Deadline, force: bool = False) -> Kube:
        """This client (the same connections) for one operation: under ``deadline``, forcing
        server-side apply conflicts when ``force``."""
        view = copy.copy(self)
        view.deadline, view.force = deadline, force
        return view

    def api(self, name: str) -> Any:
        """The typed API class ``name`` of :data:`APIS`, created on first use (importing one of
        them imports its hundreds of models, so a command imports only those it calls)."""
        with self._lock:
            if name not in self._apis:
                from kubernetes import client

                self._apis[name] = getattr(client, APIS[name])(self.api_client)
            return self._apis[name]

    def call(self, doing: str, api: str, method: str, *args: Any, missing_ok: bool = False,
             text: bool = False, errors: Callable[[Any], CloudorchError | None] | None = None,
             **kwargs: Any) -> Any:
        """``self.api(api).method(*args, **kwargs)``: the reply's JSON (``text``: the body as text),
        None for a 404 when ``missing_ok``; retried, timed and translated to one-line errors (``errors``
        may map a final ApiException itself, returning None for the table's message)."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        function = getattr(self.api(api), method)
        deadline = self.deadline
        for attempt in range(MAX_ATTEMPTS):
            deadline.check(doing)
            try:
                reply = function(*args, _preload_content=False, _request_timeout=budget(deadline).pair, **kwargs)
                data = reply.data
                if text:
                    return data.decode("utf-8", "replace")
                return json.loads(data) if data else {}
            except ApiException as exc:
                if exc.status == 404 and missing_ok:
                    return None
                delay = retry_delay(attempt, deadline, (exc.headers or {}).get("Retry-After")) \
                    if exc.status in RETRY_STATUS else None
                if delay is None:
                    raise ((errors(exc) if errors else None) or self.errors.translate(exc, doing)) from None
            except urllib3.exceptions.HTTPError as exc:
                deadline.check(doing)  # a reply cut short by the deadline: say what it was waiting for
                delay = retry_delay(attempt, deadline)
                if delay is None:
                    raise self.errors.translate(exc, doing) from None
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.api_client.close()


def status_message(exc: Any) -> str:
    """The ``message`` of the ``Status`` object in an error reply (else the HTTP reason)."""
    body = status_body(exc)
    if body.get("message"):
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

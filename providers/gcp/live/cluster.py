"""Finding the GKE cluster and building the Kubernetes client configuration that reaches it.

- The cluster: ``ClusterManagerClient.get_cluster(name="projects/P/locations/L/clusters/C")`` over the
  REST transport, with the project from ``providers.gcp.project`` or Application Default Credentials.
  In the sandbox: anonymous credentials and the GKE emulator's URL as the API endpoint.
- Retries: google-api-core's ``Retry`` on 429/500/503/504 with exponential backoff (it does not read
  ``Retry-After``); the request timeout and the retries' overall budget come from the command's
  deadline (:func:`cloudorch.live.timeouts.budget`, at most :data:`LOOKUP_TIMEOUT`).
- Errors: translated by :func:`error_table` (:mod:`cloudorch.live.errors`).
- The Kubernetes API: ``https://{cluster.endpoint}``, verified against
  ``masterAuth.clusterCaCertificate`` (base64 PEM, handed to the client as ``ca_cert_data``, so no CA
  file is written to disk), with a bearer token: the Google credentials' OAuth access token (scope
  ``cloud-platform``, refreshed before it expires through the client's ``refresh_api_key_hook``), or
  in the sandbox the token of the GKE emulator's client config (the Kubernetes emulator's).
- A missing cluster (404), a cluster that is not RUNNING (RECONCILING is accepted: GKE keeps serving
  the Kubernetes API during upgrades), or missing credentials each end in one line saying what to do.
"""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, ProviderUnavailable
from cloudorch.live.timeouts import budget

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
SANDBOX_PROJECT = "cloudorch-sandbox"
USABLE = ("RUNNING", "RECONCILING")
LOOKUP_TIMEOUT = 30.0


def credentials_and_project(settings: Any, sandbox: dict[str, Any] | None) -> tuple[Any, str]:
    """Google credentials and the project: anonymous ones in the sandbox, else Application Default
    Credentials (the project from the settings, else the credentials')."""
    if sandbox:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials(), settings.project or SANDBOX_PROJECT
    import google.auth
    import google.auth.exceptions

    try:
        credentials, found = google.auth.default(scopes=[CLOUD_PLATFORM])
    except google.auth.exceptions.DefaultCredentialsError:
        raise ProviderUnavailable(
            "no Google credentials found: run `gcloud auth application-default login` (or set "
            "GOOGLE_APPLICATION_CREDENTIALS to a service account key file), or use --sandbox"
        ) from None
    project = settings.project or found
    if not project:
        raise ProviderError("no Google Cloud project: set providers.gcp.project in the spec (or "
                            "`gcloud config set project PROJECT`)")
    return credentials, project


def cluster_name(project: str, settings: Any) -> str:
    return f"projects/{project}/locations/{settings.location}/clusters/{settings.cluster}"


def error_table(where: str, project: str):
    """What the GKE API's (google-api-core's) errors mean for the cluster lookup."""
    import requests
    from google.api_core import exceptions as gx
    from google.auth import exceptions as auth_errors

    from cloudorch.live.errors import ErrorTable, Kind, Rule

    def message(exc: BaseException) -> str:
        if isinstance(exc, requests.RequestException):  # the REST transport's own: reset, timeout
            return f"cannot reach the GKE API ({type(exc).__name__}: {_message(exc)})"
        if isinstance(exc, gx.NotFound):
            return f"{where} does not exist"
        if isinstance(exc, gx.RetryError):
            return f"the GKE API kept failing ({_message(exc.cause or exc)})"
        if isinstance(exc, auth_errors.TransportError):
            return f"cannot reach Google ({_message(exc)})"
        return _message(exc)

    return ErrorTable("GKE", [
        Rule(Kind.NOT_FOUND, types=(gx.NotFound,),
             hint=f"check providers.gcp.project, location and cluster in the spec (`gcloud container clusters "
                  f"list --project {project}`); cloudorch never creates clusters"),
        Rule(Kind.CREDENTIALS, types=(gx.Unauthenticated, auth_errors.RefreshError),
             hint="the Google credentials were refused: run `gcloud auth application-default login` again"),
        Rule(Kind.PERMISSION, types=(gx.PermissionDenied,),
             hint="the credentials need container.clusters.get (e.g. roles/container.developer) on the project"),
        Rule(Kind.UNAVAILABLE, types=(gx.RetryError,), hint="try again later"),
        Rule(Kind.THROTTLED, types=(gx.TooManyRequests,)),
        Rule(Kind.UNAVAILABLE, types=(gx.ServerError,)),
        Rule(Kind.UNREACHABLE, types=(auth_errors.TransportError, requests.RequestException),
             hint="check the network"),
        Rule(Kind.OTHER, types=(gx.GoogleAPICallError,), hint=""),
    ], message=message)


def get_cluster(settings: Any, sandbox: dict[str, Any] | None, credentials: Any, project: str,
                deadline: Deadline) -> Any:
    """The Cluster resource, or a one-line error."""
    from google.api_core import exceptions as gx
    from google.api_core import retry as retries
    from google.api_core.client_options import ClientOptions
    from google.cloud import container_v1

    options = ClientOptions(api_endpoint=sandbox["url"]) if sandbox else None
    client = container_v1.ClusterManagerClient(credentials=credentials, transport="rest", client_options=options)
    name = cluster_name(project, settings)
    where = (f"GKE cluster {settings.cluster} (project {project}, location {settings.location})")
    doing = f"looking up {where}"
    deadline.check(doing)
    t = budget(deadline, read_cap=LOOKUP_TIMEOUT)
    # google-api-core's Retry: every attempt and the backoff between them within the lookup's budget
    retry = retries.Retry(initial=0.25, maximum=8.0, multiplier=2.0, timeout=t.read,
                          predicate=retries.if_exception_type(gx.TooManyRequests, gx.InternalServerError,
                                                              gx.ServiceUnavailable, gx.GatewayTimeout))
    with error_table(where, project).translating(doing):
        return client.get_cluster(name=name, retry=retry, timeout=t.read)


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())[:300]


def check_usable(cluster: Any, settings: Any, project: str) -> None:
    status = cluster.status.name if hasattr(cluster.status, "name") else str(cluster.status)
    where = f"GKE cluster {settings.cluster} (project {project}, location {settings.location})"
    if status not in USABLE:
        detail = f": {cluster.status_message}" if cluster.status_message else ""
        raise ProviderError(
            f"{where} is {status}{detail}, not RUNNING; wait until it runs (`gcloud container clusters describe "
            f"{settings.cluster} --location {settings.location}`) and try again"
        )
    if not cluster.endpoint:
        raise ProviderError(f"{where} has no endpoint yet; wait until it is RUNNING and try again")


def ca_data(cluster: Any, settings: Any) -> str:
    try:
        pem = base64.b64decode(cluster.master_auth.cluster_ca_certificate or "", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        pem = ""
    if "BEGIN CERTIFICATE" not in pem:
        raise ProviderError(f"GKE cluster {settings.cluster} reports no usable CA certificate "
                            "(masterAuth.clusterCaCertificate); check the cluster in the console")
    return pem


class TokenSource:
    """A bearer token from Google credentials, refreshed when it is about to expire (thread-safe)."""

    def __init__(self, credentials: Any):
        self.credentials = credentials
        self._lock = threading.Lock()

    def token(self) -> str:
        import google.auth.exceptions
        import google.auth.transport.requests

        with self._lock:
            if not self.credentials.valid:
                try:
                    self.credentials.refresh(google.auth.transport.requests.Request())
                except google.auth.exceptions.RefreshError as exc:
                    raise ProviderUnavailable(f"the Google credentials could not be refreshed ({_message(exc)}); "
                                              "run `gcloud auth application-default login` again") from None
                except google.auth.exceptions.TransportError as exc:
                    raise ProviderError(f"refreshing the Google credentials: cannot reach Google "
                                        f"({_message(exc)}); check the network") from None
            return self.credentials.token

    def hook(self, configuration: Any) -> None:
        """``refresh_api_key_hook``: called before each request."""
        configuration.api_key["authorization"] = f"Bearer {self.token()}"


def cluster_configuration(settings: Any, sandbox: dict[str, Any] | None, deadline: Deadline) -> Any:
    """The ``kubernetes.client.Configuration`` for the GKE cluster named in the settings."""
    from kubernetes import client

    credentials, project = credentials_and_project(settings, sandbox)
    cluster = get_cluster(settings, sandbox, credentials, project, deadline)
    check_usable(cluster, settings, project)
    configuration = client.Configuration(host=f"https://{cluster.endpoint}", ca_cert_data=ca_data(cluster, settings))
    if sandbox:
        configuration.api_key = {"authorization": f"Bearer {sandbox.get('token') or 'sandbox'}"}
    else:
        tokens = TokenSource(credentials)
        configuration.api_key = {"authorization": f"Bearer {tokens.token()}"}
        configuration.refresh_api_key_hook = tokens.hook
    return configuration

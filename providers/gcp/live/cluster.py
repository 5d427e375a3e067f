"""Finding the GKE cluster and building the Kubernetes client configuration that reaches it.

- The cluster: ``ClusterManagerClient.get_cluster(name="projects/P/locations/L/clusters/C")`` over the
  REST transport, with the project from ``providers.gcp.project`` or Application Default Credentials.
  In the sandbox: anonymous credentials and the GKE emulator's URL as the API endpoint.
- Retries: google-api-core's ``Retry`` on 429/500/503/504 with exponential backoff, bounded by the
  command's deadline (google-api-core does not read ``Retry-After``); the request timeout is capped by
  the deadline too.
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


def get_cluster(settings: Any, sandbox: dict[str, Any] | None, credentials: Any, project: str,
                deadline: Deadline) -> Any:
    """The Cluster resource, or a one-line error."""
    from google.api_core import exceptions as gx
    from google.api_core import retry as retries
    from google.api_core.client_options import ClientOptions
    from google.auth import exceptions as auth_errors
    from google.cloud import container_v1

    options = ClientOptions(api_endpoint=sandbox["url"]) if sandbox else None
    client = container_v1.ClusterManagerClient(credentials=credentials, transport="rest", client_options=options)
    name = cluster_name(project, settings)
    where = (f"GKE cluster {settings.cluster} (project {project}, location {settings.location})")
    budget = deadline.remaining(LOOKUP_TIMEOUT) or LOOKUP_TIMEOUT
    retry = retries.Retry(initial=0.25, maximum=8.0, multiplier=2.0, timeout=budget,
                          predicate=retries.if_exception_type(gx.TooManyRequests, gx.InternalServerError,
                                                              gx.ServiceUnavailable, gx.GatewayTimeout))
    deadline.check(f"looking up {where}")
    try:
        return client.get_cluster(name=name, retry=retry, timeout=budget)
    except gx.NotFound:
        raise ProviderError(
            f"{where} does not exist: check providers.gcp.project, location and cluster in the spec "
            f"(`gcloud container clusters list --project {project}`); cloudorch never creates clusters"
        ) from None
    except (gx.Unauthenticated, auth_errors.RefreshError) as exc:
        raise ProviderUnavailable(f"looking up {where}: the Google credentials were refused ({_message(exc)}); "
                                  "run `gcloud auth application-default login` again") from None
    except gx.PermissionDenied as exc:
        raise ProviderError(f"looking up {where}: permission denied ({_message(exc)}); the credentials need "
                            "container.clusters.get (e.g. roles/container.developer) on the project") from None
    except gx.RetryError as exc:
        raise ProviderError(f"looking up {where}: the GKE API kept failing ({_message(exc.cause or exc)}); "
                            "try again later") from None
    except gx.GoogleAPICallError as exc:
        raise ProviderError(f"looking up {where}: {_message(exc)}") from None
    except auth_errors.TransportError as exc:
        raise ProviderError(f"looking up {where}: cannot reach Google ({_message(exc)}); check the network") from None


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

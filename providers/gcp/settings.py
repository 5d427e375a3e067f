"""Settings of the ``gcp`` provider (GKE): the spec's ``providers.gcp`` block.

- ``project``: the Google Cloud project id; default: the project of Google's Application Default
  Credentials (``google.auth.default()``), looked up at deploy time.
- ``location``: the cluster's region (``us-central1``) or zone (``us-central1-a``); required,
  since GKE cluster names are unique per location only.
- ``cluster``: the existing GKE cluster's name; required. cloudorch never creates or deletes a
  cluster (it costs money and outlives apps), and guessing one from the app's name could deploy
  onto the wrong cluster.
- ``namespace``, ``secrets``, ``service_type_public``: as for the ``kubernetes`` provider
  (``cloudorch_providers.kubernetes.settings``): the namespace defaults to the app's name, a secret to key
  ``<secret name>`` of the Kubernetes Secret ``<app>-secrets``.

The cluster's endpoint and CA come from the GKE API (``projects.locations.clusters.get``), the
token from Google's credentials: no kubeconfig is read.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from cloudorch_providers.kubernetes.settings import WorkloadSettings

#: a project id, optionally domain-scoped (``example.com:my-project``)
ProjectId = Annotated[str, StringConstraints(
    pattern=r"^([a-z0-9][-a-z0-9.]*:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$")]
Location = Annotated[str, StringConstraints(pattern=r"^[a-z]+-[a-z]+[0-9]+(-[a-z])?$")]
ClusterName = Annotated[str, StringConstraints(
    min_length=1, max_length=40, pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$")]


class GKESettings(WorkloadSettings):
    """The ``providers.gcp`` block."""

    project: ProjectId | None = Field(
        None, description="default: the Application Default Credentials' project")
    location: Location = Field(description="region (us-central1) or zone (us-central1-a)")
    cluster: ClusterName = Field(description="an existing GKE cluster")

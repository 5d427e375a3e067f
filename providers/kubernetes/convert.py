"""Spec -> Kubernetes manifests, pure: dicts exactly as ``kubectl apply -f`` takes them.

``render(target)`` returns the documents in apply order:

1. the ``v1`` Namespace, labelled as the app's own (``cloudorch.io/app``,
   ``app.kubernetes.io/managed-by: cloudorch``, ``app.kubernetes.io/part-of``, the app's labels)
   and with Pod Security admission ``enforce: baseline`` (what cloudorch renders always passes it;
   it stops anyone from running privileged pods in the app's namespace; a spec label
   ``pod-security.kubernetes.io/enforce: restricted`` tightens it). Left out when the app
   lives in the shared ``default`` namespace, which every cluster has and no app owns.
2. per service, services in dependency order (``depends_on`` first): the Deployment
   (``convert_workload``), the Service when it has ports (``convert_service``), the
   HorizontalPodAutoscaler when it autoscales (``convert_autoscale``).
3. per job, the CronJob (``convert_jobs``; suspended when the job has no schedule).

Naming and labels are described in ``providers.kubernetes.meta``. ``depends_on`` has no Kubernetes
counterpart: the order above is only the order of the first apply; use readiness (and retries) in
the dependant.
"""

from __future__ import annotations

from typing import Any

from cloudorch.provider import Document
from cloudorch_providers.kubernetes.convert_autoscale import autoscaler
from cloudorch_providers.kubernetes.convert_jobs import cronjob
from cloudorch_providers.kubernetes.convert_service import service as service_manifest
from cloudorch_providers.kubernetes.convert_workload import deployment
from cloudorch_providers.kubernetes.meta import Target
from cloudorch_providers.kubernetes.settings import SHARED_NAMESPACES

POD_SECURITY = {"pod-security.kubernetes.io/enforce": "baseline"}


def namespace(target: Target) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": target.namespace, "labels": {**POD_SECURITY, **target.app_labels()}}}


def render(target: Target, overrides: bool = True) -> list[Document]:
    """Every manifest in apply order, with the spec's override blocks merged in (unless
    ``overrides=False``: what cloudorch alone renders, for checking the overrides)."""
    docs: list[Document] = []
    if target.namespace not in SHARED_NAMESPACES:
        docs.append(_doc(namespace(target), None))
    for wave in target.app.order():
        for name in wave:
            spec = target.app.services[name]
            for body in (deployment(target, name, spec), service_manifest(target, name, spec),
                         autoscaler(target, name, spec)):
                if body is not None:
                    docs.append(_doc(body, name))
    for name, job in target.app.jobs.items():
        docs.append(_doc(cronjob(target, name, job), name))
    if overrides and target.settings.overrides:
        from cloudorch_providers.kubernetes.overrides import apply

        docs = apply(docs, "", target.settings)
    return docs


def _doc(body: dict[str, Any], service: str | None) -> Document:
    return Document(kind=body["kind"], name=body["metadata"]["name"], body=body, service=service)

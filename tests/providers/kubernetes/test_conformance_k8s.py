"""The provider conformance suite on Kubernetes, through the sandbox's kube-apiserver emulator, with the
out-of-band operations done by the official kubernetes client directly."""

from __future__ import annotations

import pytest

from cloudorch.testing import ConformanceHooks, ProviderConformance

OWNER, TOOL = "cloudorch.io/app", "app.kubernetes.io/managed-by"


class KubeHooks(ConformanceHooks):
    """Out-of-band operations with the kubernetes client (typed models, as a user would write them)."""

    def __init__(self, configuration):
        from kubernetes import client

        self.client = client
        api = client.ApiClient(configuration)
        self.core, self.apps = client.CoreV1Api(api), client.AppsV1Api(api)
        self.autoscaling = client.AutoscalingV2Api(api)

    @staticmethod
    def namespace(app: str) -> str:
        return app  # the specs' namespaces are their apps' names (webshop sets namespace: webshop)

    def create_secret(self, app: str, name: str, value: str) -> None:
        """The web shop's secrets are keys of the Secret shop-secrets in its namespace."""
        c, ns = self.client, self.namespace(app)
        try:
            self.core.read_namespace(ns)
        except c.ApiException as exc:
            assert exc.status == 404
            self.core.create_namespace(c.V1Namespace(metadata=c.V1ObjectMeta(name=ns)))
        try:
            self.core.patch_namespaced_secret("shop-secrets", ns, {"stringData": {name: value}})
        except c.ApiException as exc:
            assert exc.status == 404
            self.core.create_namespaced_secret(ns, c.V1Secret(metadata=c.V1ObjectMeta(name="shop-secrets"),
                                                              string_data={name: value}))

    def delete_service(self, app: str, service: str) -> None:
        self.apps.delete_namespaced_deployment(service, self.namespace(app))

    def plant_unowned(self, app: str, service: str) -> None:
        c, ns = self.client, self.namespace(app)
        try:
            self.core.read_namespace(ns)
        except c.ApiException as exc:
            assert exc.status == 404
            self.core.create_namespace(c.V1Namespace(metadata=c.V1ObjectMeta(name=ns)))
        labels = {"app": f"handmade-{service}"}
        self.apps.create_namespaced_deployment(ns, c.V1Deployment(
            metadata=c.V1ObjectMeta(name=service, labels=labels),
            spec=c.V1DeploymentSpec(
                replicas=1, selector=c.V1LabelSelector(match_labels=labels),
                template=c.V1PodTemplateSpec(
                    metadata=c.V1ObjectMeta(labels=labels),
                    spec=c.V1PodSpec(containers=[c.V1Container(name="main", image="nginx:1.27.2")])))))
        self.core.create_namespaced_service(ns, c.V1Service(
            metadata=c.V1ObjectMeta(name=service, labels=labels),
            spec=c.V1ServiceSpec(selector=labels, ports=[c.V1ServicePort(port=80)])))

    def running_images(self, app: str, service: str) -> list[str]:
        pods = self.core.list_namespaced_pod(self.namespace(app),
                                             label_selector=f"{OWNER}={app},cloudorch.io/service={service}").items
        return [c.image for p in pods if p.status.phase == "Running" and not p.metadata.deletion_timestamp
                for c in p.status.container_statuses or [] if c.state and c.state.running]

    def unowned_exists(self, app: str, service: str) -> bool:
        try:
            deployment = self.apps.read_namespaced_deployment(service, self.namespace(app))
        except self.client.ApiException as exc:
            assert exc.status == 404
            return False
        return OWNER not in (deployment.metadata.labels or {})

    def owned_resources(self, app: str) -> list[str]:
        selector = f"{OWNER}={app},{TOOL}=cloudorch"
        found = [f"deployment {d.metadata.namespace}/{d.metadata.name}" for d in
                 self.apps.list_deployment_for_all_namespaces(label_selector=selector).items]
        found += [f"service {s.metadata.namespace}/{s.metadata.name}" for s in
                  self.core.list_service_for_all_namespaces(label_selector=selector).items]
        found += [f"hpa {h.metadata.namespace}/{h.metadata.name}" for h in
                  self.autoscaling.list_horizontal_pod_autoscaler_for_all_namespaces(label_selector=selector).items]
        for namespace in self.core.list_namespace(label_selector=selector).items:
            if namespace.metadata.deletion_timestamp:
                continue  # being deleted
            # like the AWS suite's cluster: a namespace that also holds others' workloads stays, by design
            foreign = [d for d in self.apps.list_namespaced_deployment(namespace.metadata.name).items
                       if (d.metadata.labels or {}).get(OWNER) != app]
            if not foreign:
                found.append(f"namespace {namespace.metadata.name}")
        return found


class TestKubernetesConformance(ProviderConformance):
    provider = "kubernetes"
    timeout = 60.0
    emulator_options = {"kubernetes": {"ready_delay": 0.3, "period": 0.1}}
    status_read = "list deployments"

    @pytest.fixture(scope="class")
    @classmethod
    def hooks(cls, sandbox):
        from kubernetes import client

        config = sandbox.config("kubernetes")
        return KubeHooks(client.Configuration(host=config["url"], ssl_ca_cert=config["ca_cert"],
                                              api_key={"authorization": f"Bearer {config['token']}"}))

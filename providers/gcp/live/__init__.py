"""The GKE provider's live half: finding the cluster through the GKE API and handing the Kubernetes
adapter (:mod:`cloudorch_providers.kubernetes.live`) a client configuration for it. Google and Kubernetes
clients are imported inside functions only."""

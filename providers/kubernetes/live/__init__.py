"""The Kubernetes provider's live half: the API client (kubeconfig, sandbox or a GKE cluster), reading
the live app, planning with a client-side diff, server-side apply, status and logs. Everything here
imports the ``kubernetes`` client lazily (inside functions), via :mod:`.clients`."""

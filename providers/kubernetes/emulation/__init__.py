"""The pieces of the kube-apiserver emulator (:mod:`cloudorch_providers.kubernetes.emulator`).

- :mod:`.resources`  the catalogue of served resource types (discovery and routing read it)
- :mod:`.errors`     ``Status`` error objects
- :mod:`.store`      objects in memory, the global resourceVersion, the change log for watches
- :mod:`.selectors`  label and field selectors
- :mod:`.merge`      JSON merge patch, strategic merge patch, JSON patch
- :mod:`.fields`     field paths, FieldsV1 and server-side apply ownership
- :mod:`.objects`    per-kind defaulting and validation
- :mod:`.registry`   the verbs (create, update, patch, apply, delete) with metadata bookkeeping
- :mod:`.discovery`  /version, /api, /apis, resource lists
- :mod:`.openapi`    /openapi/v2 and /openapi/v3 from the shipped Kubernetes schemas
- :mod:`.tables`     ``Table`` rendering for kubectl
- :mod:`.pods`       pod lifecycle by image and time, and container logs
- :mod:`.podconfig`  the Secrets and ConfigMaps a pod needs before its containers start
- :mod:`.rollout`    maxSurge / maxUnavailable arithmetic and deployment status conditions
- :mod:`.controller` deployments, replicasets, HPAs, load balancers, namespaces, garbage collection
- :mod:`.routing`    URL parsing and the WSGI request handling
- :mod:`.timefmt`    RFC 3339 timestamps
"""

"""Checks that span several fields of a valid-typed spec; each names the exact field path."""

from __future__ import annotations

from collections.abc import Iterator

from cloudorch.spec.models import App

Path = tuple[str | int, ...]


def semantic_issues(app: App, ignore: set[str] = frozenset()) -> Iterator[tuple[Path, str]]:
    """Cross-field problems; ``ignore`` names services left out for their own errors (a
    dependency on one of them is not reported again)."""
    for name, service in app.services.items():
        base: Path = ("services", name)
        containers = [(base, service)] + [(base + ("sidecars", i), c) for i, c in enumerate(service.sidecars)]
        for where, container in containers:
            for var in sorted(set(container.env) & set(container.secrets)):
                yield where + ("secrets", var), f"{var} is set both in env and in secrets; keep one"
        if service.health and service.health.timeout > service.health.interval:
            yield base + ("health", "timeout"), "timeout must not exceed interval"
        seen_ports: set[int] = set()
        for i, port in enumerate(service.ports):
            if port.port in seen_ports:
                yield base + ("ports", i, "port"), f"port {port.port} is listed twice"
            seen_ports.add(port.port)
        outside: dict[int, int] = {}  # published number -> the port it reaches
        for i, port in enumerate(service.ports):
            if port.published is None or port.published == port.port:
                continue
            if port.published in seen_ports or port.published in outside:
                yield (base + ("ports", i, "published"),
                       f"published {port.published} is already a port of {name}: give it another number")
            outside[port.published] = port.port
        volumes = [v.name for v in service.volumes]
        for i, vol in enumerate(service.volumes):
            if volumes.index(vol.name) != i:
                yield base + ("volumes", i, "name"), f"volume {vol.name!r} is listed twice"
        sidecars = [s.name for s in service.sidecars]
        for i, sidecar in enumerate(service.sidecars):
            if sidecar.name == name or sidecars.index(sidecar.name) != i:
                yield base + ("sidecars", i, "name"), f"container name {sidecar.name!r} is used twice"
            for j, vol in enumerate(sidecar.volumes):
                if vol.name not in volumes:
                    yield (
                        base + ("sidecars", i, "volumes", j, "name"),
                        f"no volume {vol.name!r} in services.{name}.volumes to share",
                    )
        if service.autoscale and "replicas" in service.model_fields_set:
            low, high = service.autoscale.min, service.autoscale.max
            if not low <= service.replicas <= high:
                yield base + ("replicas",), f"{service.replicas} is outside autoscale min..max ({low}..{high})"
        if service.health and service.health.http and not service.ports:
            yield (base + ("health", "http", "port"),
                   f"an http health check needs port {service.health.http.port} among the service's ports, "
                   "and it lists none")
        elif service.health and service.health.http:
            if service.health.http.port not in seen_ports:
                yield (
                    base + ("health", "http", "port"),
                    f"port {service.health.http.port} is not among the service's ports",
                )
        for i, dep in enumerate(service.depends_on):
            if dep == name:
                yield base + ("depends_on", i), "a service cannot depend on itself"
            elif dep not in app.services and dep not in ignore:
                yield base + ("depends_on", i), f"no service named {dep!r}{_suggest(dep, app.services)}"
    yield from job_issues(app)
    cycle = find_cycle({n: [d for d in s.depends_on if d != n and d in app.services]
                        for n, s in app.services.items()})
    if cycle:
        first = cycle[0]
        index = app.services[first].depends_on.index(cycle[1])
        shown = cycle if len(cycle) <= 9 else cycle[:4] + [f"... ({len(cycle) - 1} services) ..."] + cycle[-4:]
        yield ("services", first, "depends_on", index), f"dependency cycle: {' -> '.join(shown)}"


def job_issues(app) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems of the jobs section, with the exact field path."""
    for name, job in app.jobs.items():
        base = ("jobs", name)
        if name in app.services:
            yield base, f"{name!r} is already a service name; jobs and services share one namespace"
        for var in sorted(set(job.env) & set(job.secrets)):
            yield base + ("secrets", var), f"{var} is set both in env and in secrets; keep one"
        names = [v.name for v in job.volumes]
        for i, vol in enumerate(job.volumes):
            if names.index(vol.name) != i:
                yield base + ("volumes", i, "name"), f"volume {vol.name!r} is listed twice"


def _suggest(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The first dependency cycle found, as a closed path (``a -> b -> a``), or None. Iterative
    (an explicit stack), so a chain of any length is fine."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        pending = [iter(graph.get(root, []))]
        while pending:
            for dep in pending[-1]:
                if dep not in graph:
                    continue
                if state.get(dep) == 1:
                    return path[path.index(dep):] + [dep]
                if dep not in state:
                    state[dep] = 1
                    path.append(dep)
                    pending.append(iter(graph.get(dep, [])))
                    break
            else:
                state[path.pop()] = 2
                pending.pop()
    return None

"""HTTP: kube-apiserver paths to registry verbs, bearer-token checks, lists, watches, Tables and pod logs.

Paths: ``/api/v1/...`` and ``/apis/{group}/{version}/...``, with ``namespaces/{ns}/`` for namespaced
resources, ``{name}`` for one object and ``/{subresource}`` (status, scale, log, exec) after it."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from cloudorch.sandbox.websocket import Hijacked
from cloudorch_providers.kubernetes.emulation import completion, discovery, openapi, pods, tables
from cloudorch_providers.kubernetes.emulation import resources as r
from cloudorch_providers.kubernetes.emulation.controller import Controller
from cloudorch_providers.kubernetes.emulation.errors import ApiError, bad_request, method_not_allowed, status_object
from cloudorch_providers.kubernetes.emulation.exec import serve_exec
from cloudorch_providers.kubernetes.emulation.registry import APPLY, PATCH_TYPES, Registry, scale_view
from cloudorch_providers.kubernetes.emulation.resources import ResourceType
from cloudorch_providers.kubernetes.emulation.selectors import parse_fields, parse_labels
from cloudorch_providers.kubernetes.emulation.store import Change, TooOld
from cloudorch_providers.kubernetes.emulation.timefmt import parse as parse_time
from cloudorch_providers.kubernetes.emulation.timefmt import rfc3339_nano

log = logging.getLogger(__name__)
START_RESPONSE = "cloudorch.start_response"
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")


@dataclass
class Target:
    """What a request path names."""

    discovery: str | None = None  # "version", "api", "apis", "group", "resources", "openapi", "health"
    group: str = ""
    version: str = ""
    rt: ResourceType | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""
    rest: str = ""


def parse_path(path: str) -> Target | None:
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] in ("version", "healthz", "livez", "readyz"):
        return Target(discovery="version" if parts[:1] == ["version"] else "health")
    if parts[0] == "openapi":
        return Target(discovery="openapi", rest="/".join(parts[1:]))
    if parts[0] == "api":
        if len(parts) == 1:
            return Target(discovery="api")
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis":
        if len(parts) == 1:
            return Target(discovery="apis")
        if len(parts) == 2:
            return Target(discovery="group", group=parts[1])
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return Target(discovery="resources", group=group, version=version)
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    rt = r.lookup(group, version, rest[0])
    if rt is None or len(rest) > 3 or (namespace is not None and not rt.namespaced):
        return None
    target = Target(group=group, version=version, rt=rt, namespace=namespace,
                    name=rest[1] if len(rest) > 1 else None, subresource=rest[2] if len(rest) > 2 else "")
    if target.subresource and target.subresource not in rt.subresources:
        return None
    if rt.namespaced and target.name is not None and namespace is None:
        return None
    return target


def verb_of(method: str, target: Target, query: dict[str, str], content_type: str) -> str:
    if method == "GET":
        if target.name is not None:
            return "get"
        return "watch" if query.get("watch") in ("true", "1") else "list"
    if method == "PATCH":
        return "apply" if content_type.startswith(APPLY) else "patch"
    if method == "DELETE":
        return "delete" if target.name is not None else "deletecollection"
    return {"POST": "create", "PUT": "update"}.get(method, method.lower())


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json",
                    headers={"Audit-Id": str(uuid.uuid4()), "Cache-Control": "no-cache, private"})


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _int(query: dict[str, str], key: str) -> int | None:
    if not query.get(key):
        return None
    try:
        return int(query[key])
    except ValueError as exc:
        raise bad_request(f"invalid {key}: {query[key]!r}") from exc


class KubeApi:
    """The WSGI application behind :class:`cloudorch_providers.kubernetes.emulator.KubeEmulator`."""

    def __init__(self, registry: Registry, controller: Controller, stopping: threading.Event,
                 follow_seconds: float = 2.0, watch_seconds: float = 30.0):
        self.registry = registry
        self.store = registry.store
        self.controller = controller
        self.stopping = stopping
        self.follow_seconds = follow_seconds
        self.watch_seconds = watch_seconds

    def __call__(self, environ, start_response):
        request = Request(environ)
        environ[START_RESPONSE] = start_response  # pods/exec takes the connection over
        try:
            response = self.dispatch(request)
        except Hijacked:
            raise
        except ApiError as exc:
            response = _json(exc.status(), exc.code)
        except Exception as exc:  # an emulator bug: report it as the apiserver would report a panic
            log.exception("kube emulator failed on %s %s", request.method, request.path)
            response = _json(status_object(500, "InternalError", f"Internal error occurred: {exc}"), 500)
        return response(environ, start_response)

    # -- dispatch ------------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path not in PUBLIC_PATHS and not request.headers.get("Authorization", "").startswith("Bearer "):
            return _json(status_object(401, "Unauthorized", "Unauthorized"), 401)
        target = parse_path(path)
        if target is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound",
                           {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})
        if target.discovery:
            return self.discover(request, target)
        query = {k: v for k, v in request.args.items()}
        verb = verb_of(request.method, target, query, request.content_type or "")
        if {"apply": "patch"}.get(verb, verb) not in target.rt.verbs and not target.subresource:
            raise method_not_allowed()
        if target.subresource == "log":
            return self.logs(request, target, query)
        if target.subresource == "exec":
            if request.method not in ("GET", "POST"):
                raise method_not_allowed()
            return serve_exec(self, request.environ, request.environ[START_RESPONSE], target.namespace or "",
                              target.name or "")
        if request.method == "GET":
            return self.read(request, target, query, verb)
        dry_run = query.get("dryRun") == "All"
        manager = query.get("fieldManager") or ("" if verb == "apply" else
                                                (request.user_agent.string or "unknown").split("/")[0])
        rt, ns, name, sub = target.rt, target.namespace or "", target.name, target.subresource
        if request.method == "POST" and name is None:
            created = self.registry.create(rt, ns, self._body(request), manager, dry_run)
            return _json(created, 201)
        if request.method == "PUT" and name is not None:
            return _json(self.registry.update(rt, ns, name, self._body(request), manager, sub, dry_run))
        if request.method == "PATCH" and name is not None:
            kind = (request.content_type or "").split(";")[0].strip()
            if kind not in PATCH_TYPES:
                raise ApiError(415, f"the body of the request was in an unknown format - accepted media types "
                                    f"include: {', '.join(PATCH_TYPES)}", "UnsupportedMediaType")
            existed = kind != APPLY or self.store.get(rt, ns, name) is not None
            result = self.registry.patch(rt, ns, name, kind, self._body(request), manager, sub, dry_run,
                                         _flag(query.get("force")))
            return _json(result, 200 if existed else 201)
        if request.method == "DELETE":
            options = self._delete_options(request, query)
            if name is None:
                return _json(self.registry.delete_collection(rt, ns, query.get("labelSelector"),
                                                             query.get("fieldSelector"), options, dry_run))
            return _json(self.registry.delete(rt, ns, name, options, dry_run))
        raise method_not_allowed()

    @staticmethod
    def _body(request: Request) -> Any:
        kind = (request.content_type or "").split(";")[0].strip()
        if kind and "json" not in kind and "yaml" not in kind:
            raise ApiError(415, "the body of the request was in an unknown format - accepted media types "
                                "include: application/json, application/yaml", "UnsupportedMediaType")
        raw = request.get_data()
        if not raw:
            raise bad_request("the request body is empty")
        try:
            return json.loads(raw)
        except ValueError:
            if "yaml" not in (request.content_type or ""):
                raise bad_request("couldn't get version/kind; json parse error: invalid JSON") from None
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise bad_request(f"error converting YAML to JSON: {exc}") from exc

    @staticmethod
    def _delete_options(request: Request, query: dict[str, str]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        raw = request.get_data()
        if raw:
            try:
                options = json.loads(raw) or {}
            except ValueError as exc:
                raise bad_request("invalid DeleteOptions body") from exc
        if query.get("propagationPolicy"):
            options["propagationPolicy"] = query["propagationPolicy"]
        if query.get("orphanDependents"):
            options["orphanDependents"] = _flag(query["orphanDependents"])
        return options

    # -- discovery -----------------------------------------------------------------------------------
    def discover(self, request: Request, target: Target) -> Response:
        kind = target.discovery
        if kind == "health":
            return Response("ok", content_type="text/plain")
        if kind == "version":
            return _json(discovery.version())
        if kind == "api":
            return _json(discovery.core_versions(request.host))
        if kind == "apis":
            return _json(discovery.group_list())
        if kind == "group":
            document = discovery.group(target.group)
        elif kind == "resources":
            document = discovery.resource_list(target.group, target.version)
        elif target.rest in ("v3", "v3/"):
            document = openapi.v3_index()
        elif target.rest.startswith("v3/"):
            return self._openapi(openapi.v3_at(target.rest[3:]))
        elif target.rest in ("v2", "v2/"):
            accept = request.headers.get("Accept", "") or "*/*"
            if not any(kind in accept for kind in ("application/json", "*/*", "application/*")):
                raise ApiError(406, f"only the following media types are accepted: application/json "
                                    f"(not {accept})", "NotAcceptable")
            return self._openapi(openapi.v2_document())
        else:
            document = None
        if document is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        return _json(document)

    @staticmethod
    def _openapi(body: bytes | None) -> Response:
        if body is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        return Response(body, content_type="application/json",
                        headers={"ETag": '"' + hashlib.sha1(body).hexdigest() + '"'})

    # -- reads ---------------------------------------------------------------------------------------
    def read(self, request: Request, target: Target, query: dict[str, str], verb: str) -> Response:
        rt = target.rt
        assert rt is not None
        if target.name is not None:
            obj = self.registry.get(rt, target.namespace or "", target.name)
            if target.subresource == "scale":
                obj = scale_view(rt, obj)
            if tables.wants_table(request.headers.get("Accept", "")) and not target.subresource:
                return _json(tables.table(rt, [obj], obj["metadata"]["resourceVersion"],
                                          query.get("includeObject", "Metadata")))
            return _json(obj)
        if verb == "watch":
            return self.watch(rt, target.namespace, query)
        with self.store.lock:
            items = self.registry.list(rt, target.namespace, query.get("labelSelector"), query.get("fieldSelector"))
            version = self.store.resource_version
        if tables.wants_table(request.headers.get("Accept", "")):
            return _json(tables.table(rt, items, version, query.get("includeObject", "Metadata")))
        for item in items:  # as upstream: the items of a typed list carry no apiVersion and kind
            item.pop("apiVersion", None)
            item.pop("kind", None)
        return _json({"kind": f"{rt.kind}List", "apiVersion": rt.api_version,
                      "metadata": {"resourceVersion": version}, "items": items})

    def watch(self, rt: ResourceType, namespace: str | None, query: dict[str, str]) -> Response:
        labels, picks = parse_labels(query.get("labelSelector")), parse_fields(query.get("fieldSelector"), rt.plural)

        def keep(change: Change) -> bool:
            meta = change.obj.get("metadata") or {}
            return (change.rt is rt and (namespace is None or meta.get("namespace") == namespace)
                    and labels(meta.get("labels") or {}) and picks(change.obj))

        timeout = min(_int(query, "timeoutSeconds") or self.watch_seconds, self.watch_seconds)
        since = query.get("resourceVersion") or "0"
        with self.store.lock:
            cursor = int(self.store.resource_version)
            initial = [] if since != "0" else self.registry.list(rt, namespace, query.get("labelSelector"),
                                                                 query.get("fieldSelector"))
            if since != "0":
                cursor = int(since) if since.isdigit() else cursor

        def stream() -> Iterator[bytes]:
            nonlocal cursor
            # The apiserver sends a watch's status and headers at once and its events as they happen;
            # client-go waits for the headers before it reports the watch as started (kubectl wait and
            # rollout status start their watch this way). An empty chunk makes the server send them now.
            yield b""
            for obj in initial:
                yield (json.dumps({"type": "ADDED", "object": obj}) + "\n").encode()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not self.stopping.is_set():
                try:
                    changes, cursor = self.store.changes_since(cursor, keep)
                except TooOld:
                    expired = status_object(410, "Expired", f"too old resource version: {cursor} "
                                                            f"({self.store.resource_version})")
                    yield (json.dumps({"type": "ERROR", "object": expired}) + "\n").encode()
                    return
                for change in changes:
                    yield (json.dumps({"type": change.type, "object": change.obj}) + "\n").encode()
                self.store.wait(cursor, min(0.5, max(deadline - time.monotonic(), 0)))

        return Response(stream(), content_type="application/json", direct_passthrough=True)

    # -- logs ----------------------------------------------------------------------------------------
    def logs(self, request: Request, target: Target, query: dict[str, str]) -> Response:
        if request.method != "GET":
            raise method_not_allowed()
        pod = self.registry.get(r.PODS, target.namespace or "", target.name or "")
        name = pod["metadata"]["name"]
        containers = (pod.get("spec") or {}).get("containers") or []
        wanted = query.get("container")
        if not wanted:
            if len(containers) != 1:
                names = " ".join(c.get("name", "") for c in containers)
                raise bad_request(f"a container name must be specified for pod {name}, choose one of: [{names}]")
            wanted = containers[0].get("name")
        container = next((c for c in containers if c.get("name") == wanted), None)
        if container is None:
            raise bad_request(f"container {wanted} is not valid for pod {name}")
        config = self.controller.pod_config(pod)
        born = self.controller.born.get(pod["metadata"]["uid"]) or parse_time(pod["metadata"]["creationTimestamp"])
        if not config.blocked and pod["metadata"]["uid"] in self.controller.unblocked:
            born = max(born, self.controller.unblocked[pod["metadata"]["uid"]] - self.controller.ready_delay / 2)
        tail, since = _int(query, "tailLines"), _int(query, "sinceSeconds")
        limit = _int(query, "limitBytes")
        since_time = parse_time(query["sinceTime"]) if query.get("sinceTime") else None
        stamps, previous = _flag(query.get("timestamps")), _flag(query.get("previous"))
        controller = self.controller

        def lines_until(now: float) -> list[tuple[float, str]]:
            if completion.runs_to_completion(pod) and not previous:
                found = completion.log_lines(pod, container, born, now, controller.ready_delay)
            else:
                found = pods.log_lines(pod, container, born, now, controller.ready_delay, controller.crash_period,
                                       previous, config)
            if since is not None:
                found = [line for line in found if line[0] >= now - since]
            if since_time is not None:
                found = [line for line in found if line[0] >= since_time]
            return found

        def render(line: tuple[float, str]) -> str:
            return (f"{rfc3339_nano(line[0])} " if stamps else "") + line[1] + "\n"

        first = lines_until(time.time())
        if tail is not None:
            first = first[-tail:] if tail > 0 else []
        if not _flag(query.get("follow")):
            text = "".join(render(line) for line in first)
            return Response(text[:limit] if limit else text, content_type="text/plain")

        def follow() -> Iterator[bytes]:
            last = first[-1][0] if first else 0.0
            for line in first:
                yield render(line).encode()
            deadline = time.monotonic() + self.follow_seconds
            while time.monotonic() < deadline and not self.stopping.is_set():
                time.sleep(0.1)
                if self.store.get(r.PODS, target.namespace or "", name) is None:
                    return
                try:
                    fresh = [line for line in lines_until(time.time()) if line[0] > last]
                except ApiError:
                    return
                for line in fresh:
                    last = line[0]
                    yield render(line).encode()

        return Response(follow(), content_type="text/plain", direct_passthrough=True)


def classify(environ: dict) -> tuple[str, bool]:
    """("create deployments", True), ("get pods/log", False), ("apply deployments", True), ..."""
    method = environ.get("REQUEST_METHOD", "GET")
    target = parse_path(environ.get("PATH_INFO", ""))
    mutating = method in ("POST", "PUT", "PATCH", "DELETE")
    if target is None:
        return f"{method.lower()} unknown", mutating
    if target.discovery:
        return "discovery", False
    query = dict(pair.split("=", 1) if "=" in pair else (pair, "")
                 for pair in environ.get("QUERY_STRING", "").split("&") if pair)
    verb = verb_of(method, target, query, environ.get("CONTENT_TYPE", ""))
    assert target.rt is not None
    resource = target.rt.plural + (f"/{target.subresource}" if target.subresource else "")
    return f"{verb} {resource}", mutating


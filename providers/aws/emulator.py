"""The AWS emulator: moto's server application in-process, plus an ECS lifecycle moto lacks.

Serve it with ``cloudorch.sandbox.server.serve(AWSEmulator())`` and point plain boto3 at it::

    boto3.client("ecs", endpoint_url=url, region_name=<region of the spec>,
                 aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

Every service moto serves answers on the one port (moto routes by the SigV4 credential scope and
``X-Amz-Target``); cloudorch needs ecs, logs, application-autoscaling, ec2 (default VPC, subnets and
security groups exist in every region), iam, sts, secretsmanager, ssm, servicediscovery,
resourcegroupstaggingapi and elbv2.

What the emulator adds to moto 5.2:

- an ECS service scheduler (``cloudorch_providers.aws.emulation.lifecycle``): services get deployments on
  the right task definition, PENDING tasks that run ``start_delay`` seconds later, stopped tasks for
  crashing images, rolling updates, events and a circuit breaker;
- container logs in CloudWatch Logs (``cloudorch_providers.aws.emulation.logs``);
- RunTask tasks that run to completion with exit codes (``cloudorch_providers.aws.emulation.job_tasks``) and
  EventBridge Scheduler schedules that fire their ECS targets (``cloudorch_providers.aws.emulation.schedules``);
- Elastic Load Balancing refusals moto lacks: health checks over UDP/TLS, listeners forwarding to a
  target group of another protocol (``cloudorch_providers.aws.emulation.elb_requests``);
- ECS request and reply fixes where moto crashes, drops parameters, accepts what ECS refuses or
  ignores ListTasks filters (``cloudorch_providers.aws.emulation.ecs_requests``); errors moto raises come back
  as AWS ``InternalFailure`` errors, not HTML pages;
- request names for the sandbox's request log and fault rules (``ecs:CreateService``,
  ``ec2:DescribeSubnets``, ...; ``cloudorch_providers.aws.emulation.wire``) and fault bodies in the protocol of
  the faulted request, so botocore recognises ``ThrottlingException`` and retries it.

One emulator per process: moto keeps its backends in process-global variables, so every
AWSEmulator in a process serves the same accounts and resources, and a reset of one resets all.
When several are started, they share one lock and the first one started runs the lifecycle (the
others' timing parameters are then unused) until it stops.

Requests are served one at a time under that lock (moto's backends are not thread-safe, and the
lifecycle changes them too). Before each ECS request the lifecycle catches up, and after each
successful mutating ECS request it runs again, so replies never show moto's own placeholder counts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from cloudorch.sandbox.emulator import Emulator, WSGIApp
from cloudorch_providers.aws.emulation import wire

log = logging.getLogger(__name__)

#: serialises moto's request handling and the lifecycle (moto's state is process-global)
_LOCK = threading.RLock()
#: started emulators of this process; the first one runs the lifecycle
_STARTED: list[AWSEmulator] = []

ACCESS_KEY = SECRET_KEY = "sandbox"


class _Answered(Exception):
    """A request the emulator answered itself (moto does not serve it)."""

    def __init__(self, payload: bytes):
        super().__init__("answered")
        self.payload = payload


class AWSEmulator(Emulator):
    """AWS APIs through moto's server app, with a simulated ECS scheduler.

    :param period: seconds between two lifecycle ticks (task starts, logs).
    :param start_delay: seconds a launched task stays PENDING before it runs (or fails).
    :param log_interval: seconds between two log lines of a running container.
    :param keep_stopped: stopped tasks kept per service for ListTasks/DescribeTasks.
    :param clock: wall-clock source (seconds since the epoch) for task times and log timestamps.
    :param load_amis: let moto load its ~1300 default AMIs into every EC2 region backend. Off by
        default: it makes each EC2 region (again after every reset) take ~0.3 s longer, and ECS
        does not need AMIs. Implemented through moto's ``MOTO_EC2_LOAD_DEFAULT_AMIS`` environment
        variable, set only when unset (a process-wide setting, like moto's state).
    """

    name = "aws"
    tls = False

    def __init__(
        self,
        *,
        period: float = 0.25,
        start_delay: float = 1.0,
        log_interval: float = 0.5,
        keep_stopped: int = 20,
        clock: Callable[[], float] = time.time,
        load_amis: bool = False,
    ):
        if period <= 0 or log_interval <= 0 or start_delay < 0 or keep_stopped < 0:
            raise ValueError("period and log_interval must be > 0; start_delay and keep_stopped >= 0")
        from cloudorch_providers.aws.emulation.lifecycle import EcsLifecycle

        self.period = period
        if not load_amis:
            os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        self.lifecycle = EcsLifecycle(start_delay=start_delay, log_interval=log_interval,
                                      keep_stopped=keep_stopped, clock=clock)
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._style = threading.local()

    # -- Emulator API ---------------------------------------------------------------------------
    def wsgi_app(self) -> WSGIApp:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        moto_app = DomainDispatcherApplication(create_backend_app)
        return lambda environ, start_response: self._serve(moto_app, environ, start_response)

    def classify(self, environ: dict) -> tuple[str, bool]:
        service, action, _ = wire.identify(environ)
        self._style.value = wire.protocol(service, action)
        return f"{service}:{action}", wire.is_mutating(action)

    def error_response(self, status: int, code: str, message: str) -> tuple[bytes, str]:
        # classify() ran for this request on this thread just before (AdminMiddleware), so the
        # error takes the protocol of the faulted request (XML for ec2/iam/sts, JSON otherwise)
        return wire.error_body(code, message, getattr(self._style, "value", "json"))

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        with _LOCK:
            moto_api_backend.reset()  # what moto's POST /moto-api/reset does: every backend, every account
            self.lifecycle.forget()
            for other in _STARTED:
                other.lifecycle.forget()

    def start(self, url: str, peers: dict[str, dict[str, Any]]) -> None:
        with _LOCK:
            _STARTED.append(self)
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._run, name="aws-emulator-lifecycle", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with _LOCK:
            if self in _STARTED:
                _STARTED.remove(self)

    def advance_clock(self, seconds: float) -> float:
        """Move the EventBridge Scheduler clock ahead (the admin endpoint ``POST /_cloudorch/clock``)."""
        with _LOCK:
            lifecycle = self._active()
            lifecycle.clock_offset += max(seconds, 0.0)
            return lifecycle.clock_offset

    def client_config(self, url: str, ca_cert: str | None) -> dict[str, Any]:
        return {"url": url, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}

    # -- internals --------------------------------------------------------------------------------
    def _active(self):
        return _STARTED[0].lifecycle if _STARTED else self.lifecycle

    def _run(self) -> None:
        while not self._stop_event.wait(self.period):
            with _LOCK:
                if not _STARTED or _STARTED[0] is not self:
                    continue
                try:
                    self.lifecycle.tick()
                except Exception:  # noqa: BLE001 - keep simulating; the next tick may succeed
                    log.exception("AWS emulator lifecycle tick failed")

    def _after_ecs(self, action: str, body: dict, payload: bytes, captured: dict) -> bytes:
        from cloudorch_providers.aws.emulation import ecs_requests

        if wire.is_mutating(action):
            ecs_requests.remember(action, body, payload)
            self._catch_up()
        rewritten = self._adopt_run(body, payload) if action == "RunTask" else \
            ecs_requests.rewrite_reply(action, body, payload)
        if rewritten is not None:
            payload = rewritten
            captured["headers"] = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            captured["headers"].append(("Content-Length", str(len(payload))))
        return payload

    def _adopt_run(self, body: dict, payload: bytes) -> bytes:
        """RunTask's tasks become jobs that run to completion (:mod:`.emulation.job_tasks`)."""
        from cloudorch_providers.aws.emulation.job_tasks import adopt_run

        lifecycle = self._active()
        for _account, _region, backend in lifecycle.backends():
            payload = adopt_run(backend, body, payload, lifecycle.clock(), lifecycle.start_delay)
        return payload

    def _catch_up(self) -> None:
        """Let the lifecycle catch up before/after a request; its failure must not fail the request."""
        try:
            self._active().reconcile()
        except Exception:  # noqa: BLE001
            log.exception("AWS emulator lifecycle failed")

    def _serve(self, moto_app, environ: dict, start_response):
        from cloudorch_providers.aws.emulation import ecs_requests

        service, action, region = wire.identify(environ)
        ecs = service == "ecs"
        body = wire.json_body(environ) if ecs else {}
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        def answer(status: str, code: str, message: str) -> bytes:
            payload, ctype = wire.error_body(code, message, wire.protocol(service, action))
            captured["status"] = status
            captured["headers"] = [("Content-Type", ctype), ("Content-Length", str(len(payload)))]
            return payload

        with _LOCK:
            try:
                access_key = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split("/")[0]
                if ecs:
                    self._catch_up()
                    if action == "ExecuteCommand":  # not served by moto
                        from cloudorch_providers.aws.emulation.ecs_exec import execute_command

                        reply = execute_command(body, ecs_requests.account_of(access_key), region,
                                                environ.get("HTTP_HOST", "127.0.0.1"))
                        raise _Answered(json.dumps(reply).encode())
                    if ecs_requests.prepare(action, body, ecs_requests.account_of(access_key), region):
                        wire.replace_body(environ, json.dumps(body).encode())
                if service == "elasticloadbalancing" and wire.is_mutating(action):
                    from cloudorch_providers.aws.emulation import elb_requests

                    elb_requests.check(action, elb_requests.params(wire.request_body(environ)),
                                       ecs_requests.account_of(access_key), region)
                result = moto_app(environ, capture)
                try:
                    chunks.extend(result)
                finally:
                    getattr(result, "close", lambda: None)()
                payload = b"".join(chunks)
                if ecs and captured["status"].startswith("200"):
                    payload = self._after_ecs(action, body, payload, captured)
            except _Answered as answered:
                payload = answered.payload
                captured["status"] = "200 OK"
                captured["headers"] = [("Content-Type", "application/x-amz-json-1.1"),
                                       ("Content-Length", str(len(payload)))]
            except ecs_requests.Refused as refused:
                payload = answer("400 Bad Request", refused.code, refused.message)
            except Exception as exc:  # noqa: BLE001 - answer like AWS, not with an HTML page
                log.exception("moto failed on %s:%s", service, action)
                payload = answer("500 Internal Server Error", "InternalFailure",
                                 f"emulator error in {service}:{action}: {type(exc).__name__}: {exc}")
        start_response(captured["status"], captured["headers"])
        return [payload]

"""boto3 clients for one command: real AWS through the standard credential chain, or the sandbox.

Retries are botocore's ``standard`` mode (jittered backoff, throttling and 5xx retried, the
retry quota honoured; status polls retry once, since the poll itself tries again within the
command's deadline while botocore's backoff would sleep past it); connect/read timeouts are
capped by the command's deadline. Every SDK error
is turned into one line naming the resource at :func:`aws_errors`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from cloudorch.deadline import Deadline
from cloudorch.errors import ProviderError, ProviderUnavailable

USER_AGENT = "cloudorch"


class TransientError(ProviderError):
    """A transient AWS reply (see :data:`TRANSIENT`): a command fails with it, a poll tries again."""

    def __init__(self, doing: str, exc: BaseException):
        error = getattr(exc, "response", {}).get("Error", {}) if hasattr(exc, "response") else {}
        self.code = error.get("Code") or type(exc).__name__
        hint = _HINTS.get(self.code, "")
        super().__init__(f"{doing}: {self.code}: {error.get('Message') or exc}{hint}")


class Clients:
    """Lazily created, thread-safe boto3 clients sharing one session."""

    def __init__(self, region: str | None, sandbox: dict[str, Any] | None, deadline: Deadline | None = None,
                 attempts: int = 6):
        import boto3
        import botocore.config

        self.sandbox = sandbox
        if sandbox:
            self.session = boto3.session.Session(
                aws_access_key_id=sandbox.get("access_key", "sandbox"),
                aws_secret_access_key=sandbox.get("secret_key", "sandbox"),
                region_name=region or "us-east-1",
            )
        else:
            self.session = boto3.session.Session(region_name=region) if region else boto3.session.Session()
        self.region = self.session.region_name
        if not self.region:
            raise ProviderError("no AWS region: set providers.aws.region in the spec, or AWS_REGION")
        read = 60.0 if deadline is None else max(1.0, deadline.remaining(60.0) or 60.0)
        self.config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": attempts},
            connect_timeout=min(10.0, read), read_timeout=read,
            user_agent_extra=USER_AGENT, max_pool_connections=32,
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str):
        with self._lock:
            if service not in self._clients:
                kwargs: dict[str, Any] = {"config": self.config}
                if self.sandbox:
                    kwargs["endpoint_url"] = self.sandbox["url"]
                self._clients[service] = self.session.client(service, **kwargs)
            return self._clients[service]


@contextlib.contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn botocore errors inside the block into one-line ProviderErrors: ``doing: what; fix``."""
    import botocore.exceptions as bx

    try:
        yield
    except bx.NoCredentialsError:
        raise ProviderUnavailable(
            f"{doing}: no AWS credentials found; configure them (aws configure, AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or use --sandbox"
        ) from None
    except bx.ClientError as exc:
        if transient(exc):
            raise TransientError(doing, exc) from None
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        hint = _HINTS.get(code, "")
        raise ProviderError(f"{doing}: {code}: {message}{hint}") from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        if transient(exc):
            raise TransientError(doing, exc) from None
        raise ProviderError(f"{doing}: cannot reach AWS ({exc}); check the network and the region") from None
    except bx.BotoCoreError as exc:
        raise ProviderError(f"{doing}: {exc}") from None


_HINTS = {
    "AccessDeniedException": "; the credentials lack this permission",
    "UnrecognizedClientException": "; the AWS credentials are invalid",
    "ExpiredTokenException": "; the AWS session has expired: log in again",
    "ThrottlingException": "; AWS kept throttling after retries: try again later or lower --parallel",
}


#: replies that say nothing about the app, only that this read did not get through (throttling
#: after botocore's retries, a service hiccup, a resource that vanished between two reads of one
#: status: a task's network interface deleted as the task stopped)
TRANSIENT = frozenset({
    "ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
    "RequestThrottled", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
    "InternalError", "ServerException", "InvalidNetworkInterfaceID.NotFound",
})


def transient(exc: BaseException) -> str | None:
    """The error code when ``exc`` is a transient AWS reply (or a dropped connection), else None."""
    import botocore.exceptions as bx

    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        return code if code in TRANSIENT else None
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                        bx.ConnectionClosedError)):
        return type(exc).__name__
    return None


def region_hint() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")

"""boto3 clients for one command: real AWS through the standard credential chain, or the sandbox.

Retries are botocore's ``standard`` mode (jittered backoff, throttling and 5xx retried, the
retry quota honoured); connect/read timeouts and the number of attempts come from the operation's
deadline (:func:`cloudorch.live.timeouts.budget`), so a hanging reply ends the command by its
``--timeout``. Every SDK error
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
from cloudorch.live.timeouts import Timeouts, budget

USER_AGENT = "cloudorch"


class AWSSession:
    """One boto3 session per command; :meth:`bound` gives the clients of one operation, whose
    timeouts and retry budget come from that operation's deadline."""

    def __init__(self, region: str | None, sandbox: dict[str, Any] | None):
        import boto3

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
        self._clients: dict[str, tuple[Timeouts, Any]] = {}
        self._lock = threading.Lock()

    def bound(self, deadline: Deadline) -> Clients:
        return Clients(self, deadline)

    def client(self, service: str, deadline: Deadline) -> Any:
        """The ``service`` client, rebuilt when ``deadline`` leaves less time than its timeouts assume
        (botocore fixes a client's timeouts and retries when it is created)."""
        import botocore.config

        with self._lock:
            cached = self._clients.get(service)
            if cached is None or cached[0].stale(deadline):
                t = budget(deadline)
                config = botocore.config.Config(
                    retries={"mode": "standard", "total_max_attempts": t.attempts},
                    connect_timeout=t.connect, read_timeout=t.read,
                    user_agent_extra=USER_AGENT, max_pool_connections=32,
                )
                kwargs: dict[str, Any] = {"config": config}
                if self.sandbox:
                    kwargs["endpoint_url"] = self.sandbox["url"]
                cached = self._clients[service] = (t, self.session.client(service, **kwargs))
            return cached[1]


class Clients:
    """``aws("ecs")``: the clients of one operation, under its deadline."""

    def __init__(self, session: AWSSession, deadline: Deadline):
        self.session, self.deadline = session, deadline
        self.region = session.region

    def __call__(self, service: str) -> Any:
        return self.session.client(service, self.deadline)


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
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        hint = _HINTS.get(code, "")
        raise ProviderError(f"{doing}: {code}: {message}{hint}") from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise ProviderError(f"{doing}: cannot reach AWS ({exc}); check the network and the region") from None
    except bx.BotoCoreError as exc:
        raise ProviderError(f"{doing}: {exc}") from None


_HINTS = {
    "AccessDeniedException": "; the credentials lack this permission",
    "UnrecognizedClientException": "; the AWS credentials are invalid",
    "ExpiredTokenException": "; the AWS session has expired: log in again",
    "ThrottlingException": "; AWS kept throttling after retries: try again later or lower --parallel",
}


def region_hint() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")

"""AWS logs: CloudWatch Logs of each service's log group; stream names are
``{service}/{container}/{task id}`` (ECS's awslogs naming), so each line names its replica."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cloudorch.provider import LogLine
from cloudorch_providers.aws.context import Context
from cloudorch_providers.aws.live.clients import Clients, aws_errors

MAX_EVENTS = 10_000


def read_logs(aws: Clients, ctx: Context, services: Sequence[str], since: dt.datetime | None,
              tail: int | None) -> list[LogLine]:
    import botocore.exceptions

    logs = aws("logs")
    lines: list[LogLine] = []
    for service in services:
        group = ctx.log_group(service)
        kwargs = {"logGroupName": group}
        if since is not None:
            kwargs["startTime"] = int(since.timestamp() * 1000)
        events = []
        try:
            for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
                events.extend(page.get("events", []))
                if len(events) >= MAX_EVENTS:
                    break
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                continue  # never deployed: no log group, no lines
            with aws_errors(f"reading log group {group}"):
                raise
        if tail:
            events = events[-tail:]
        for event in events:
            parts = event.get("logStreamName", "").split("/")
            container = parts[1] if len(parts) > 2 else service
            replica = parts[2][:8] if len(parts) > 2 else parts[-1][:8]
            when = dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.UTC)
            lines.append(LogLine(when, service, replica, container, event.get("message", "").rstrip("\n")))
    return lines

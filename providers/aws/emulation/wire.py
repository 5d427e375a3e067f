"""What an AWS request says on the wire: the service, the API action and whether it mutates.

AWS has three request styles that matter here:

- JSON protocols (ecs, logs, application-autoscaling, secretsmanager, ssm, servicediscovery,
  resourcegroupstaggingapi) carry ``X-Amz-Target: <Prefix>.<Action>``; the prefix names the service.
- Query protocols (ec2, iam, sts, elasticloadbalancing) carry ``Action=<Action>`` in the form body
  (or the query string); the service is the one named in the SigV4 credential scope of the
  ``Authorization`` header (``Credential=AK/date/region/SERVICE/aws4_request``).
- REST protocols name neither; the action becomes ``<service>:<METHOD> <path>``.

Reading a form body consumes ``wsgi.input``, so :func:`request_body` puts a fresh stream back with
the same ``CONTENT_LENGTH``.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

#: X-Amz-Target prefixes of the JSON services we serve -> boto3 client name
TARGET_PREFIXES = {
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "Logs_20140328": "logs",
    "AnyScaleFrontendService": "application-autoscaling",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
    "Route53AutoNaming_v20170314": "servicediscovery",
    "ResourceGroupsTaggingAPI_20170126": "resourcegroupstaggingapi",
    "AWSSecurityTokenServiceV20110615": "sts",
    "GraniteServiceVersion20100801": "cloudwatch",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
    "TrentService": "kms",
    "Kinesis_20131202": "kinesis",
    "DynamoDB_20120810": "dynamodb",
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
}

#: SigV4 signing names that differ from the boto3 client name
SIGNING_NAMES = {"tagging": "resourcegroupstaggingapi", "monitoring": "cloudwatch", "events": "events"}

#: action-name prefixes of API calls that change state
MUTATING_VERBS = (
    "Create", "Update", "Delete", "Put", "Register", "Deregister", "Run", "Start", "Stop", "Tag",
    "Untag", "Set", "Modify", "Attach", "Detach", "Associate", "Disassociate", "Authorize", "Revoke",
    "Add", "Remove", "Allocate", "Release", "Replace", "Reset", "Restore", "Rotate", "Cancel",
    "Enable", "Disable", "Import", "Execute", "Submit", "Send", "Terminate", "Reboot", "Assign",
    "Unassign", "Apply", "Merge", "Change", "Upload", "Purge", "Accept", "Reject", "Label", "Unlabel",
    "Invoke", "Publish", "Increase", "Decrease", "Copy", "Move", "Link", "Unlink",
)

#: where classify() leaves its answer so later layers need not parse the request again
ENVIRON_KEY = "cloudorch.aws"


def credential_scope(environ: dict) -> tuple[str, str]:
    """(region, service) from the SigV4 ``Authorization`` header; empty strings when unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    for part in auth.replace(",", " ").split():
        if part.startswith("Credential="):
            pieces = part[len("Credential="):].split("/")
            if len(pieces) == 5:
                return pieces[2], pieces[3].lower()
    return "", ""


def request_body(environ: dict) -> bytes:
    """The request body, leaving an unread copy in ``wsgi.input`` for the application."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    replace_body(environ, body)
    return body


def replace_body(environ: dict, body: bytes) -> None:
    """Give the application ``body`` instead of what the client sent."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def json_body(environ: dict) -> dict[str, Any]:
    """The JSON request body as a dict ({} when empty or not JSON)."""
    try:
        data = json.loads(request_body(environ) or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _query_action(environ: dict) -> str:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(request_body(environ).decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    return ""


def identify(environ: dict) -> tuple[str, str, str]:
    """(service, action, region) of a request; cached in the environ."""
    cached = environ.get(ENVIRON_KEY)
    if cached is not None:
        return cached
    region, signing_name = credential_scope(environ)
    service = SIGNING_NAMES.get(signing_name, signing_name)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target and "." in target:
        prefix, action = target.rsplit(".", 1)
        service = TARGET_PREFIXES.get(prefix, service or prefix)
    else:
        action = _query_action(environ)
        if not action:
            action = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}"
    answer = (service or "unknown", action, region)
    environ[ENVIRON_KEY] = answer
    return answer


def is_mutating(action: str) -> bool:
    """Whether an API action changes state (REST actions: by HTTP method)."""
    method, _, rest = action.partition(" ")
    if rest.startswith("/"):
        return method not in ("GET", "HEAD", "OPTIONS")
    return action.startswith(MUTATING_VERBS)


def protocol(service: str, action: str) -> str:
    """``json``, ``ec2`` (EC2's query dialect), ``query`` or ``rest``: how errors must look."""
    if action.partition(" ")[2].startswith("/"):
        return "rest"
    if service == "ec2":
        return "ec2"
    if service in QUERY_SERVICES:
        return "query"
    return "json"


#: query-protocol services (XML errors)
QUERY_SERVICES = frozenset({"iam", "sts", "elasticloadbalancing", "sns", "rds", "cloudformation", "autoscaling"})


def error_body(code: str, message: str, style: str = "json") -> tuple[bytes, str]:
    """An AWS error body in the request's protocol, as botocore parses it: JSON protocols read the
    code from ``__type``; query protocols from ``<Error><Code>`` (EC2 nests it in ``<Errors>``)."""
    if style == "ec2":
        text = (f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                "</Error></Errors><RequestID>cloudorch-fault</RequestID></Response>")
        return text.encode(), "text/xml"
    if style == "query":
        text = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>cloudorch-fault</RequestId></ErrorResponse>")
        return text.encode(), "text/xml"
    return json.dumps({"__type": code, "message": message}).encode(), "application/x-amz-json-1.1"

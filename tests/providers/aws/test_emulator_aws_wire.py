"""How the AWS emulator names requests (pure: WSGI environs built by hand, no server)."""

from __future__ import annotations

import io
import json

import pytest
from botocore.parsers import create_parser

from cloudorch_providers.aws.emulator import AWSEmulator


def environ(service: str = "ecs", target: str = "", body: bytes = b"", content_type: str = "",
            query: str = "", method: str = "POST", path: str = "/") -> dict:
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=sandbox/20260101/eu-west-1/{service}/aws4_request, "
                              "SignedHeaders=host;x-amz-date, Signature=abc",
    }
    if target:
        env["HTTP_X_AMZ_TARGET"] = target
    return env


@pytest.mark.parametrize(("service", "target", "expected"), [
    ("ecs", "AmazonEC2ContainerServiceV20141113.CreateService", ("ecs:CreateService", True)),
    ("ecs", "AmazonEC2ContainerServiceV20141113.DescribeServices", ("ecs:DescribeServices", False)),
    ("logs", "Logs_20140328.PutLogEvents", ("logs:PutLogEvents", True)),
    ("logs", "Logs_20140328.FilterLogEvents", ("logs:FilterLogEvents", False)),
    ("application-autoscaling", "AnyScaleFrontendService.RegisterScalableTarget",
     ("application-autoscaling:RegisterScalableTarget", True)),
    ("secretsmanager", "secretsmanager.GetSecretValue", ("secretsmanager:GetSecretValue", False)),
    ("ssm", "AmazonSSM.PutParameter", ("ssm:PutParameter", True)),
    ("servicediscovery", "Route53AutoNaming_v20170314.CreateHttpNamespace",
     ("servicediscovery:CreateHttpNamespace", True)),
    ("tagging", "ResourceGroupsTaggingAPI_20170126.GetResources", ("resourcegroupstaggingapi:GetResources", False)),
])
def test_json_protocols_name_the_target(service, target, expected):
    assert AWSEmulator().classify(environ(service, target)) == expected


def test_query_protocol_reads_the_form_body_and_puts_it_back():
    body = b"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1"
    env = environ("ec2", body=body, content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert AWSEmulator().classify(env) == ("ec2:AuthorizeSecurityGroupIngress", True)
    assert env["wsgi.input"].read(int(env["CONTENT_LENGTH"])) == body


@pytest.mark.parametrize(("service", "query", "expected"), [
    ("iam", "Action=GetRole&RoleName=x", ("iam:GetRole", False)),
    ("sts", "Action=GetCallerIdentity", ("sts:GetCallerIdentity", False)),
])
def test_query_protocol_in_the_query_string(service, query, expected):
    assert AWSEmulator().classify(environ(service, query=query, method="GET")) == expected


def test_rest_requests_name_method_and_path():
    env = environ("lambda", method="DELETE", path="/2015-03-31/functions/f")
    assert AWSEmulator().classify(env) == ("lambda:DELETE /2015-03-31/functions/f", True)
    env = environ("lambda", method="GET", path="/2015-03-31/functions")
    assert AWSEmulator().classify(env) == ("lambda:GET /2015-03-31/functions", False)


def test_unsigned_requests_still_get_a_name():
    env = environ(target="AmazonEC2ContainerServiceV20141113.ListClusters")
    del env["HTTP_AUTHORIZATION"]
    assert AWSEmulator().classify(env) == ("ecs:ListClusters", False)


@pytest.mark.parametrize(("service", "target", "protocol"), [
    ("ecs", "AmazonEC2ContainerServiceV20141113.DescribeServices", "json"),
    ("ec2", "", "ec2"),
    ("iam", "", "query"),
])
def test_fault_bodies_parse_with_botocore(service, target, protocol):
    """The injected error's code is where botocore's parser for that protocol reads it."""
    emulator = AWSEmulator()
    emulator.classify(environ(service, target, query="Action=DescribeVpcs" if not target else ""))
    body, ctype = emulator.error_response(400, "ThrottlingException", "Rate exceeded")
    parser = create_parser({"json": "json", "ec2": "ec2", "query": "query"}[protocol])
    parsed = parser.parse({"status_code": 400, "headers": {"content-type": ctype}, "body": body}, None)
    assert parsed["Error"]["Code"] == "ThrottlingException"
    assert parsed["Error"]["Message"] == "Rate exceeded"
    if protocol == "json":
        assert (json.loads(body), ctype) == (
            {"__type": "ThrottlingException", "message": "Rate exceeded"}, "application/x-amz-json-1.1")

"""AWS render of what tasks need to start and be reached: the execution role's exact grants, the
security groups' rules, and the load balancers, listeners and rules for public ports. Every
document is also checked against botocore's models."""

from __future__ import annotations

import json

from test_convert_ecs import assert_botocore_accepts, by_kind, render

BASE = """\
version: 1
name: shop
services:
{services}providers:
  aws: {settings}
"""
WEB = """  web:
    image: nginx:1.27.2
    secrets: {TOKEN: token, DB: db}
    ports: [{port: 8080, protocol: http, public: true}, {port: 9000}]
    health: {http: {path: /ready, port: 8080}, interval: 20s, timeout: 20s, retries: 10, start_period: 45s}
"""
ADMIN = """  admin:
    image: nginx:1.27.2
    ports: [{port: 80, protocol: http, public: true}]
  game:
    image: nginx:1.27.2
    ports: [{port: 7777, public: true}, {port: 7778, protocol: udp}]
"""


def docs(services: str = WEB, settings: str = "{region: eu-west-1, account_id: '111122223333'}") -> list[dict]:
    found = render(BASE.format(services=services, settings=settings))
    for doc in found:
        assert_botocore_accepts(doc)
    return found


def statements(found: list[dict]) -> dict[str, dict]:
    policy = json.loads(by_kind(found, "RolePolicy")["PolicyDocument"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_the_execution_role_reads_exactly_the_referenced_secrets():
    settings = ("{region: eu-west-1, account_id: '111122223333', secrets: {"
                "token: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/token:password::'}}")
    found = docs(settings=settings)
    role = by_kind(found, "Role")
    assert role["RoleName"] == "shop-execution-eu-west-1"
    assert json.loads(role["AssumeRolePolicyDocument"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    grants = statements(found)
    assert grants["ReadSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert grants["ReadSecrets"]["Resource"] == [  # the JSON key is not part of the secret's ARN
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/token",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/token-??????"]
    assert grants["ReadParameters"]["Resource"] == ["arn:aws:ssm:eu-west-1:111122223333:parameter/shop/db"]
    assert grants["WriteLogs"]["Resource"] == ["arn:aws:logs:eu-west-1:111122223333:log-group:/cloudorch/shop/web:*"]
    assert "DecryptSecrets" not in grants
    task = by_kind(found, "TaskDefinition")
    assert task["executionRoleArn"] == "arn:aws:iam::111122223333:role/shop-execution-eu-west-1"


def test_kms_decrypt_only_on_the_named_key():
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    grants = statements(docs(settings=f"{{region: eu-west-1, kms_key_arn: '{key}'}}"))
    assert grants["DecryptSecrets"] == {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
                                        "Resource": [key]}


def test_given_roles_and_groups_make_nothing():
    found = docs(settings="{execution_role_arn: mine, task_role_arn: theirs, security_groups: [sg-0123456789abcdef0]}")
    kinds = {d["kind"] for d in found}
    assert not kinds & {"Role", "RolePolicy", "SecurityGroup", "SecurityGroupIngress"}
    assert by_kind(found, "LoadBalancer")["SecurityGroups"] == ["sg-0123456789abcdef0"]
    task = by_kind(found, "TaskDefinition")
    assert (task["executionRoleArn"], task["taskRoleArn"]) == ("mine", "theirs")


def test_security_groups_admit_only_the_app_and_its_load_balancers():
    found = docs(WEB + ADMIN)
    ingress = {d["name"]: d["body"]["IpPermissions"] for d in found if d["kind"] == "SecurityGroupIngress"}
    tasks = {(p["IpProtocol"], p["FromPort"], p["UserIdGroupPairs"][0]["GroupId"]) for p in ingress["shop-tasks"]}
    own, lb = "${SecurityGroup:shop-tasks}", "${SecurityGroup:shop-lb}"
    assert tasks == {("tcp", 8080, own), ("tcp", 8080, lb), ("tcp", 9000, own), ("tcp", 80, own), ("tcp", 80, lb),
                     ("tcp", 7777, own), ("tcp", 7777, lb), ("udp", 7778, own)}
    assert all("IpRanges" not in p for p in ingress["shop-tasks"])
    assert {(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in ingress["shop-lb"]} == {(80, "0.0.0.0/0"),
                                                                                        (7777, "0.0.0.0/0")}


def test_public_http_services_share_one_alb_with_path_rules():
    found = docs(WEB + ADMIN)
    [alb] = [d["body"] for d in found if d["kind"] == "LoadBalancer" and d["body"]["Type"] == "application"]
    assert alb["Name"] == "shop" and alb["Scheme"] == "internet-facing"
    web_tg = [d["body"] for d in found if d["name"] == "shop-web-8080"][0]
    assert (web_tg["HealthCheckPath"], web_tg["HealthCheckIntervalSeconds"], web_tg["HealthCheckTimeoutSeconds"],
            web_tg["UnhealthyThresholdCount"], web_tg["TargetType"]) == ("/ready", 20, 19, 10, "ip")
    admin_tg = [d["body"] for d in found if d["name"] == "shop-admin-80"][0]
    assert admin_tg["HealthCheckPath"] == "/"  # no http check of its own: any 2xx/3xx answer on /
    listener = [d["body"] for d in found if d["name"] == "shop:80"][0]
    assert listener["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": "${TargetGroup:shop-web-8080}"}]
    rule = [d["body"] for d in found if d["kind"] == "ListenerRule"][0]
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/admin", "/admin/*"]
    assert by_kind(found, "Service", "web")["healthCheckGracePeriodSeconds"] == 45
    assert by_kind(found, "Service", "web")["loadBalancers"] == [
        {"targetGroupArn": "${TargetGroup:shop-web-8080}", "containerName": "web", "containerPort": 8080}]


def test_public_tcp_ports_get_a_network_load_balancer():
    found = docs(WEB + ADMIN)
    [nlb] = [d["body"] for d in found if d["kind"] == "LoadBalancer" and d["body"]["Type"] == "network"]
    assert nlb["Name"] == "shop-net"
    listener = [d["body"] for d in found if d["name"] == "shop-net:7777"][0]
    assert (listener["Protocol"], listener["Port"]) == ("TCP", 7777)
    assert [d["body"]["HealthCheckProtocol"] for d in found if d["name"] == "shop-game-7777"] == ["TCP"]


DNS = """  dns:
    image: coredns/coredns:1.11.3
    ports: [{port: 53, protocol: udp, public: true}, {port: 9153, public: true}, {port: 8080, protocol: http}]
    health: {http: {path: /health, port: 8080}}
  stun:
    image: coturn/coturn:4.6
    ports: [{port: 3478, protocol: udp, public: true}]
"""


def test_public_udp_ports_get_network_load_balancer_listeners_checked_over_tcp_or_http():
    found = docs(DNS)
    listeners = {d["name"]: d["body"] for d in found if d["kind"] == "Listener"}
    assert {name: (b["Protocol"], b["Port"]) for name, b in listeners.items()} == {
        "shop-net:53": ("UDP", 53), "shop-net:9153": ("TCP", 9153), "shop-net:3478": ("UDP", 3478)}
    assert listeners["shop-net:53"]["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": "${TargetGroup:shop-dns-53-udp}"}]
    groups = {d["name"]: d["body"] for d in found if d["kind"] == "TargetGroup"}
    assert groups["shop-dns-9153"]["Protocol"] == "TCP"
    udp = groups["shop-dns-53-udp"]  # checked by the spec's http health check, on its own port
    assert (udp["Protocol"], udp["HealthCheckProtocol"], udp["HealthCheckPort"], udp["HealthCheckPath"]) == (
        "UDP", "HTTP", "8080", "/health")
    stun = groups["shop-stun-3478-udp"]  # nothing else to check: TCP on the same port number
    assert (stun["HealthCheckProtocol"], stun["HealthCheckPort"]) == ("TCP", "traffic-port")
    assert by_kind(found, "Service", "dns")["loadBalancers"] == [
        {"targetGroupArn": "${TargetGroup:shop-dns-53-udp}", "containerName": "dns", "containerPort": 53},
        {"targetGroupArn": "${TargetGroup:shop-dns-9153}", "containerName": "dns", "containerPort": 9153}]
    rules = {(p["IpProtocol"], p["FromPort"], d["name"]) for d in found if d["kind"] == "SecurityGroupIngress"
             for p in d["body"]["IpPermissions"] if "IpRanges" in p or any(
                 pair["GroupId"] == "${SecurityGroup:shop-lb}" for pair in p.get("UserIdGroupPairs", []))}
    assert {("udp", 53, "shop-lb"), ("tcp", 9153, "shop-lb"), ("udp", 3478, "shop-lb"),
            ("udp", 53, "shop-tasks"), ("tcp", 8080, "shop-tasks"), ("udp", 3478, "shop-tasks"),
            ("tcp", 3478, "shop-tasks")} <= rules
    assert ("tcp", 53, "shop-tasks") not in rules  # dns is checked on 8080, not over TCP on 53


def test_a_certificate_serves_https_and_redirects_http():
    cert = "arn:aws:acm:eu-west-1:111122223333:certificate/abc"
    found = docs(settings=f"{{region: eu-west-1, certificate_arn: '{cert}'}}")
    http = [d["body"] for d in found if d["name"] == "shop:80"][0]
    https = [d["body"] for d in found if d["name"] == "shop:443"][0]
    assert http["DefaultActions"][0]["RedirectConfig"] == {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    assert https["Certificates"] == [{"CertificateArn": cert}] and https["Protocol"] == "HTTPS"
    lb_ports = {p["FromPort"] for d in found if d["name"] == "shop-lb" and d["kind"] == "SecurityGroupIngress"
                for p in d["body"]["IpPermissions"]}
    assert lb_ports == {80, 443}


def test_long_names_are_shortened_within_elb_limits():
    long_app = "a-very-long-application-name-x"
    found = render(BASE.replace("name: shop", f"name: {long_app}").format(services=WEB, settings="{}"))
    names = [d["name"] for d in found if d["kind"] in ("LoadBalancer", "TargetGroup")]
    assert names and all(len(n) <= 32 for n in names)
    assert len(set(names)) == len(names)


def test_a_published_udp_port_is_the_listener_port_and_the_container_keeps_its_own():
    found = docs('''  dns:
    image: coredns/coredns:1.11.3
    ports: [{port: 1053, protocol: udp, public: true, published: 53}, {port: 8080, protocol: http}]
    health: {http: {path: /health, port: 8080}}
''')
    listener = next(d["body"] for d in found if d["kind"] == "Listener")
    assert (listener["Protocol"], listener["Port"]) == ("UDP", 53)
    group = next(d["body"] for d in found if d["kind"] == "TargetGroup")
    assert (group["Name"], group["Port"]) == ("shop-dns-1053-udp", 1053)
    world = {(p["IpProtocol"], p["FromPort"]) for d in found if d["name"] == "shop-lb"
             and d["kind"] == "SecurityGroupIngress" for p in d["body"]["IpPermissions"]}
    assert world == {("udp", 53)}

"""Compose keys one by one: what carries over, what changes meaning, what does not carry over."""

from __future__ import annotations

import yaml

from cloudorch.compose import run_import


def imported(tmp_path, text: str, **files: str):
    (tmp_path / "compose.yaml").write_text(text)
    for name, content in files.items():
        (tmp_path / name.replace("_", ".")).write_text(content)
    spec_text, report = run_import([str(tmp_path / "compose.yaml")], environ={"FROM_SHELL": "shell"})
    outcomes = {(e.service, e.key): (str(e.outcome), e.note) for e in report.entries}
    return yaml.safe_load(spec_text), outcomes


def test_ports_long_and_short(tmp_path):
    spec, report = imported(tmp_path, """\
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: "8080"
        protocol: tcp
        app_protocol: http
      - "127.0.0.1:9229:9229"
      - 53:53/udp
      - "3000"
      - "7000-7002:7000-7002"
    expose: ["9100"]
""")
    assert spec["services"]["web"]["ports"] == [
        {"port": 80, "protocol": "http", "public": True, "published": 8080}, {"port": 9229},
        {"port": 53, "protocol": "udp", "public": True}, {"port": 3000, "public": True},
        {"port": 7000, "public": True}, {"port": 7001, "public": True}, {"port": 7002, "public": True},
        {"port": 9100}]
    assert report[("web", "ports[0]")][0] == "carried" and "published: 8080" in report[("web", "ports[0]")][1]
    assert "kept private" in report[("web", "ports[1]")][1]
    assert report[("web", "ports[2]")] == ("carried", "port 53/udp: published: public")
    assert "random host port" in report[("web", "ports[3]")][1]


def test_two_services_on_one_container_port_keep_their_host_ports(tmp_path):
    spec, report = imported(tmp_path, """\
services:
  vote: {image: vote, ports: ["5000:80"]}
  result: {image: result, ports: ["5001:80"]}
  admin: {image: admin, ports: ["8000"]}
  other: {image: other, ports: ["8000"]}
""")
    assert spec["services"]["vote"]["ports"] == [{"port": 80, "public": True, "published": 5000}]
    assert spec["services"]["result"]["ports"] == [{"port": 80, "public": True, "published": 5001}]
    # compose picked random host ports for these: one number serves one service on most clouds
    note = report[("admin", "ports")][1]
    assert report[("admin", "ports")][0] == "changed" and "public on admin, other" in note
    assert "give each its own number with published:" in note


def test_healthcheck_forms_and_durations(tmp_path):
    spec, report = imported(tmp_path, """\
services:
  a: {image: a, healthcheck: {test: ["CMD", "pg_isready"], interval: 1m30s, timeout: 10s, retries: 20}}
  b: {image: b, healthcheck: {test: ["CMD-SHELL", "curl -f localhost || exit 1"], start_period: 1.5s}}
  c: {image: c, healthcheck: {test: "redis-cli ping", interval: 5s}}
  d: {image: d, healthcheck: {disable: true}}
""")
    services = spec["services"]
    assert services["a"]["health"] == {"command": ["pg_isready"], "interval": "90s", "timeout": "10s", "retries": 10}
    assert "retries 20 clamped to 10" in report[("a", "healthcheck")][1]
    assert services["b"]["health"]["command"] == ["/bin/sh", "-c", "curl -f localhost || exit 1"]
    assert services["b"]["health"]["start_period"] == "1500ms" and services["b"]["health"]["timeout"] == "30s"
    assert services["c"]["health"] == {"command": ["/bin/sh", "-c", "redis-cli ping"], "interval": "5s",
                                       "timeout": "5s", "retries": 3}
    assert "health" not in services["d"]


def test_environment_env_file_secrets_and_resources(tmp_path):
    spec, report = imported(tmp_path, """\
services:
  api:
    image: ghcr.io/acme/api:1.0
    env_file: [api.env]
    environment:
      LEVEL: debug
      FROM_SHELL:
      GONE:
      PRICE: "5$$"
      DB_PASSWORD_FILE: /run/secrets/db_pass
    secrets: [db_pass]
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 300M}
        reservations: {memory: 100M}
    user: "1000:1000"
    read_only: true
    cap_drop: [ALL]
    labels: {com.example.team: web, "com.example.description": "Accounting webapp"}
    tmpfs: [/run]
secrets:
  db_pass: {file: ./db.txt}
""", api_env="LEVEL=info\nFROM_FILE=1\n")
    api = spec["services"]["api"]
    assert api["env"] == {"FROM_FILE": "1", "LEVEL": "debug", "FROM_SHELL": "shell", "PRICE": "5$$",
                          "DB_PASSWORD_FILE": "/run/secrets/db_pass"}
    assert report[("api", "environment.GONE")][0] == "dropped"
    assert api["secrets"] == {"DB_PASS": "db_pass"}
    assert "DB_PASSWORD_FILE still point" in report[("api", "secrets[0]")][1]
    assert "cloudorch secrets set db_pass --from-file ./db.txt" in report[(None, "secrets.db_pass")][1]
    assert api["replicas"] == 3 and api["resources"] == {"cpu": 0.5, "memory": "300Mi"}
    assert api["security"] == {"run_as_user": 1000, "run_as_group": 1000, "read_only_root": True,
                               "drop_capabilities": True}
    assert spec["labels"] == {"com.example.team": "web"}
    assert report[("api", "labels.com.example.description")][0] == "dropped"
    assert api["volumes"] == [{"name": "run", "path": "/run"}]


def test_build_without_image_and_renamed_services(tmp_path):
    spec, report = imported(tmp_path, """\
name: My_Shop
services:
  Web_App:
    build: ./web
    depends_on:
      db_1: {condition: service_completed_successfully}
  db_1: {image: postgres}
  seed: {image: seed, profiles: [seed]}
""")
    assert spec["name"] == "my-shop"
    assert spec["services"]["web-app"]["image"] == "${WEB_APP_IMAGE:-my-shop-web-app:latest}"
    assert "docker compose build Web_App" in report[("Web_App", "build")][1]
    assert spec["services"]["web-app"]["depends_on"] == ["db-1"]
    assert report[("Web_App", "(name)")][0] == "changed"
    assert report[("Web_App", "depends_on.db_1")][0] == "changed"
    assert "seed" not in spec["services"] and report[("seed", "profiles")][0] == "dropped"


def test_unknown_keys_are_reported_not_dropped_silently(tmp_path):
    _, report = imported(tmp_path, """\
services:
  web:
    image: nginx
    working_dir: /app
    privileged: true
    some_future_key: 1
    volumes: ["./site:/usr/share/nginx/html:ro"]
    networks: [front]
networks: {front: {}}
""")
    assert report[("web", "working_dir")][0] == "dropped"
    assert report[("web", "some_future_key")] == ("dropped", "no cloudorch equivalent")
    assert "bind mount of ./site" in report[("web", "volumes[0]")][1]
    assert report[("web", "networks")][0] == "changed" and report[(None, "networks")][0] == "changed"

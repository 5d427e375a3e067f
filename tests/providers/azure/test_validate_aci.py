"""The Azure fit report, what the provider refuses (SpecError at the field), its settings block,
its capabilities, and that importing it loads no Azure SDK."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from test_convert_aci import FULL  # same directory (pytest puts it on sys.path)

from cloudorch.errors import SpecError
from cloudorch.provider import Capability, Fit
from cloudorch.sandbox.emulator import Emulator
from cloudorch.spec import parse_spec
from cloudorch.spec.fields import FEATURE_KEYS
from cloudorch_providers.azure.provider import AzureProvider


def provider(text: str, env: dict[str, str] | None = None) -> AzureProvider:
    return AzureProvider(parse_spec(textwrap.dedent(text), "test.yaml", env=env or {}))


def one_service(service: str, settings: str = "", app: str = "shop", name: str = "web") -> str:
    body = textwrap.indent(textwrap.dedent(service).strip(), "    ")
    text = f"version: 1\nname: {app}\nservices:\n  {name}:\n{body}\n"
    if settings:
        text += "providers:\n  azure:\n" + textwrap.indent(textwrap.dedent(settings).strip(), "    ") + "\n"
    return text


def spec_error(text: str, method: str = "validate") -> SpecError:
    with pytest.raises(SpecError) as info:
        getattr(provider(text), method)()
    return info.value


def table(p: AzureProvider) -> dict[str, tuple[Fit, str]]:
    return {r.field: (r.fit, r.note) for r in p.validate()}


# -- the fit report -----------------------------------------------------------------------------

def test_webshop_report(load_example):
    rows = table(AzureProvider(load_example("webshop")))
    fit = {field: how for field, (how, _) in rows.items()}
    assert fit["services.web.autoscale"] is Fit.UNSUPPORTED
    assert "no autoscaler" in rows["services.web.autoscale"][1] and "2 groups" in rows["services.web.autoscale"][1]
    assert fit["services.redis.health.tcp"] is Fit.UNSUPPORTED
    assert fit["services.api.security.run_as_user"] is Fit.UNSUPPORTED
    assert fit["services.api.security.read_only_root"] is Fit.UNSUPPORTED
    assert fit["services.worker.args"] is Fit.LOSSY and "give command too" in rows["services.worker.args"][1]
    assert fit["services.api.args"] is Fit.EXACT
    assert fit["services.web.replicas"] is Fit.LOSSY and "webshop-web-0 .. webshop-web-1" in rows[
        "services.web.replicas"][1]
    assert fit["services.worker.replicas"] is Fit.EXACT
    # services name each other: the app's private network makes names and private ports exact
    assert fit["services.web.ports.public"] is Fit.EXACT and "webshop-gateway" in rows["services.web.ports.public"][1]
    assert fit["services.api.ports"] is Fit.EXACT and "api.webshop.internal" in rows["services.api.ports"][1]
    assert fit["services.web.depends_on"] is Fit.EXACT and "resolve by name" in rows["services.web.depends_on"][1]
    assert fit["services.web.env"] is Fit.EXACT and "API_URL names service api" in rows["services.web.env"][1]
    assert fit["services.web.secrets"] is Fit.EXACT and "SHOP_SESSION_KEY" in rows["services.web.secrets"][1]
    assert fit["services.web.sidecars"] is Fit.EXACT
    assert fit["services.web.volumes"] is Fit.EXACT
    assert fit["services.web.health.http"] is Fit.EXACT
    assert rows["services.web.health.start_period"] == (Fit.EXACT, "initialDelaySeconds 15")
    assert fit["services.web.resources"] is Fit.EXACT and "0.75 vCPU / 1.5 GB" in rows["services.web.resources"][1]
    assert fit["labels"] is Fit.EXACT


def test_every_feature_key_is_answered():
    rows = table(provider(FULL))
    seen = {field.split(".", 2)[2] if field.startswith("services.") else field for field in rows}
    assert seen == set(FEATURE_KEYS)
    for field, (how, note) in rows.items():
        assert isinstance(how, Fit) and note, field


def test_full_report_notes():
    rows = table(provider(FULL))
    assert rows["services.front.resources"][0] is Fit.LOSSY
    assert "main: cpu 125m -> 0.13 vCPU" in rows["services.front.resources"][1]
    assert "shipper: memory 64Mi -> 0.1 GB" in rows["services.front.resources"][1]
    assert rows["services.front.health.http"][0] is Fit.LOSSY  # 2500ms / 500ms become whole seconds
    assert rows["services.front.sidecars"][0] is Fit.LOSSY  # shipper gives args without command
    assert rows["services.front.ports.udp"][0] is Fit.EXACT
    assert rows["services.front.ports.http"][0] is Fit.LOSSY
    assert "acme-full-front-0.westeurope.azurecontainer.io" in rows["services.front.ports.public"][1]
    assert rows["services.back.health.tcp"][0] is Fit.UNSUPPORTED
    assert rows["services.back.image_pull_secret"] == (Fit.EXACT, (
        "imageRegistryCredentials for index.docker.io: username 'acme', password from env HUB_PASSWORD, read at "
        "deploy time; sidecar images on other registries are pulled anonymously"))
    assert rows["services.job.replicas"] == (Fit.EXACT, "0 replicas: no container group is created")
    assert rows["labels"][0] is Fit.LOSSY and "example.com/tier -> example.com_tier" in rows["labels"][1]
    for key in ("run_as_user", "run_as_group", "read_only_root", "drop_capabilities"):
        assert rows[f"services.front.security.{key}"][0] is Fit.UNSUPPORTED


def test_small_groups_are_flagged_below_the_documented_minimum(load_example):
    note = table(AzureProvider(load_example("hello")))["services.web.resources"][1]
    assert "below ACI's documented group minimum of 1 vCPU / 1 GB" in note


# -- what the provider refuses ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["validate", "render"])
def test_group_name_too_long_for_the_highest_replica(method):
    app, service = "a" * 30, "s" * 30  # "-9" fits 63 characters, "-10" does not
    fits = one_service("image: nginx:1\nreplicas: 10", app=app, name=service)
    assert provider(fits).validate()
    error = spec_error(one_service("image: nginx:1\nreplicas: 11", app=app, name=service), method)
    [issue] = error.issues
    assert (issue.field, issue.line) == (f"services.{service}", 4)
    assert "64 characters" in issue.message and f"{app}-{service}-10" in issue.message
    error = spec_error(one_service("image: nginx:1\nautoscale: {min: 1, max: 11}", app=app, name=service))
    assert "-10" in error.issues[0].message


def test_consecutive_hyphens_are_refused():
    error = spec_error(one_service("image: nginx:1\nsidecars: [{name: a--b, image: 'x:1'}]", name="w--x"))
    assert [i.field for i in error.issues] == ["services.w--x", "services.w--x.sidecars.0.name"]


def test_group_size_limit_and_its_settings():
    text = one_service("image: nginx:1\nresources: {cpu: 4, memory: 8Gi}\n"
                       "sidecars: [{name: side, image: 'x:1', resources: {cpu: 0.5, memory: 512Mi}}]")
    [issue] = spec_error(text).issues
    assert issue.field == "services.web.resources"
    assert "4.5 vCPU / 8.5 GB" in issue.message and "max_cpu_per_group" in issue.message
    raised = one_service("image: nginx:1\nresources: {cpu: 4, memory: 8Gi}\n"
                         "sidecars: [{name: side, image: 'x:1', resources: {cpu: 0.5, memory: 512Mi}}]",
                         settings="max_cpu_per_group: 8")
    assert provider(raised).render()
    [issue] = spec_error(one_service("image: nginx:1", settings="max_cpu_per_group: 32"), "render").issues
    assert issue.field == "providers.azure.max_cpu_per_group"


def test_per_group_counts():
    sidecars = ", ".join(f"{{name: s{i}, image: 'x:1', resources: {{cpu: 0.01, memory: 1Mi}}}}" for i in range(60))
    assert spec_error(one_service(f"image: nginx:1\nsidecars: [{sidecars}]")).issues[0].field == "services.web.sidecars"
    volumes = ", ".join(f"{{name: v{i}, path: /v{i}}}" for i in range(21))
    assert spec_error(one_service(f"image: nginx:1\nvolumes: [{volumes}]")).issues[0].field == "services.web.volumes"
    ports = ", ".join(f"{{port: {8000 + i}, public: true}}" for i in range(6))
    [issue] = spec_error(one_service(f"image: nginx:1\nports: [{ports}]")).issues
    assert issue.field == "services.web.ports" and "at most 5" in issue.message


def test_dns_label_prefix_too_long_for_the_service():
    text = one_service("image: nginx:1\nports: [{port: 80, public: true}]", name="s" * 30,
                       settings="dns_label_prefix: " + "p" * 35)
    [issue] = spec_error(text).issues
    assert issue.field == "providers.azure.dns_label_prefix" and "68 characters" in issue.message


def test_registry_login_cannot_be_an_environment_secret():
    text = one_service("image: nginx:1\nsecrets: {TOKEN: tok}",
                       settings="secrets: {tok: {username: u, password_env: P}}")
    [issue] = spec_error(text).issues
    assert issue.field == "providers.azure.secrets.tok"


# -- settings -----------------------------------------------------------------------------------

def test_settings_defaults():
    p = provider(one_service("image: nginx:1"))
    s = p.settings
    assert (s.subscription, s.location, s.os_type, s.dns_label_prefix) == (None, "eastus", "Linux", None)
    assert p.resource_group == "shop-rg"
    assert (s.max_cpu_per_group, s.max_memory_gb_per_group) == (4.0, 16.0)
    assert s.source("session-key").env == "SESSION_KEY"
    assert s.source("db.password").env == "DB_PASSWORD"
    assert s.source("9lives").env == "_9LIVES"


@pytest.mark.parametrize(("settings", "field", "message"), [
    ("secrets: {k: {value: hunter2}}", "providers.azure.secrets.k", "literal secret 'value' is refused"),
    ("secrets: {k: {username: u, password: p}}", "providers.azure.secrets.k", "literal secret 'password'"),
    ("secrets: {k: plain-text}", "providers.azure.secrets.k", "not a string"),
    ("secrets: {k: {env: A, file: /b}}", "providers.azure.secrets.k", "exactly one of env or file"),
    ("secrets: {k: {username: u}}", "providers.azure.secrets.k", "password_env or password_file"),
    ("secrets: {k: {env: A, username: u, password_env: B}}", "providers.azure.secrets.k", "not both"),
    ("secrets: {k: {}}", "providers.azure.secrets.k", "give env: VAR or file: PATH"),
    ("os_type: Windows", "providers.azure.os_type", "Linux"),
    ("location: East US", "providers.azure.location", ""),
    ("subscription: not-a-guid", "providers.azure.subscription", ""),
    ("resource_group: 'bad/name'", "providers.azure.resource_group", ""),
    ("regoin: eastus", "providers.azure.regoin", "unknown key"),
    ("max_memory_gb_per_group: '16'", "providers.azure.max_memory_gb_per_group", ""),
])
def test_settings_errors_point_at_the_key(settings, field, message):
    with pytest.raises(SpecError) as info:
        provider(one_service("image: nginx:1", settings=settings))
    [issue] = info.value.issues
    assert issue.field == field and message in issue.message and issue.line >= 6


def test_settings_from_the_spec_and_overrides():
    text = one_service("image: nginx:1", settings="""
        subscription: 00000000-0000-0000-0000-000000000000
        resource_group: my-rg
        location: westeurope
        dns_label_prefix: acme
        max_memory_gb_per_group: 32
        secrets: {a: {file: /run/a}, b: {server: ghcr.io, username: me, password_file: /run/b}}
        """)
    p = AzureProvider(parse_spec(text, "t.yaml", env={}), overrides={"location": "northeurope"})
    assert (p.resource_group, p.settings.location, p.settings.max_memory_gb_per_group) == ("my-rg", "northeurope", 32)
    assert p.settings.source("a").describe() == "file /run/a"
    assert p.settings.source("b").describe() == "file /run/b" and p.settings.source("b").is_login


# -- the provider class -------------------------------------------------------------------------

def test_capabilities_and_metadata():
    assert AzureProvider.name == "azure" and AzureProvider.extra == "azure"
    assert AzureProvider.requires == ("azure.mgmt.containerinstance", "azure.identity", "azure.mgmt.resource",
                                      "azure.mgmt.network", "azure.mgmt.privatedns")
    assert AzureProvider.capabilities == {Capability.LOGS, Capability.REPLICAS, Capability.JOBS}
    assert Capability.SCHEDULES not in AzureProvider.capabilities  # ACI has no scheduler
    assert Capability.AUTOSCALE not in AzureProvider.capabilities


def test_emulator_when_installed(monkeypatch):
    import importlib.util

    from cloudorch_providers.azure import provider as module

    if importlib.util.find_spec(module.EMULATOR_MODULE) is not None:
        emulator = AzureProvider.emulator()
        assert isinstance(emulator, Emulator) and emulator.name == "azure"
    monkeypatch.setattr(module, "EMULATOR_MODULE", "providers.azure.no_such_emulator")
    assert AzureProvider.emulator() is None


def test_importing_rendering_and_validating_load_no_azure_sdk():
    code = textwrap.dedent("""
        import sys
        from cloudorch.spec import load_spec
        import cloudorch_providers.azure.provider as p
        spec = load_spec("specs/examples/webshop.yaml", env={})
        p.AzureProvider(spec).render()
        p.AzureProvider(spec).validate()
        loaded = sorted(m for m in sys.modules if m == "azure" or m.startswith("azure."))
        assert not loaded, loaded
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "google", "kubernetes", "moto"))
        assert not heavy, heavy
        """)
    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

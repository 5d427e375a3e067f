import pytest

from cloudorch.live.ownership import Markers, NotOurs
from cloudorch.live.plan import Owned, PlanBuilder, Step, destroy_order, run_steps
from cloudorch.provider import Action
from cloudorch.spec import parse_spec

SPEC = """
version: 1
name: shop
services:
  db: {image: postgres:16.4}
  api: {image: acme/api:1.0.0, depends_on: [db]}
  web: {image: nginx:1.27.2, depends_on: [api]}
"""
APP = parse_spec(SPEC, "shop.yaml", env={}).app
M = Markers()


def record(calls):
    def create_thing(client, name, *, size):
        calls.append((client, name, size))
        return name
    return create_thing


def test_step_is_a_real_call_with_leading_context():
    calls = []
    step = Step(record(calls), ("web",), {"size": 2}, on="Thing web")
    assert step.run("client") == "web"
    assert calls == [("client", "web", 2)]
    assert str(step) == "create_thing Thing web"


def test_resource_decides_create_update_noop():
    calls = []
    create = [Step(record(calls), ("web",), {"size": 1})]
    b = PlanBuilder(APP, "x", M)
    assert b.resource("Thing", "a", "web", live=None, tags=None, create=create, fields=lambda: ["x"],
                      update=lambda f: []).action is Action.CREATE
    upd = b.resource("Thing", "b", "web", live={}, tags=M.tags("shop"), create=create, fields=lambda: ["size"],
                     update=lambda fields: [Step(record(calls), ("b",), {"size": len(fields)})])
    assert upd.action is Action.UPDATE and upd.fields == ["size"]
    assert b.resource("Thing", "c", "web", live={}, tags=M.tags("shop"), create=create, fields=list,
                      update=lambda f: []).action is Action.NOOP
    run_steps(upd, "cl")
    assert calls == [("cl", "b", 1)]
    plan = b.build()
    assert [c.action for c in plan.changes] == [Action.CREATE, Action.UPDATE, Action.NOOP]
    assert plan.app == "shop" and plan.provider == "x"


def test_resource_refuses_what_is_not_ours():
    b = PlanBuilder(APP, "x", M)
    with pytest.raises(NotOurs, match="Thing a in cluster c exists but is not managed"):
        b.resource("Thing", "a", "web", live={}, tags={"cloudorch-app": "blog", "managed-by": "cloudorch"},
                   create=[], fields=list, update=lambda f: [], where="in cluster c")
    assert b.changes == []


def test_sweep_deletes_unrendered_owned_resources_dependants_first():
    b = PlanBuilder(APP, "x", M)
    owned = [Owned("Deployment", "old", "old"), Owned("HPA", "old", "old"), Owned("Service", "old", "old"),
             Owned("HPA", "web", "web"), Owned("Deployment", "web", "web")]
    b.sweep(owned, {("Deployment", "web")}, delete=lambda o: [Step(print, (o.name,))], order=("HPA", "Service"),
            reason=lambda o: "no autoscale in the spec" if o.kind == "HPA" else "")
    got = [(c.kind, c.name, c.reason) for c in b.changes]
    assert got == [("HPA", "old", "its service is no longer in the spec"),
                   ("Service", "old", "its service is no longer in the spec"),
                   ("Deployment", "old", "its service is no longer in the spec"),
                   ("HPA", "web", "no autoscale in the spec")]
    assert all(c.action is Action.DELETE and len(c.payload) == 1 for c in b.changes)


def test_destroy_sweep_has_no_reasons():
    b = PlanBuilder(APP, "x", M)
    b.sweep([Owned("Deployment", "web", "web")], (), delete=lambda o: [], destroying=True)
    assert b.changes[0].reason == ""


def test_container_is_deleted_only_when_ours_and_empty():
    b = PlanBuilder(APP, "x", M)
    b.container("Namespace", "shop", tags=M.tags("shop"), others=[], delete=[Step(print)])
    b.container("Namespace", "shared", tags=M.tags("shop"), others=["Pod a", "Pod b", "Pod c", "Pod d"], delete=[])
    b.container("Namespace", "theirs", tags={}, others=[], delete=[])
    assert [(c.action, c.name) for c in b.changes] == [(Action.DELETE, "shop"), (Action.NOOP, "shared")]
    assert b.changes[1].reason == "kept: it also holds objects that are not this app's (Pod a, Pod b, Pod c and 1 more)"


def test_destroy_order_reverses_start_order():
    b = PlanBuilder(APP, "x", M)
    for service in ("db", "web", None, "gone", "api"):
        b.add(Action.DELETE, "K", service or "ns", service)
    b.add(Action.DELETE, "K2", "web-2", "web")
    order = [c.name for c in destroy_order(b.changes, APP)]
    assert order == ["gone", "web", "web-2", "api", "db", "ns"]

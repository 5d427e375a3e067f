"""The value diff every plan shows: desired as a subset of live, named lists matched by name, whole
values cut down to what the spec names, secrets masked."""

from __future__ import annotations

from cloudorch.diff import field_diffs, project, value_diff
from cloudorch.secretmask import Mask


def test_scalars_nested_mappings_and_named_lists():
    desired = {"spec": {"replicas": 3, "containers": [
        {"name": "web", "image": "nginx:1.27.2", "env": [{"name": "A", "value": "1"}]},
        {"name": "log", "image": "fluent:2"}]}}
    live = {"spec": {"replicas": 2, "paused": False, "containers": [
        {"name": "web", "image": "nginx:1.27.1", "env": [{"name": "A", "value": "0"}], "imagePullPolicy": "Always"},
        {"name": "log", "image": "fluent:2"}]}}
    assert value_diff(desired, live) == [
        ("spec.replicas", 2, 3),
        ("spec.containers[web].image", "nginx:1.27.1", "nginx:1.27.2"),
        ("spec.containers[web].env[A].value", "0", "1"),
    ]


def test_added_and_removed_named_entries_and_whole_lists():
    desired = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "command": ["a", "b"]}
    live = {"env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}], "command": ["a"]}
    assert value_diff(desired, live) == [
        ("env[B]", None, {"name": "B", "value": "2"}),
        ("env[C]", {"name": "C", "value": "3"}, None),
        ("command", ["a"], ["a", "b"]),
    ]


def test_a_shown_value_leaves_out_what_the_cloud_adds():
    assert project({"a": 1, "b": 2, "c": {"d": 1, "e": 2}}, {"a": 0, "c": {"d": 0}}) == {"a": 1, "c": {"d": 1}}
    (entry,) = value_diff({"ports": [{"port": 80}, {"port": 81}]}, {"ports": [{"port": 80, "protocol": "TCP"}]})
    assert entry == ("ports", [{"port": 80, "protocol": "TCP"}], [{"port": 80}, {"port": 81}])


def test_nothing_differs_nothing_is_shown():
    assert value_diff({"a": 1, "b": []}, {"a": 1.0, "x": 2}) == []
    assert value_diff({"a": None}, {"a": "set"}) == [("a", "set", None)]


def test_field_diffs_mask_secret_env_in_every_shape():
    mask = Mask(frozenset({"SESSION"}), frozenset({"hunter2-long-value"}))
    desired = {"env": [{"name": "SESSION", "value": "new"}, {"name": "API_TOKEN", "value": "t2"},
                       {"name": "URL", "value": "db://u:hunter2-long-value@h"}],
               "Env": ["SESSION=new", "PLAIN=1"], "vars": {"DB_PASSWORD": "p2"},
               "environmentVariables": [{"name": "K", "secureValue": "sv"}]}
    live = {"env": [{"name": "SESSION", "value": "old"}, {"name": "API_TOKEN", "value": "t1"},
                    {"name": "URL", "value": "db://h"}],
            "Env": ["SESSION=old", "PLAIN=0"], "vars": {"DB_PASSWORD": "p1"},
            "environmentVariables": [{"name": "K", "secureValue": None}]}
    shown = {d.path: (d.live, d.desired) for d in field_diffs(desired, live, mask)}
    assert shown["env[SESSION].value"] == ("(secret)", "(secret)")
    assert shown["env[API_TOKEN].value"] == ("(secret)", "(secret)")
    assert shown["env[URL].value"] == ("db://h", "db://u:(secret)@h")
    assert shown["Env"] == (["SESSION=(secret)", "PLAIN=0"], ["SESSION=(secret)", "PLAIN=1"])
    assert shown["vars.DB_PASSWORD"] == ("(secret)", "(secret)")
    assert shown["environmentVariables[K].secureValue"] == (None, "(secret)")
    text = repr(shown)
    for value in ("new", "old", "t1", "t2", "p1", "p2", "sv", "hunter2"):
        assert f"'{value}'" not in text and "hunter2" not in text


def test_secret_objects_are_masked_whole():
    mask = Mask()
    (entry,) = field_diffs({"data": {"key": "bmV3"}}, {"data": {"key": "b2xk"}}, mask, kind="Secret")
    assert (entry.path, entry.live, entry.desired) == ("data.key", "(secret)", "(secret)")
    (entry,) = field_diffs({"data": {"greeting": "bmV3"}}, {"data": {"greeting": "b2xk"}}, mask, kind="ConfigMap")
    assert (entry.live, entry.desired) == ("b2xk", "bmV3")


def test_the_mask_of_an_app_names_every_secret_env_var():
    from cloudorch.spec import parse_spec

    app = parse_spec("version: 1\nname: a\nservices:\n  web:\n    image: nginx:1.27.2\n    secrets: {S1: one}\n"
                     "    sidecars: [{name: side, image: busybox:1.36, secrets: {S2: two}}]\n", "a.yaml", env={}).app
    assert Mask.of(app).names == {"S1", "S2"}

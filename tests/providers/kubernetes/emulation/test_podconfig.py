"""What the kubelet checks before starting containers: Secret and ConfigMap references, without a server."""

from __future__ import annotations

from cloudorch_providers.kubernetes.emulation.podconfig import check

OBJECTS = {("Secret", "shop", "db"): {"data": {"url": "eA=="}}, ("ConfigMap", "shop", "cfg"): {"data": {"a": "1"}}}


def lookup(kind, namespace, name):
    return OBJECTS.get((kind, namespace, name))


def pod(containers, volumes=None):
    return {"metadata": {"namespace": "shop"}, "spec": {"containers": containers, "volumes": volumes or []}}


def test_env_references_resolve_in_kubelet_order():
    env_first = {"name": "a", "envFrom": [{"secretRef": {"name": "gone"}}],
                 "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope"}}}]}
    missing_key = {"name": "b", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope"}}}]}
    fine = {"name": "c", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                                 {"name": "Y", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}},
                                 {"name": "Z", "value": "plain"}]}
    optional = {"name": "d", "envFrom": [{"configMapRef": {"name": "gone", "optional": True}}],
                "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k", "optional": True}}}]}
    result = check(pod([env_first, missing_key, fine, optional]), lookup)
    assert result.containers == {"a": 'secret "gone" not found', "b": "couldn't find key nope in Secret shop/db"}
    assert result.mount_error is None and result.blocked


def test_volumes_must_mount_first():
    volumes = [{"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "b", "path": "b"}]}}]
    result = check(pod([{"name": "a"}], volumes), lookup)
    assert result.mount_error == ('MountVolume.SetUp failed for volume "cfg" : configmap references non-existent '
                                  "config key: b")
    secret = [{"name": "creds", "secret": {"secretName": "tls"}}]
    assert check(pod([{"name": "a"}], secret), lookup).mount_error == \
        'MountVolume.SetUp failed for volume "creds" : secret "tls" not found'
    optional = [{"name": "creds", "secret": {"secretName": "tls", "optional": True}}, {"name": "tmp", "emptyDir": {}}]
    assert not check(pod([{"name": "a"}], optional), lookup).blocked

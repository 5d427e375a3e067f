import pytest

from cloudorch.live.ownership import Markers, NotOurs

M = Markers()
K = Markers(owner_key="cloudorch.io/app", tool_key="app.kubernetes.io/managed-by")


def test_tags_and_owner_round_trip():
    assert M.tags("shop") == {"cloudorch-app": "shop", "managed-by": "cloudorch"}
    assert M.owner(M.tags("shop")) == "shop"
    assert M.owns(K.tags("shop"), "shop") is False  # other keys, other convention
    assert K.owns(K.tags("shop"), "shop")


def test_both_markers_are_needed():
    assert not M.owns({"cloudorch-app": "shop"}, "shop")
    assert not M.owns({"cloudorch-app": "shop", "managed-by": "terraform"}, "shop")
    assert not M.owns(None, "shop")
    assert not M.owns(M.tags("blog"), "shop")


def test_selector():
    assert K.selector("shop") == "cloudorch.io/app=shop,app.kubernetes.io/managed-by=cloudorch"


def test_not_ours_names_the_resource_the_owner_and_the_fix():
    error = M.not_ours("ECS service", "shop-web", M.tags("blog"), "shop", where="in cluster c")
    text = str(error)
    assert isinstance(error, NotOurs) and error.exit_code == 1
    assert "\n" not in text
    assert text.startswith("ECS service shop-web in cluster c exists but is not managed by cloudorch for app 'shop'")
    assert "belongs to cloudorch app 'blog'" in text
    assert text.endswith("remove that resource yourself")


def test_not_ours_without_markers_says_which_are_missing():
    text = str(K.not_ours("Deployment", "web", {}, "shop", fix="use another namespace"))
    assert "no cloudorch.io/app=shop / app.kubernetes.io/managed-by=cloudorch markers" in text
    assert text.endswith(": use another namespace")


def test_ensure():
    M.ensure("x", "y", M.tags("shop"), "shop")
    with pytest.raises(NotOurs):
        M.ensure("x", "y", {"managed-by": "cloudorch"}, "shop")

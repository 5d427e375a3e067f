"""Which revision a rollback goes to, and what history says changed between revisions."""

from __future__ import annotations

import pytest

from cloudorch.engine.history import choose
from cloudorch.errors import UsageError
from cloudorch.provider import Revision


def revs(current: str) -> list[Revision]:
    return [Revision(n, image=f"img:{n}", current=n == current) for n in ("3", "4", "7")]


def test_default_is_the_one_before_the_running_one():
    assert choose(revs("7"), "web", None).revision == "4"
    assert choose(revs("4"), "web", None).revision == "3"  # after a rollback, back once more


def test_to_names_a_kept_revision():
    assert choose(revs("7"), "web", "3").revision == "3"
    with pytest.raises(UsageError, match=r"no revision '9' \(revisions: 3, 4, 7"):
        choose(revs("7"), "web", "9")
    with pytest.raises(UsageError, match="already runs revision 7"):
        choose(revs("7"), "web", "7")


def test_nothing_to_go_back_to():
    with pytest.raises(UsageError, match="nothing before it"):
        choose(revs("3"), "web", None)
    with pytest.raises(UsageError, match="no revisions"):
        choose([], "web", None)

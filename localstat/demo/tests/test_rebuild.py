"""Rebuilding the demo: the same seed gives the same demo, and ``--reset`` starts again from empty."""

from __future__ import annotations

from localstat.chain.models import Organisation
from localstat.demo.pipeline import build_demo


def test_the_demo_is_deterministic_and_rebuilds_with_reset(transactional_db) -> None:
    # --reset empties tables, which PostgreSQL refuses inside a test's wrapping transaction.
    build_demo(seed=2004, progress=lambda m: None)
    names = list(Organisation.objects.filter(synthetic=True).order_by("code").values_list("code", "name"))
    assert build_demo(seed=2004, progress=lambda m: None) is None  # already built: nothing happens
    build_demo(seed=2004, reset=True, progress=lambda m: None)
    assert (
        list(Organisation.objects.filter(synthetic=True).order_by("code").values_list("code", "name"))
        == names
    )

"""Two writers correcting the same value at once: both succeed, as two revisions, nothing lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from localstat.returns.models import Observation, Return
from localstat.returns.services import submit_return_values
from localstat.returns.tests.conftest import csv, load


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL runs writers concurrently; SQLite's IMMEDIATE transactions let one writer in at a time.",
)
def test_two_simultaneous_corrections_of_one_value_are_both_kept(transactional_db, ret) -> None:
    # given an approved value
    load(csv("U1,AE4H_T1,2019-03-01,900,1000", "U1,ADM,2019-03-01,250,"), approve=True)
    march = Return.objects.get(unit=ret.u1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def correct(numerator: float, reason: str) -> None:
        try:
            barrier.wait(timeout=10)
            submit_return_values(
                return_record=march,
                values={"AE4H_T1": (numerator, 1000.0)},
                reason=reason,
                acting_user=ret.sam,
            )
        except BaseException as error:  # the test reports any failure in either thread
            errors.append(error)
        finally:
            connections.close_all()

    # when two writers, each on its own connection, are released together
    threads = [
        threading.Thread(target=correct, args=(910.0, "First recount")),
        threading.Thread(target=correct, args=(920.0, "Second recount")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then both succeed: two new revisions, one current, the approved one untouched
    assert errors == []
    revisions = list(
        Observation.objects.filter(indicator=ret.t1)
        .order_by("revision")
        .values_list("revision", "numerator", "is_current")
    )
    assert [r for r, _, _ in revisions] == [1, 2, 3]
    assert {n for _, n, _ in revisions[1:]} == {910.0, 920.0}
    assert [current for _, _, current in revisions] == [False, False, True]
    assert Observation.objects.get(indicator=ret.t1, approved_current=True).numerator == 900.0
    # and the derived total followed each correction in turn
    assert Observation.objects.filter(indicator=ret.all_types).count() == 3

"""Trajectories (seed A.5): signed off by the responsible manager, tracked against approved values.

Proposed on 1 March 2018, so with February 2018 (86.0%) as baseline, and June 2019 as deadline, a target
of L has 16 monthly milestones from March 2018; March 2019's is 86.0 + 13 × (L − 86.0) ÷ 16. Ashford's March 2019 value is
93.8% with a 95% Wilson interval of 93.33% to 94.25% (n = 10,000; METHODS.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from localstat.agreements import selectors, services
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import TrajectorySignOff
from localstat.agreements.tests.conftest import agree_and_sign
from localstat.chain.access import NotPermitted


def _agreed(assessed: Any, level: float) -> Any:
    negotiation = services.propose_targets(
        proposer=assessed.u1,
        service=assessed.health,
        title="A&E recovery",
        targets=[services.TargetSpec(indicator="AE4H", level=level, deadline=date(2019, 6, 30))],
        on=date(2018, 3, 1),
        acting_user=assessed.uma,
    )
    return agree_and_sign(assessed, negotiation, on=date(2018, 3, 20))


@pytest.mark.parametrize(
    ("level", "milestone", "status"),
    [
        (95.0, 93.3125, "on_track"),  # 93.8 meets 93.3125
        (95.85, 94.0031, "at_risk"),  # 93.8 misses 94.0031, but the upper limit 94.25 reaches it
        (99.0, 96.5625, "off_track"),  # 93.8 and its interval fall short of 96.5625
    ],
)
def test_trajectory_status_places_the_latest_approved_value_against_its_milestone(
    assessed: Any, level: float, milestone: float, status: str
) -> None:
    _agreed(assessed, level)
    found = selectors.trajectory_status([assessed.u1.pk, assessed.u2.pk], date(2019, 4, 30))
    assert found[assessed.u2.pk] == []
    (row,) = found[assessed.u1.pk]
    assert (row.period, row.value, row.status) == (date(2019, 3, 1), pytest.approx(93.8), status)
    assert row.milestone == pytest.approx(milestone, abs=0.001)
    assert row.upper_95 == pytest.approx(94.25, abs=0.01)
    assert row.signed_off is False


def test_an_earlier_as_of_reads_only_the_values_approved_for_periods_up_to_it(assessed: Any) -> None:
    _agreed(assessed, 95.0)
    (row,) = selectors.trajectory_status([assessed.u1.pk], date(2018, 6, 15))[assessed.u1.pk]
    # June 2018 (period start 1 June) is 80 + 0.6 × 14 = 88.4%; its milestone 86.0 + 4 × 0.5625 = 88.25
    assert row.period == date(2018, 6, 1)
    assert row.value == pytest.approx(88.4)
    assert row.milestone == pytest.approx(88.25)
    assert row.status == "on_track"


def test_the_responsible_manager_signs_off_a_trajectory_once(assessed: Any) -> None:
    _agreed(assessed, 95.0)
    sign_off = TrajectorySignOff.objects.get()
    with pytest.raises(NotPermitted):
        services.sign_off_trajectory(sign_off=sign_off, acting_user=assessed.morgan)
    services.sign_off_trajectory(sign_off=sign_off, acting_user=assessed.uma)
    with pytest.raises(AgreementError, match="was signed off by Uma"):
        services.sign_off_trajectory(sign_off=sign_off, acting_user=assessed.uma)
    (row,) = selectors.trajectory_status([assessed.u1.pk], date(2019, 4, 30))[assessed.u1.pk]
    assert (row.signed_off, row.signed_off_by) == (True, "Uma")


def test_trajectory_status_takes_a_handful_of_queries_whatever_the_units(
    assessed: Any, django_assert_max_num_queries: Any
) -> None:
    _agreed(assessed, 95.0)
    units = [assessed.u1.pk, assessed.u2.pk, assessed.u3.pk, assessed.u4.pk]
    with django_assert_max_num_queries(6):
        selectors.trajectory_status(units, date(2019, 4, 30))

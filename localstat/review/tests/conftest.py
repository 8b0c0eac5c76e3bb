"""The review's additions to the named scenario: North's monthly review cycle over its assessed units.

On top of the assessment's two years of approved A&E returns (``assessed``), the engine has run, so
every unit has judgements: Ashford (U1) improves from a low base, Bramley (U2) varies by chance.
North's cycle holds Ashford and Bramley to account, monthly, with Charlie as its challenger; its first
meeting is on 2 May 2019, hosted by Ashford. Today is 30 April 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import assessed  # noqa: F401  (the fixture this one builds on)
from localstat.review.models import ReviewCycle
from localstat.review.services import create_cycle

FIRST_MEETING = date(2019, 5, 2)


@dataclass
class Reviewed:
    assessed: Any
    cycle: ReviewCycle

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assessed, name)

    @property
    def first(self) -> Any:
        return self.cycle.meetings.get(number=1)


@pytest.fixture
def reviewed(assessed: Any) -> Reviewed:  # noqa: F811
    run_assessment(as_of=date(2019, 4, 30), acting_user=None, trigger="review tests")
    cycle = create_cycle(
        code="north-ae",
        name="North A&E performance review",
        body=assessed.north,
        service=assessed.health,
        cadence="monthly",
        challenger=assessed.charlie,
        units=[assessed.u1, assessed.u2],
        first_meeting=FIRST_MEETING,
        acting_user=assessed.morgan,
    )
    return Reviewed(assessed=assessed, cycle=cycle)

"""The framework's additions to the named scenario (see ``localstat/conftest.py``).

The Department of Health defines ``AE4H`` (A&E patients seen within 4 hours, an outcome, higher is
better, monthly) and ``AE_TRIAGE`` (patients triaged within 15 minutes, a process), and holds one
PSA, ``DH-PSA1``, to improve emergency care. The Department for Education defines ``KS2`` (pupils at
the expected standard, half-termly on Eastshire's school calendar). Nothing is agreed yet, and
today is 30 April 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from localstat.core.clock import set_reference_date
from localstat.framework import services
from localstat.framework.choices import Focus, Periodicity, Polarity, Statistic
from localstat.framework.models import PSA, Indicator
from localstat.framework.periods import Term


@dataclass
class Framework:
    scenario: Any
    ae4h: Indicator
    triage: Indicator
    ks2: Indicator
    psa: PSA

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scenario, name)


def proportion(**fields: Any) -> Indicator:
    base = {
        "valid_from": date(2016, 4, 1),
        "definition": fields.pop("definition", "A proportion for the tests."),
        "numerator_definition": "Those that count",
        "denominator_definition": "All",
        "statistic": Statistic.PROPORTION,
        "multiplier": 100,
        "display_unit": "%",
        "polarity": Polarity.HIGHER,
        "periodicity": Periodicity.MONTH,
        "acting_user": None,
    }
    return services.define_indicator(**{**base, **fields})


@pytest.fixture
def fw(scenario) -> Framework:
    # Time-based rules read the clock: the scenario lives on the demo's date.
    set_reference_date(date(2019, 4, 30), reason="framework tests")
    services.create_school_calendar(
        service=scenario.education,
        name="Eastshire schools",
        terms=[
            Term("Autumn 1", "2018/19", date(2018, 9, 3), date(2018, 10, 19)),
            Term("Autumn 2", "2018/19", date(2018, 10, 29), date(2018, 12, 19)),
        ],
        acting_user=None,
    )
    return Framework(
        scenario=scenario,
        ae4h=proportion(
            code="AE4H", name="A&E: patients seen within 4 hours", service=scenario.health, owner=scenario.dh
        ),
        triage=proportion(
            code="AE_TRIAGE",
            name="A&E: patients triaged within 15 minutes",
            service=scenario.health,
            owner=scenario.dh,
            focus=Focus.PROCESS,
        ),
        ks2=proportion(
            code="KS2",
            name="Pupils at the expected standard",
            service=scenario.education,
            owner=scenario.dfe,
            periodicity=Periodicity.HALF_TERM,
        ),
        psa=services.create_psa(
            code="DH-PSA1",
            department=scenario.dh,
            service=scenario.health,
            objective="Improve emergency care",
            outcome="Patients are seen, treated and admitted or discharged quickly.",
            starts_on=date(2016, 4, 1),
            ends_on=date(2020, 3, 31),
            acting_user=None,
        ),
    )

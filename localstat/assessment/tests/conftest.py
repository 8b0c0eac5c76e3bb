"""The assessment's additions to the named scenario: two years of approved A&E returns.

Ashford (U1) and Bramley (U2) under North, Carlton (U3) and Denton (U4) under South report ``AE4H``
monthly from April 2017 to March 2019. Ashford improves steadily from a low base; Denton is high
and flat; the others vary by chance. All returns are approved; today is 30 April 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from localstat.chain import services as chain
from localstat.chain.choices import Role
from localstat.core.clock import set_reference_date
from localstat.framework import services as framework
from localstat.framework.choices import Periodicity, Polarity, Statistic
from localstat.framework.models import Indicator
from localstat.returns.imports import import_file
from localstat.returns.services import ItemSpec, create_collection

MONTHS = [date(2017 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(24)]
ATTENDANCES = 10_000


def ashford(i: int) -> int:
    return 8000 + 60 * i  # 80.0% rising to 93.8%


def bramley(i: int) -> int:
    return 9000 + (70 if i % 2 else -70)


def carlton(i: int) -> int:
    return 9200 + (50 if i % 3 else -60)


def denton(i: int) -> int:
    return 9850 + (10 if i % 2 else -10)


SERIES = {"U1": ashford, "U2": bramley, "U3": carlton, "U4": denton}


@dataclass
class Assessed:
    scenario: Any
    indicator: Indicator
    morgan_of_south: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scenario, name)


def csv_for(values: dict[str, Any], months: list[date]) -> bytes:
    lines = ["unit,indicator,period,numerator,denominator"]
    lines += [
        f"{unit},AE4H,{month},{numerator(i)},{ATTENDANCES}"
        for unit, numerator in values.items()
        for i, month in enumerate(months)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def assessed(scenario: Any) -> Assessed:
    set_reference_date(date(2019, 4, 30), reason="assessment tests")
    indicator = framework.define_indicator(
        code="AE4H",
        name="A&E: seen within 4 hours",
        service=scenario.health,
        owner=scenario.dh,
        valid_from=date(2016, 4, 1),
        definition="Patients seen within 4 hours.",
        numerator_definition="Seen within 4 hours",
        denominator_definition="Attendances",
        statistic=Statistic.PROPORTION,
        multiplier=100,
        display_unit="%",
        polarity=Polarity.HIGHER,
        periodicity=Periodicity.MONTH,
        acting_user=None,
    )
    create_collection(
        code="AE-MONTHLY",
        name="A&E monthly",
        issuer=scenario.dh,
        service=scenario.health,
        periodicity=Periodicity.MONTH,
        deadline_days=20,
        first_period=MONTHS[0],
        items=[ItemSpec(indicator)],
        units=[scenario.u1, scenario.u2, scenario.u3, scenario.u4],
        acting_user=None,
    )
    import_file(content=csv_for(SERIES, MONTHS), name="ae.csv", approve=True, acting_user=None)
    # South needs its own performance manager to approve Carlton's and Denton's returns.
    south_manager = chain.create_person(username="piers", password="x" * 12, acting_user=None)
    chain.add_membership(
        user=south_manager, organisation=scenario.south, role=Role.PERFORMANCE_MANAGER, acting_user=None
    )
    return Assessed(scenario=scenario, indicator=indicator, morgan_of_south=south_manager)

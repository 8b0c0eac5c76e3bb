"""The returns' additions to the named scenario (see ``localstat/conftest.py``).

The Department of Health collects ``AE-MONTHLY`` from Ashford, Bramley, Carlton and Denton: the
4-hour proportions at type 1 and type 2 departments (``AE4H_T1``, ``AE4H_T2``), the admissions count
``ADM`` (required), and ``AE4H``, derived as the sum of the two types' stored values. Returns are due
20 days after the month ends; the first month asked for is April 2018; today is 30 April 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from localstat.core.clock import set_reference_date
from localstat.framework import services as framework
from localstat.framework.choices import Periodicity, Polarity, Statistic
from localstat.framework.models import Indicator
from localstat.returns.imports import ImportResult, import_file
from localstat.returns.models import Collection
from localstat.returns.services import ItemSpec, create_collection

HEADER = "unit,indicator,period,numerator,denominator\n"


@dataclass
class Returns:
    scenario: Any
    collection: Collection
    t1: Indicator
    t2: Indicator
    all_types: Indicator
    adm: Indicator

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scenario, name)


def indicator(scenario: Any, code: str, *, count: bool = False) -> Indicator:
    return framework.define_indicator(
        code=code,
        name=f"Test {code}",
        service=scenario.health,
        owner=scenario.dh,
        valid_from=date(2016, 4, 1),
        definition=f"{code} for the tests.",
        numerator_definition="Those counted",
        denominator_definition="" if count else "All",
        statistic=Statistic.COUNT if count else Statistic.PROPORTION,
        multiplier=1 if count else 100,
        display_unit="" if count else "%",
        polarity=Polarity.HIGHER,
        periodicity=Periodicity.MONTH,
        acting_user=None,
    )


@pytest.fixture
def ret(scenario) -> Returns:
    set_reference_date(date(2019, 4, 30), reason="returns tests")
    t1 = indicator(scenario, "AE4H_T1")
    t2 = indicator(scenario, "AE4H_T2")
    all_types = indicator(scenario, "AE4H")
    adm = indicator(scenario, "ADM", count=True)
    collection = create_collection(
        code="AE-MONTHLY",
        name="A&E monthly",
        issuer=scenario.dh,
        service=scenario.health,
        periodicity=Periodicity.MONTH,
        deadline_days=20,
        first_period=date(2018, 4, 1),
        items=[
            ItemSpec(t1),
            ItemSpec(t2),
            ItemSpec(adm, required=True),
            ItemSpec(all_types, derived_from=("AE4H_T1", "AE4H_T2")),
        ],
        units=[scenario.u1, scenario.u2, scenario.u3, scenario.u4],
        acting_user=None,
    )
    return Returns(scenario=scenario, collection=collection, t1=t1, t2=t2, all_types=all_types, adm=adm)


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode()


def load(content: bytes, **options: Any) -> ImportResult:
    options.setdefault("acting_user", None)
    return import_file(content=content, name="returns.csv", **options)

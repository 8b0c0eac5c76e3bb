"""The regime's additions to the named scenario: the assessed A&E chain and a rule set about it.

From ``assessed`` (localstat/assessment/tests/conftest.py): Ashford (U1) improves steadily from a
low base to 93.8%, Bramley (U2) and Carlton (U3) vary by chance around 90–92%, and Denton (U4) is
high (98.5%) and flat. Ada, the Department of Health's analyst, operates the rules below.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import assessed  # noqa: F401  (the fixture, shared)
from localstat.regime.services import draft_rule_set, publish_rule_set

AS_OF = date(2019, 4, 30)

RULES = """\
version: 1
title: Health rules
applies_to: units
baseline_freedoms:
  - freedom: local_delivery_methods
    title: Local choice of delivery methods
rules:
  - id: no-further-targets
    title: No further A&E targets
    consequence: {kind: freedom, freedom: no_further_targets, indicator: AE4H, months: 12}
    when:
      indicators:
        AE4H: {value: {at_least: 95}}
      periods: 6
    withdraw_when:
      indicators:
        AE4H: {value: {below: 95}}
  - id: letter
    title: Letter of recognition
    consequence: {kind: reward, reward: recognition}
    when:
      indicators:
        AE4H: {trend: {in: [improving]}}
  - id: grant
    title: Improvement grant
    consequence: {kind: reward, reward: grant, amount: 50000}
    when:
      indicators:
        AE4H: {trend: {in: [improving]}}
  - id: premium
    title: Access premium
    consequence: {kind: payment, amount: 100000, from: 2019-01-01}
    when:
      indicators:
        AE4H: {value: {at_least: 95}}
"""


@pytest.fixture
def run(assessed: Any) -> Any:  # noqa: F811
    return run_assessment(as_of=AS_OF, acting_user=None, trigger="regime tests")


@pytest.fixture
def published(assessed: Any, run: Any) -> Any:  # noqa: F811
    draft = draft_rule_set(
        operator=assessed.dh, service=assessed.health, source=RULES, acting_user=assessed.ada
    )
    return publish_rule_set(rule_set=draft, on=AS_OF, acting_user=assessed.ada)

"""The demo's inspection step: the CQC's plan for the NHS providers, and an inspection that moves a date."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from localstat.chain.models import Organisation
from localstat.demo import pipeline
from localstat.inspection import selectors
from localstat.inspection.models import CapacityAssessment, Inspection

AS_OF = date(2019, 4, 30)


#: The steps the inspection's own step reads (the regime, review and agreements only add pre-fill).
STEPS = ("chain", "framework", "returns", "assessment", "inspection")


@pytest.fixture
def demo(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    every = pipeline.discover_steps()
    monkeypatch.setattr(pipeline, "discover_steps", lambda: [step for step in every if step.name in STEPS])
    pipeline.build_demo(seed=2004, scale="small", progress=lambda message: None)


def test_the_demo_has_a_proportionate_plan_and_an_inspection_that_moved_a_date(demo, client) -> None:
    cqc = Organisation.objects.get(code="CQC")
    plan = selectors.inspection_plan(cqc, AS_OF)
    # every NHS provider has a place and a reason, in more than one tier
    assert plan.schedule.height > 200
    assert plan.schedule["reasons"].list.len().min() > 0
    assert plan.schedule["tier"].n_unique() == 3
    # Dorset County Hospital was inspected today, with a verified capacity assessment
    unit = Organisation.objects.get(code="RBD")
    inspection = Inspection.objects.get(unit=unit, visited_on=AS_OF)
    assert inspection.synthetic
    assert inspection.published_at is not None
    assert inspection.findings.count() >= 2
    assert inspection.plan["due"] < AS_OF.isoformat()  # it was overdue
    row = selectors.plan_row(plan, unit)
    assert row["due"] > AS_OF
    # the regime reads the capacity the inspection verified
    capacity = selectors.latest_capacity([unit.pk], AS_OF)[unit.pk]
    assert capacity.inspection_id == inspection.pk
    assert CapacityAssessment.objects.filter(unit=unit).count() == 2
    # and the inspector's pages work on the demo
    client.force_login(get_user_model().objects.get(username="inspector"))
    assert client.get("/inspection/").status_code == 200
    assert client.get("/inspection/units/RBD/").status_code == 200
    assert client.get("/inspection/backtest/").status_code == 200

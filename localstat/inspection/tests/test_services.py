"""Rules, the plan, inspections, capacity assessments and audit marks, through the services."""

from __future__ import annotations

from datetime import date

import pytest

from localstat.chain.access import NotPermitted
from localstat.core.models import AuditEvent
from localstat.inspection import selectors
from localstat.inspection.choices import CapacityStatus, Component
from localstat.inspection.errors import InspectionError
from localstat.inspection.models import CapacityAssessment, Inspection, InspectionRules
from localstat.inspection.services import (
    FindingSpec,
    assess_capacity,
    mark_returns_audited,
    publish_inspection_rules,
    record_inspection,
    self_assess_capacity,
    verify_capacity,
)
from localstat.inspection.tests.conftest import RULES_FILE, scores

AS_OF = date(2019, 4, 30)
FINDING = FindingSpec(
    kind="common_standard", subject="A&E within 4 hours", rating="met", evidence="93.8% in March."
)


def inspect(scenario, unit, **changes):
    values = {
        "unit": unit,
        "visited_on": date(2019, 4, 10),
        "judgement": "good",
        "summary": "Well led, data sound.",
        "scope": "A&E standards and performance management.",
        "findings": [FINDING],
        "support_offered": "A peer visit to Denton.",
        "acting_user": scenario.ines,
    }
    return record_inspection(**(values | changes))


def test_the_plan_places_every_health_unit_with_reasons_and_none_from_another_service(inspected):
    # when the CQC's plan is drawn up
    plan = selectors.inspection_plan(inspected.cqc, AS_OF)
    # then it holds the four health units, never the school, each with a tier, a due date and reasons
    assert sorted(plan.schedule["unit"]) == ["U1", "U2", "U3", "U4"]
    assert all(plan.schedule["reasons"].list.len() > 0)
    assert set(plan.schedule["tier"]) <= {"low", "medium", "high"}
    # never inspected, so each is due at once
    assert set(plan.schedule["due"]) == {AS_OF}


def test_an_inspection_with_a_strong_capacity_assessment_moves_the_units_next_date(inspected):
    # given Denton (high and steady) is due now, never having been inspected
    before = selectors.plan_row(selectors.inspection_plan(inspected.cqc, AS_OF), inspected.u4)
    assert before["due"] == AS_OF
    # when Ines inspects it and scores its capacity strong
    inspection = inspect(inspected, inspected.u4)
    assess_capacity(unit=inspected.u4, scores=scores(4), inspection=inspection, acting_user=inspected.ines)
    # then its next date is the visit plus its (lighter) tier's interval, and the plan says why
    after = selectors.plan_row(selectors.inspection_plan(inspected.cqc, AS_OF), inspected.u4)
    assert after["last_inspected"] == date(2019, 4, 10)
    assert after["due"] > AS_OF
    assert after["points"] < before["points"]
    assert any("capacity scored 4" in reason for reason in after["reasons"])
    # and the inspection keeps the unit's place in the plan on the day of its visit, before it
    assert inspection.plan["as_of"] == "2019-04-10"
    assert "no inspection on record (+2)" in inspection.plan["reasons"]
    assert AuditEvent.objects.filter(action="inspection.record_inspection").count() == 1


def test_an_inspection_without_findings_or_judgement_is_refused_and_nothing_is_written(inspected):
    with pytest.raises(InspectionError) as refused:
        inspect(inspected, inspected.u1, judgement="fine", findings=[], summary=" ")
    messages = " ".join(refused.value.messages)
    assert "overall judgement" in messages
    assert "at least one finding" in messages
    assert "Summarise" in messages
    assert Inspection.objects.count() == 0


def test_a_finding_without_evidence_is_refused(inspected):
    bad = FindingSpec(kind="local_outcome", subject="Delayed discharges", rating="not_met", evidence="")
    with pytest.raises(InspectionError, match="Finding 1: give the evidence"):
        inspect(inspected, inspected.u1, findings=[bad])


def test_an_inspection_in_the_future_is_refused(inspected):
    with pytest.raises(InspectionError, match="in the future"):
        inspect(inspected, inspected.u1, visited_on=date(2019, 6, 1))


@pytest.mark.parametrize("who", ["morgan", "uma", "ada"])
def test_only_the_inspectorate_records_inspections(inspected, who):
    with pytest.raises(NotPermitted):
        inspect(inspected, inspected.u1, acting_user=getattr(inspected, who))


def test_an_inspector_cannot_inspect_a_unit_of_a_service_their_inspectorate_does_not_inspect(inspected):
    with pytest.raises(NotPermitted):
        inspect(inspected, inspected.s1)


def test_latest_capacity_counts_an_inspectors_scores_and_a_verified_self_assessment_only(inspected):
    # given Ashford's unit manager self-assesses at 4 everywhere
    own = self_assess_capacity(
        unit=inspected.u1, scores=scores(4, "Our own view."), acting_user=inspected.uma
    )
    # then it does not count until verified
    assert selectors.latest_capacity([inspected.u1.pk], AS_OF) == {}
    # when Ines verifies it, lowering leadership to 2
    changed = scores(4, "Confirmed at the visit.") | {Component.LEADERSHIP: (2, "Turnover in the board.")}
    verification = verify_capacity(self_assessment=own, scores=changed, acting_user=inspected.ines)
    # then the verification counts, the unit's own scores are kept as written, and the change is recorded
    found = selectors.latest_capacity([inspected.u1.pk, inspected.u2.pk], AS_OF)
    assert list(found) == [inspected.u1.pk]
    assert found[inspected.u1.pk].pk == verification.pk
    assert found[inspected.u1.pk].overall_score == 3.6
    own.refresh_from_db()
    assert own.status == CapacityStatus.VERIFIED
    assert {s.score for s in own.scores.all()} == {4}
    event = AuditEvent.objects.get(action="inspection.verify_capacity")
    assert event.data["changed"] == {"leadership": [4, 2]}


def test_a_self_assessment_is_verified_only_once(inspected):
    own = self_assess_capacity(unit=inspected.u1, scores=scores(3), acting_user=inspected.uma)
    verify_capacity(self_assessment=own, scores=scores(3), acting_user=inspected.ines)
    with pytest.raises(InspectionError, match="only a self-assessment awaiting verification"):
        verify_capacity(self_assessment=own, scores=scores(2), acting_user=inspected.ines)


def test_latest_capacity_reads_as_of_a_date(inspected):
    assess_capacity(
        unit=inspected.u2, scores=scores(2), assessed_on=date(2018, 6, 1), acting_user=inspected.ines
    )
    newer = assess_capacity(unit=inspected.u2, scores=scores(3), acting_user=inspected.ines)
    assert (
        selectors.latest_capacity([inspected.u2.pk], date(2018, 12, 31))[inspected.u2.pk].overall_score == 2
    )
    assert selectors.latest_capacity([inspected.u2.pk], AS_OF)[inspected.u2.pk].pk == newer.pk
    assert selectors.latest_capacity([inspected.u2.pk], date(2018, 1, 1)) == {}


def test_a_capacity_assessment_needs_every_component_scored_with_evidence(inspected):
    partial = scores(3) | {Component.REVIEW: (5, "")}
    del partial[Component.ACCOUNTABILITY]
    with pytest.raises(InspectionError) as refused:
        assess_capacity(unit=inspected.u1, scores=partial, acting_user=inspected.ines)
    messages = " ".join(refused.value.messages)
    assert "Agreed lines of accountability: give a score" in messages
    assert "must be 1, 2, 3 or 4" in messages
    assert CapacityAssessment.objects.count() == 0


def test_only_the_unit_manager_self_assesses_their_own_unit(inspected):
    with pytest.raises(NotPermitted):
        self_assess_capacity(unit=inspected.u2, scores=scores(), acting_user=inspected.uma)
    with pytest.raises(NotPermitted):
        self_assess_capacity(unit=inspected.u1, scores=scores(), acting_user=inspected.sam)


def test_the_prefill_reads_timeliness_and_revisions_from_the_returns(inspected):
    assessment = assess_capacity(unit=inspected.u1, scores=scores(3), acting_user=inspected.ines)
    robust = assessment.prefill[Component.ROBUST_DATA]
    # the fixture's returns were all imported on one day, after their deadlines
    assert robust["facts"][0].startswith(
        "0 of 12 returns due in the last 12 months came in by their deadline"
    )
    assert robust["suggested"] == 1
    assert assessment.prefill[Component.LEADERSHIP]["facts"] == []


def test_an_inspector_marks_returns_audited_with_findings(inspected):
    mark = mark_returns_audited(
        unit=inspected.u1,
        period_start=date(2018, 4, 1),
        period_end=date(2019, 3, 31),
        outcome="reservations",
        findings="Two months' attendances counted twice.",
        acting_user=inspected.ines,
    )
    assert mark.returns == 12
    assessment = assess_capacity(unit=inspected.u1, scores=scores(3), acting_user=inspected.ines)
    assert "Verified with reservations" in assessment.prefill[Component.ROBUST_DATA]["facts"][-1]


def test_an_audit_of_a_period_with_no_returns_is_refused(inspected):
    with pytest.raises(InspectionError, match="nothing to audit"):
        mark_returns_audited(
            unit=inspected.u1,
            period_start=date(2015, 1, 1),
            period_end=date(2015, 12, 31),
            outcome="verified",
            findings="-",
            acting_user=inspected.ines,
        )


def test_the_unit_cannot_audit_its_own_returns(inspected):
    with pytest.raises(NotPermitted):
        mark_returns_audited(
            unit=inspected.u1,
            period_start=date(2018, 4, 1),
            period_end=date(2019, 3, 31),
            outcome="verified",
            findings="All fine.",
            acting_user=inspected.uma,
        )


def test_publishing_rules_makes_a_new_version_and_refuses_bad_or_unchanged_rules(inspected):
    text = RULES_FILE.read_text()
    with pytest.raises(InspectionError, match="already published as version 1"):
        publish_inspection_rules(inspectorate=inspected.cqc, text=text, acting_user=inspected.ines)
    with pytest.raises(InspectionError, match=r"tiers\[0\]\.depth"):
        publish_inspection_rules(
            inspectorate=inspected.cqc,
            text=text.replace("depth: light", "depth: deep"),
            acting_user=inspected.ines,
        )
    with pytest.raises(InspectionError, match="not valid YAML"):
        publish_inspection_rules(inspectorate=inspected.cqc, text="tiers: [", acting_user=inspected.ines)
    second = publish_inspection_rules(
        inspectorate=inspected.cqc,
        text=text.replace("interval_months: 36", "interval_months: 48"),
        note="High performers every four years",
        acting_user=inspected.ines,
    )
    assert second.version == 2
    assert InspectionRules.objects.count() == 2


def test_only_the_inspectorates_own_people_publish_its_rules(inspected):
    with pytest.raises(NotPermitted):
        publish_inspection_rules(
            inspectorate=inspected.cqc, text=RULES_FILE.read_text() + "\n", acting_user=inspected.ada
        )


def test_the_backtest_spreads_two_years_of_inspections(inspected):
    inspect(inspected, inspected.u4, visited_on=date(2017, 9, 1))
    result = selectors.backtest(selectors.inspection_plan(inspected.cqc, AS_OF))
    assert result.start == date(2017, 4, 1)
    assert result.by_unit["actual"].sum() == 1
    assert result.by_unit["under_rules"].sum() >= 4


def test_a_plan_as_of_a_date_before_any_assessment_reads_no_bands(inspected):
    plan = selectors.inspection_plan(inspected.cqc, date(2017, 1, 1))
    assert plan.assessed_as_of is None
    assert plan.schedule["band"].null_count() == 4
    assert all("no band yet (too little judged data) (+1)" in r for r in plan.schedule["reasons"])
    assert selectors.inspection_plan(inspected.cqc, AS_OF).assessed_as_of == AS_OF

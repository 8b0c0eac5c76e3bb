from __future__ import annotations

from datetime import date

import pytest

from localstat.assessment import analytics
from localstat.assessment.comparison import compare_runs
from localstat.assessment.models import AssessmentRun, Judgement, TierAssessment, UnitAssessment
from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import ATTENDANCES, MONTHS, SERIES, csv_for
from localstat.engine import ENGINE_VERSION
from localstat.returns.imports import import_file


def test_a_run_judges_every_unit_tier_body_and_the_nation_at_the_as_of_period(assessed) -> None:
    run = run_assessment(acting_user=assessed.ada, trigger="test")
    # given 4 units under 2 areas: 4 unit series, 2 pooled tier series, 1 national series
    levels = sorted(run.judgements.values_list("level", flat=True))
    assert levels == ["national", "tier", "tier", "unit", "unit", "unit", "unit"]
    assert set(run.judgements.values_list("period", flat=True)) == {date(2019, 3, 1)}
    assert run.engine_version == ENGINE_VERSION
    assert run.observations == 4 * 24
    assert run.created_by == assessed.ada


def test_values_are_the_approved_proportions_and_the_nation_is_pooled(assessed) -> None:
    run_assessment(acting_user=None)
    last = len(MONTHS) - 1
    u1 = Judgement.objects.get(is_current=True, organisation=assessed.u1)
    assert u1.value == pytest.approx(100 * SERIES["U1"](last) / ATTENDANCES)
    national = Judgement.objects.get(is_current=True, level="national")
    pooled = sum(f(last) for f in SERIES.values()) / (4 * ATTENDANCES)
    assert national.value == pytest.approx(100 * pooled)
    north = Judgement.objects.get(is_current=True, level="tier", organisation=assessed.north)
    assert north.value == pytest.approx(100 * (SERIES["U1"](last) + SERIES["U2"](last)) / (2 * ATTENDANCES))
    assert u1.parent == assessed.north


def test_a_steady_climb_from_a_low_base_is_improvement_not_failure(assessed) -> None:
    run_assessment(acting_user=None)
    ashford = Judgement.objects.get(is_current=True, organisation=assessed.u1)
    assert ashford.variation == "special_cause_improvement"
    assert ashford.trend == "improving"
    position = UnitAssessment.objects.get(is_current=True, organisation=assessed.u1)
    denton = UnitAssessment.objects.get(is_current=True, organisation=assessed.u4)
    assert position.position != denton.position
    assert denton.position in {"coasting", "coasting_and_declining"}


def test_a_second_run_supersedes_the_first_and_keeps_it(assessed) -> None:
    first = run_assessment(acting_user=None)
    second = run_assessment(acting_user=None)
    assert Judgement.objects.filter(run=first).count() == Judgement.objects.filter(run=second).count()
    assert not Judgement.objects.filter(run=first, is_current=True).exists()
    assert first.input_fingerprint == second.input_fingerprint
    assert compare_runs(first, second) == []
    assert TierAssessment.objects.filter(is_current=True).count() == 2


def test_two_runs_can_be_compared_after_a_correction(assessed) -> None:
    first = run_assessment(acting_user=None)
    # when Carlton corrects March 2019 and the correction is approved
    correction = (
        f"unit,indicator,period,numerator,denominator\nU3,AE4H,{MONTHS[-1]},7000,{ATTENDANCES}\n".encode()
    )
    import_file(
        content=correction,
        name="fix.csv",
        approve=True,
        reason="Breaches were under-counted",
        acting_user=None,
    )
    analytics.refresh(["AE4H"])
    second = run_assessment(acting_user=None)
    # then the comparison names Carlton's value and its fall below England
    changes = {
        c["organisation"]: {f: (old, new) for f, old, new in c["fields"]} for c in compare_runs(first, second)
    }
    assert changes["U3"]["value"] == (
        pytest.approx(100 * SERIES["U3"](23) / ATTENDANCES),
        pytest.approx(70.0),
    )
    assert first.input_fingerprint != second.input_fingerprint


def test_an_as_of_date_leaves_later_periods_out(assessed) -> None:
    run = run_assessment(as_of=date(2018, 12, 31), acting_user=None)
    assert set(run.judgements.values_list("period", flat=True)) == {date(2018, 12, 1)}


def test_the_analytics_copy_holds_exactly_the_approved_values(assessed) -> None:
    analytics.refresh(["AE4H"])
    frame = analytics.read(["AE4H"])
    assert frame.height == 4 * 24
    assert frame.filter(frame["unit"] == "U4")["numerator"].to_list() == [
        float(SERIES["U4"](i)) for i in range(24)
    ]


def test_a_run_is_recorded_with_its_timings(assessed) -> None:
    run = run_assessment(acting_user=None)
    stored = AssessmentRun.objects.get(pk=run.pk)
    assert stored.status == "complete"
    assert set(stored.timings) == {"read", "judge", "store"}


def test_csv_helper_writes_every_month(assessed) -> None:
    assert csv_for({"U1": SERIES["U1"]}, MONTHS[:2]).decode().count("\n") == 3


def test_only_department_analysts_and_administrators_start_runs(assessed) -> None:
    from localstat.chain.access import NotPermitted

    with pytest.raises(NotPermitted, match="morgan may not start an assessment run"):
        run_assessment(acting_user=assessed.morgan)
    assert not AssessmentRun.objects.exists()
    assert run_assessment(acting_user=assessed.alex).status == "complete"


def test_a_run_is_stamped_on_the_reference_date_not_the_wall_clock(assessed) -> None:
    # given a database built for 30 April 2019 (the fixture's reference date)
    run = run_assessment(acting_user=None)
    run.refresh_from_db()
    assert run.started_at.date() == date(2019, 4, 30)
    assert run.finished_at.date() == date(2019, 4, 30)
    assert run.finished_at >= run.started_at


def test_a_national_floor_target_is_the_standard_of_the_tier_record_before_its_deadline(assessed) -> None:
    from localstat.framework import services as framework
    from localstat.framework.choices import TargetKind

    # given no standard, and a national floor of 90% due only in March 2020
    psa = framework.create_psa(
        code="DH-PSA9",
        department=assessed.dh,
        service=assessed.health,
        objective="Faster A&E",
        outcome="Patients are seen quickly.",
        starts_on=date(2017, 4, 1),
        ends_on=date(2020, 3, 31),
        acting_user=assessed.ada,
    )
    target = framework.propose_psa_target(
        psa=psa,
        indicator=assessed.indicator,
        kind=TargetKind.FLOOR,
        level=90,
        deadline=date(2020, 3, 1),
        proposed_on=date(2017, 4, 1),
        acting_user=assessed.ada,
    )
    framework.agree_target(target=target, on=date(2017, 4, 2), acting_user=assessed.ada)
    framework.activate_target(target=target, on=date(2017, 4, 3), acting_user=assessed.ada)
    run_assessment(acting_user=None)
    # Bramley alternates 89.3% (April 2017) and 90.7%: it falls below the floor every other month
    # from June 2017 (11 times, the last in February 2019), each time back within a month; Ashford
    # starts below it and climbs past it without falling; Carlton and Denton stay above it.
    north = TierAssessment.objects.get(is_current=True, organisation=assessed.north)
    south = TierAssessment.objects.get(is_current=True, organisation=assessed.south)
    assert (north.falls, north.recovered) == (11, 11)
    assert north.evidence["not_recovered"] == north.evidence["recovery_pending"] == 0
    assert (south.falls, south.recovered) == (0, 0)

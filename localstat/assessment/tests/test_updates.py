"""Approving a return re-judges its indicators at once (near real time, report Annex A.2)."""

from __future__ import annotations

import pytest

from localstat.assessment.models import AssessmentRun, Judgement
from localstat.assessment.services import run_assessment
from localstat.assessment.tests.conftest import ATTENDANCES, MONTHS
from localstat.returns.imports import import_file
from localstat.returns.models import Return
from localstat.returns.services import approve_return


def _correct_carlton(numerator: int) -> Return:
    content = f"unit,indicator,period,numerator,denominator\nU3,AE4H,{MONTHS[-1]},{numerator},{ATTENDANCES}\n".encode()
    import_file(content=content, name="fix.csv", reason="Breaches were under-counted", acting_user=None)
    return Return.objects.get(unit__code="U3", period_start=MONTHS[-1])


def test_approving_a_correction_updates_the_units_judgement_and_the_cross_section(
    assessed, settings, django_capture_on_commit_callbacks
) -> None:
    settings.LOCALSTAT_FULL_RUN_ROWS = 10  # the copy is larger: only the indicator touched is re-judged
    run_assessment(acting_user=None)
    before_national = Judgement.objects.get(is_current=True, level="national").value
    correction = _correct_carlton(7000)
    # the submitted correction changes nothing yet
    assert Judgement.objects.get(is_current=True, organisation=assessed.u3).value == pytest.approx(92.5)
    with django_capture_on_commit_callbacks(execute=True):
        approve_return(return_record=correction, acting_user=assessed.morgan_of_south)
    update = AssessmentRun.objects.order_by("-id").first()
    assert update.scope == "update"
    assert update.indicators == ["AE4H"]
    carlton = Judgement.objects.get(is_current=True, organisation=assessed.u3)
    assert carlton.run == update
    assert carlton.value == pytest.approx(70.0)
    assert Judgement.objects.get(is_current=True, level="national").value < before_national


def test_nothing_is_judged_on_approval_before_the_first_full_run(
    assessed, django_capture_on_commit_callbacks
) -> None:
    correction = _correct_carlton(7000)
    with django_capture_on_commit_callbacks(execute=True):
        approve_return(return_record=correction, acting_user=assessed.morgan_of_south)
    assert not AssessmentRun.objects.exists()


def test_updates_can_be_switched_off(assessed, settings, django_capture_on_commit_callbacks) -> None:
    settings.LOCALSTAT_ASSESS_ON_APPROVAL = "off"
    run_assessment(acting_user=None)
    correction = _correct_carlton(7000)
    with django_capture_on_commit_callbacks(execute=True):
        approve_return(return_record=correction, acting_user=assessed.morgan_of_south)
    assert AssessmentRun.objects.count() == 1


def test_a_small_chain_is_re_judged_whole_so_positions_stay_current(
    assessed, django_capture_on_commit_callbacks
) -> None:
    run_assessment(acting_user=None)
    correction = _correct_carlton(7000)
    with django_capture_on_commit_callbacks(execute=True):
        approve_return(return_record=correction, acting_user=assessed.morgan_of_south)
    update = AssessmentRun.objects.order_by("-id").first()
    assert update.scope == "full"
    assert update.trigger == "approval of 1 return(s)"
    assert update.unit_assessments.filter(organisation=assessed.u3).exists()

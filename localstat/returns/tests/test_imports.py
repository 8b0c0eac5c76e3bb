"""The one import service: all-or-nothing, idempotent, append-only, with derived items and checks."""

from __future__ import annotations

import pytest

from localstat.core.models import AuditEvent
from localstat.returns.choices import ReturnStatus
from localstat.returns.errors import ImportRejected
from localstat.returns.models import ImportBatch, Observation, QualityWarning, Return
from localstat.returns.selectors import observations_out_of_step
from localstat.returns.tests.conftest import csv, load

MARCH = (
    "U1,AE4H_T1,2019-03-01,900,1000",
    "U1,AE4H_T2,2019-03-01,190,200",
    "U1,ADM,2019-03-01,250,",
)


def _tables() -> dict[str, int]:
    return {
        "observations": Observation.objects.count(),
        "returns": Return.objects.count(),
        "batches": ImportBatch.objects.count(),
        "warnings": QualityWarning.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _errors(content: bytes, **options) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        load(content, **options)
    return [str(e) for e in caught.value.errors]


def test_a_file_becomes_submitted_returns_with_one_revision_per_value(ret) -> None:
    # when Ashford's March values are imported
    result = load(csv(*MARCH))
    # then each value is stored as revision 1, plus AE4H derived from the two types
    assert result.summary == "4 new, 0 changed, 0 unchanged"
    assert result.derived == 1
    march = Return.objects.get(unit=ret.u1, period_start="2019-03-01")
    assert march.status == ReturnStatus.SUBMITTED
    assert str(march.received_on) == "2019-04-30"
    values = {
        (o.indicator.code, o.revision): (o.numerator, o.denominator)
        for o in Observation.objects.select_related("indicator")
    }
    assert values == {
        ("AE4H_T1", 1): (900.0, 1000.0),
        ("AE4H_T2", 1): (190.0, 200.0),
        ("ADM", 1): (250.0, None),
        ("AE4H", 1): (1090.0, 1200.0),
    }
    # and every key the database does not check is in step with the return and the definitions
    assert observations_out_of_step() == 0


def test_importing_identical_data_again_writes_nothing_at_all(ret) -> None:
    # given the file was imported once
    load(csv(*MARCH))
    before = _tables()
    stamps = list(Return.objects.values_list("updated_at", flat=True))
    # when it is imported again
    result = load(csv(*MARCH))
    # then nothing is written anywhere: no revision, no log row, no timestamp change
    assert result.summary == "0 new, 0 changed, 4 unchanged"
    assert _tables() == before
    assert list(Return.objects.values_list("updated_at", flat=True)) == stamps


def test_one_bad_row_means_nothing_is_written_and_every_error_is_listed(ret) -> None:
    before = _tables()
    content = csv(
        "U1,AE4H_T1,2019-03-01,900,1000",
        "U9,AE4H_T1,2019-03-01,900,1000",
        "U1,AE4H_T2,2019-03-05,1,2",
        "U1,NOPE,2019-03-01,1,2",
        "U2,AE4H_T1,2019-03-01,1200,1000",
        "U1,AE4H,2019-03-01,1,2",
        "U3,AE4H_T1,2020-01-01,1,2",
        "S1,AE4H_T1,2019-03-01,1,2",
    )
    errors = _errors(content)
    assert errors == [
        "row 2 (line 3), field unit: 'U9' is not the code of a LocalStat organisation",
        "row 3 (line 4), field period: 2019-03-05 does not start a month: a month starts on its 1st",
        "row 4 (line 5), field indicator: 'NOPE' is not an indicator code",
        "row 5 (line 6), field numerator: 1200 is more than the denominator 1000: a proportion's part cannot exceed its whole",
        "row 6 (line 7), field indicator: AE4H is derived from other items' stored values, so it is not submitted",
        "row 7 (line 8), field period: 2020-01-01 has not begun yet (today is 2019-04-30)",
        "row 8 (line 9), field indicator: AE4H_T1 is not asked of S1 by any collection",
    ]
    assert _tables() == before


def test_the_derived_item_sums_the_stored_values_of_every_type(ret) -> None:
    # given type 1 was returned on its own
    load(csv("U1,AE4H_T1,2019-03-01,900,1000", "U1,ADM,2019-03-01,250,"))
    assert Observation.objects.get(indicator=ret.all_types, is_current=True).numerator == 900
    # when type 2 arrives later in a file of its own
    result = load(csv("U1,AE4H_T2,2019-03-01,190,200"))
    # then AE4H is re-derived from both stored types, as a new revision
    assert result.summary == "1 new, 1 changed, 0 unchanged"
    current = Observation.objects.get(indicator=ret.all_types, is_current=True)
    assert (current.numerator, current.denominator, current.revision) == (1090.0, 1200.0, 2)
    assert observations_out_of_step() == 0


def test_a_count_has_no_denominator_and_a_proportion_needs_one(ret) -> None:
    errors = _errors(csv("U1,ADM,2019-03-01,250,300", "U1,AE4H_T1,2019-03-01,900,"))
    assert errors == [
        "row 1 (line 2), field denominator: must be empty: ADM is a count",
        "row 2 (line 3), field denominator: is required: AE4H_T1 is a proportion",
    ]


def test_a_required_item_missing_from_a_return_is_an_error_on_its_first_row(ret) -> None:
    errors = _errors(csv("U1,AE4H_T1,2019-03-01,900,1000"))
    assert errors == [
        "row 1 (line 2), field indicator: ADM is required in every return of AE-MONTHLY, and U1 2019-03-01 gives none"
    ]
    # a required item stored earlier counts
    load(csv("U1,ADM,2019-03-01,250,"))
    assert load(csv("U1,AE4H_T1,2019-03-01,900,1000")).new == 2


def test_a_changed_approved_value_is_a_correction_that_needs_a_reason(ret) -> None:
    # given an approved return
    load(csv(*MARCH), approve=True)
    # when a file changes one of its values without a reason, it is refused
    errors = _errors(csv("U1,AE4H_T1,2019-03-01,910,1000"))
    assert errors == [
        "row 1 (line 2), field numerator: changes the approved value 900 / 1000 (revision 1) of AE4H_T1 2019-03-01: a correction needs a reason"
    ]
    # with a reason, it is a new revision and the return needs approval again
    result = load(csv("U1,AE4H_T1,2019-03-01,910,1000"), reason="Ten breaches were recounted")
    assert result.summary == "0 new, 2 changed, 0 unchanged"
    revisions = Observation.objects.filter(indicator=ret.t1).order_by("revision")
    assert [(o.revision, o.numerator, o.is_current, o.approved_current) for o in revisions] == [
        (1, 900.0, False, True),
        (2, 910.0, True, False),
    ]
    assert revisions[1].reason == "Ten breaches were recounted"
    assert Return.objects.get(unit=ret.u1, period_start="2019-03-01").status == ReturnStatus.SUBMITTED


def test_a_dry_run_checks_and_counts_but_writes_nothing(ret) -> None:
    before = _tables()
    result = load(csv(*MARCH), dry_run=True)
    assert result.summary == "4 new, 0 changed, 0 unchanged"
    assert _tables() == before


def test_a_submitter_may_import_only_their_own_units_returns(ret) -> None:
    errors = _errors(csv("U1,ADM,2019-03-01,250,", "U2,ADM,2019-03-01,250,"), acting_user=ret.sam)
    assert errors == ["row 2 (line 3), field unit: sam may not submit returns for U2"]
    assert load(csv("U1,ADM,2019-03-01,250,"), acting_user=ret.sam).new == 1


def test_approving_on_import_needs_the_managers_permission(ret) -> None:
    errors = _errors(csv("U1,ADM,2019-03-01,250,"), acting_user=ret.sam, approve=True)
    assert errors == ["row 1 (line 2), field unit: sam may not approve returns for U1"]

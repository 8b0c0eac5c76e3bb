"""The demo's returns: the real NHS file and the synthetic chains, in through the import service."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count, F
from django.utils import timezone

from localstat.demo.testing import module_demo
from localstat.returns.choices import ReturnStatus
from localstat.returns.models import Collection, ImportBatch, Observation, Return
from localstat.returns.selectors import observations_out_of_step

pytestmark = pytest.mark.django_db
demo = module_demo(only=("returns",))


def test_the_nhs_file_is_every_providers_approved_monthly_returns(demo) -> None:
    nhs = Return.objects.filter(collection__code="NHS-AE").exclude(status=ReturnStatus.AWAITING)
    assert nhs.values("unit").distinct().count() == 274
    assert nhs.values("period_start").distinct().count() == 36
    # all approved but the demo area's last month, left for its manager
    waiting = nhs.filter(status=ReturnStatus.SUBMITTED)
    assert set(waiting.values_list("unit__chain_links__accountable_to__code", flat=True)) == {"Q70"}
    assert set(waiting.values_list("period_start", flat=True)) == {nhs.latest("period_start").period_start}
    assert nhs.filter(status=ReturnStatus.APPROVED).count() == nhs.count() - waiting.count()
    # the history came in on time, recorded as received on each deadline
    assert not nhs.exclude(received_on__lte=F("deadline")).exists()


def test_ae4h_is_derived_from_the_stored_per_type_values(demo) -> None:
    march = Observation.objects.filter(unit__code="RBD", period_start="2019-03-01", is_current=True)
    by = {o.indicator.code: o for o in march.select_related("indicator")}
    parts = [by[c] for c in ("AE4H_T1", "AE4H_T2", "AE4H_OTH") if c in by]
    assert by["AE4H"].derived
    assert by["AE4H"].numerator == sum(p.numerator for p in parts)
    assert by["AE4H"].denominator == sum(p.denominator for p in parts)
    assert observations_out_of_step() == 0


def test_the_synthetic_returns_are_labelled_and_at_their_real_frequencies(demo) -> None:
    periodicity = dict(Collection.objects.filter(synthetic=True).values_list("code", "periodicity"))
    assert periodicity == {
        "EDU-WEEKLY": "week",
        "EDU-HALFTERM": "half_term",
        "POL-MONTHLY": "month",
        "LG-QUARTERLY": "quarter",
    }
    assert not Collection.objects.filter(synthetic=False).exclude(code="NHS-AE").exists()
    counts = dict(
        Observation.objects.values_list("return_record__collection__code")
        .annotate(n=Count("id"))
        .values_list("return_record__collection__code", "n")
    )
    assert all(counts[code] > 100 for code in periodicity)
    # everything came in through the one import service
    assert set(ImportBatch.objects.values_list("source", flat=True)) == {"demo"}


def test_the_gateway_refused_the_second_absence_collection(demo) -> None:
    assert not Collection.objects.filter(code="BVPI-ABSENCE").exists()
    weekly = Collection.objects.get(code="EDU-WEEKLY")
    assert list(weekly.issuer_links.values_list("organisation__code", flat=True)) == ["DFE", "MHCLG"]


def test_the_tick_found_the_returns_left_missing(demo) -> None:
    overdue = Return.objects.filter(status=ReturnStatus.AWAITING, overdue_noted_on__isnull=False)
    assert overdue.filter(collection__code="EDU-WEEKLY").exists()


def test_the_demo_queues_no_background_re_judgement_of_its_history(demo) -> None:
    from django_tasks_db.models import DBTaskResult

    # the assessment step judges the whole history once; nothing is left to re-run it on first serve
    assert not DBTaskResult.objects.filter(task_path__endswith="update_after_approval").exists()


def test_the_demo_records_its_history_as_approved_on_the_day_each_return_came_in(demo) -> None:
    approved = Return.objects.filter(status=ReturnStatus.APPROVED)
    assert approved.count() > 1000
    # each return approved the day it was received (its deadline), never after the demo's date
    days = {
        (moment.date(), received) for moment, received in approved.values_list("approved_at", "received_on")
    }
    assert all(day == received for day, received in days)
    assert max(day for day, _ in days) <= date(2019, 4, 30)
    assert len({day for day, _ in days}) > 30  # month by month, not all at once
    # and each approved value carries its return's approval day
    rbd = Observation.objects.filter(
        unit__code="RBD", period_start="2018-06-01", approved_current=True
    ).first()
    assert timezone.localdate(rbd.approved_at) <= rbd.return_record.received_on
    # while the import itself happened on the demo's date
    assert not Observation.objects.exclude(created_at__date=date(2019, 4, 30)).exists()

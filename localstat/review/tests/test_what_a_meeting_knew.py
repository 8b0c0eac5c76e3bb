"""What a briefing and a unit's history may present: only data current for the meeting's period, and
only what the meeting could have seen before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.urls import reverse

from localstat.assessment.models import Judgement
from localstat.returns.models import Observation, Return
from localstat.review import services
from localstat.review.choices import ItemKind
from localstat.review.documents import display_context
from localstat.review.selectors import history_of, movements_after


def _bramley_stopped_reporting_after(reviewed, last: date) -> None:
    """Bramley sent no values after ``last``; its judgement is what the engine makes of a silent unit
    (as for Dorset Healthcare in the demo): the run's period, no value, the series' last period in the
    evidence, and an assurance read from the old values."""
    Observation.objects.filter(unit=reviewed.u2, period_start__gt=last).delete()
    for judgement in Judgement.objects.filter(is_current=True, organisation=reviewed.u2):
        judgement.value = None
        judgement.assurance = "consistent_pass"
        judgement.evidence = {**judgement.evidence, "last_period": last.isoformat()}
        judgement.save(update_fields=["value", "assurance", "evidence"])


def test_a_unit_silent_for_months_is_late_data_in_the_briefing_not_performance_or_good_practice(
    reviewed,
) -> None:
    # given Bramley has no approved value since June 2018, and the run judges March 2019
    _bramley_stopped_reporting_after(reviewed, date(2018, 6, 1))
    # when the briefing is generated
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    bramley = list(briefing.items.filter(organisation=reviewed.u2))
    # then Bramley appears once, as missing or late data, and nothing presents its old values as current
    assert [(i.kind, i.headline) for i in bramley] == [
        (
            ItemKind.LATE_DATA,
            "Bramley Hospital: no approved value since June 2018 on 1 indicator judged for March 2019, "
            "so its performance is not known.",
        )
    ]
    assert not briefing.items.filter(organisation=reviewed.u2, kind=ItemKind.SUCCESS).exists()
    # and Ashford, reporting to March 2019, is still judged as before
    assert briefing.items.filter(organisation=reviewed.u1, kind=ItemKind.SUCCESS).exists()


def test_a_unit_a_couple_of_months_behind_is_still_judged_as_current(reviewed) -> None:
    # given Bramley's latest approved value is for January 2019, two months before the run's period
    _bramley_stopped_reporting_after(reviewed, date(2019, 1, 1))
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    # then it is not listed as late data
    assert not briefing.items.filter(kind=ItemKind.LATE_DATA).exists()


def test_the_meeting_room_display_shows_a_silent_unit_as_late_not_as_its_old_value(reviewed, client) -> None:
    _bramley_stopped_reporting_after(reviewed, date(2018, 6, 1))
    context = display_context(reviewed.first, reviewed.cycle)
    tiles = {t.organisation.code: t for row in context["rows"] for t in row["tiles"]}
    # then Bramley's tile says it is late, with no value, variation or trend as if current
    bramley = tiles["U2"]
    assert (bramley.stale, bramley.value, bramley.variation, bramley.trend, bramley.period) == (
        True,
        "No recent data",
        "",
        "",
        date(2018, 6, 1),
    )
    assert not tiles["U1"].stale
    client.force_login(reviewed.morgan)
    page = client.get(reverse("review:display", args=[reviewed.cycle.pk])).content.decode()
    assert "Late: the latest approved value is for June 2018" in page


def _held(reviewed, on: date):
    meeting = reviewed.first
    meeting.scheduled_for = on
    meeting.save(update_fields=["scheduled_for"])
    services.hold_meeting(meeting=meeting, acting_user=None)
    meeting.refresh_from_db()
    return meeting


def test_the_history_shows_before_a_meeting_only_what_was_approved_before_it(reviewed) -> None:
    # given Ashford's returns were each received on their deadline (20 days after the period) and
    # approved the next day, except March 2019's, received on 20 April and approved on 30 April
    for ret in Return.objects.filter(unit=reviewed.u1):
        ret.received_on = ret.period_end + timedelta(days=20)
        ret.save(update_fields=["received_on"])
        approved = datetime.combine(ret.received_on + timedelta(days=1), time(9), tzinfo=UTC)
        if ret.period_start == date(2019, 3, 1):
            approved = datetime(2019, 4, 30, 9, tzinfo=UTC)
        Observation.objects.filter(return_record=ret).update(approved_at=approved)
    # when a meeting held on 2 April 2019 looks back (March has ended; its data came later)
    meeting = _held(reviewed, date(2019, 4, 2))
    rows = movements_after(reviewed.u1, history_of(reviewed.u1))[meeting.pk]
    (row,) = rows
    # then before the meeting is February 2019 (approved 21 March), and afterwards March 2019
    assert (row.before_period, row.before) == (date(2019, 2, 1), "93.2%")
    assert (row.after_period, row.after, row.change) == (date(2019, 3, 1), "93.8%", "better")


def test_a_value_approved_after_the_meeting_is_not_what_it_saw_even_for_an_older_period(reviewed) -> None:
    # given every Ashford value was received in time but February 2019's was approved only on 10 April
    Return.objects.filter(unit=reviewed.u1).update(received_on=date(2019, 3, 20))
    Observation.objects.filter(unit=reviewed.u1).update(approved_at=datetime(2019, 3, 21, 9, tzinfo=UTC))
    Observation.objects.filter(unit=reviewed.u1, period_start__gte=date(2019, 2, 1)).update(
        approved_at=datetime(2019, 4, 10, 9, tzinfo=UTC)
    )
    meeting = _held(reviewed, date(2019, 4, 2))
    (row,) = movements_after(reviewed.u1, history_of(reviewed.u1))[meeting.pk]
    # then the meeting saw January 2019
    assert row.before_period == date(2019, 1, 1)


def test_moments_of_record_are_on_the_databases_reference_date(reviewed) -> None:
    # given the database is built for 30 April 2019 (the fixture's reference date)
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    briefing = services.issue_briefing(briefing=briefing, acting_user=reviewed.charlie)
    # then it was generated and issued on that date, whatever the wall clock says
    assert briefing.generated_at.date() == date(2019, 4, 30)
    assert briefing.issued_at.date() == date(2019, 4, 30)

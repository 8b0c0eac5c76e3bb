"""review_record: what inspection reads of a body's and a unit's reviews."""

from __future__ import annotations

from datetime import date

from localstat.review import services
from localstat.review.selectors import review_record


def test_an_organisation_in_no_cycle_has_an_empty_record(reviewed) -> None:
    record = review_record([reviewed.u3.pk], date(2019, 6, 30))[reviewed.u3.pk]
    assert (record.cycles, record.cadence, record.meetings_held, record.actions_due) == (0, "", 0, 0)
    assert record.share_done_by_due_date is None


def test_the_record_counts_meetings_held_and_actions_done_by_their_due_date(reviewed, monkeypatch) -> None:
    # given the first meeting (2 May 2019) set two actions for Ashford, one done on time, one never done
    monkeypatch.setenv("LOCALSTAT_TODAY", "2019-05-02")
    first = reviewed.first
    kept, _missed = (
        services.record_action(
            meeting=first,
            organisation=reviewed.u1,
            description=text,
            owner=reviewed.uma,
            due_on=date(2019, 5, 20),
            acting_user=reviewed.morgan,
        )
        for text in ("Open a second triage stream", "Recruit two A&E consultants")
    )
    services.hold_meeting(meeting=first, acting_user=reviewed.morgan)
    monkeypatch.setenv("LOCALSTAT_TODAY", "2019-05-15")
    services.update_action(action=kept, note="Open", done=True, acting_user=reviewed.uma)
    # when inspection reads the record at the end of June for North, Ashford and Bramley
    ids = [reviewed.north.pk, reviewed.u1.pk, reviewed.u2.pk]
    records = review_record(ids, date(2019, 6, 30))
    north, ashford, bramley = (records[i] for i in ids)
    # then North ran one monthly cycle and held one meeting; both actions fell due, one done on time
    assert (north.cycles, north.cadence, north.cadence_days, north.meetings_held) == (1, "monthly", 30, 1)
    assert (north.actions_due, north.actions_done_by_due_date, north.actions_overdue) == (2, 1, 1)
    # and Ashford's record is the same; Bramley was held to account but set no actions
    assert (ashford.meetings_held, ashford.actions_due, ashford.actions_done_by_due_date) == (1, 2, 1)
    assert (bramley.cycles, bramley.meetings_held, bramley.actions_due) == (1, 1, 0)
    # and read before the meeting was held, nothing counts yet
    early = review_record(ids, date(2019, 5, 1))[reviewed.north.pk]
    assert (early.meetings_held, early.actions_due) == (0, 0)


def test_the_record_takes_a_fixed_number_of_queries(reviewed, django_assert_max_num_queries) -> None:
    ids = [reviewed.north.pk, reviewed.u1.pk, reviewed.u2.pk, reviewed.u3.pk, reviewed.u4.pk]
    with django_assert_max_num_queries(6):
        review_record(ids, date(2019, 6, 30))

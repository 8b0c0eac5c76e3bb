"""The demo's review: Q70's monthly cycle, a briefing from the real A&E data, open actions, an escalation."""

from __future__ import annotations

from datetime import date

import pytest

from localstat.demo.pipeline import build_demo
from localstat.review.choices import ItemKind
from localstat.review.models import Action, Briefing, ReviewCycle
from localstat.review.selectors import agenda_for, next_meeting, review_record


@pytest.fixture
def demo(db) -> None:
    build_demo(seed=2004, progress=lambda message: None)


def test_the_demo_cycle_briefs_the_next_meeting_from_the_data_and_escalates_an_action(demo) -> None:
    cycle = ReviewCycle.objects.get(code="q70-ae-monthly")
    # a monthly Wessex cycle, with the challenger login as challenger, its records marked synthetic
    assert (cycle.body.code, cycle.cadence, cycle.challenger.username, cycle.synthetic) == (
        "Q70",
        "monthly",
        "challenger",
        True,
    )
    # the next meeting, on 2 May 2019 at Dorset County Hospital, was briefed 48 hours before, from the data
    meeting = next_meeting(cycle, date(2019, 4, 30))
    assert (meeting.scheduled_for, meeting.host.code) == (date(2019, 5, 2), "RBD")
    briefing = Briefing.objects.get(meeting=meeting)
    assert briefing.as_of == date(2019, 4, 30)
    kinds = set(briefing.items.values_list("kind", flat=True))
    assert {
        ItemKind.SPECIAL_CAUSE_CONCERN,
        ItemKind.OFF_TRAJECTORY,
        ItemKind.OVERDUE_RETURN,
        ItemKind.OPEN_INTERVENTION,
        ItemKind.SUCCESS,
    } <= kinds
    assert briefing.items.filter(scope="host", organisation__code="RBD").exists()
    # its agenda opens with the actions still open, the escalated one first
    agenda = agenda_for(meeting)
    assert agenda.open_actions[0].action.description == (
        "Agree a joint plan with the ambulance service to cut handover delays"
    )
    assert agenda.open_actions[0].escalated
    assert len(agenda.open_actions) == 3
    # the tick flagged the overdue actions
    assert set(
        Action.objects.filter(overdue_noted_on=date(2019, 4, 30)).values_list("due_on", flat=True)
    ) == {
        date(2019, 2, 28),
        date(2019, 4, 19),
    }
    # and inspection reads four meetings held in Q70's record
    assert review_record([cycle.body_id], date(2019, 4, 30))[cycle.body_id].meetings_held == 4

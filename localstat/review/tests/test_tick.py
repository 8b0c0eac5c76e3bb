"""The review's time rules: briefings 48 hours ahead, overdue actions, late follow-up notes."""

from __future__ import annotations

from datetime import date

from django.core import mail

from localstat.core.audit import AuditEvent
from localstat.returns.tick import run_tick
from localstat.review import services
from localstat.review.models import Action, Briefing
from localstat.review.tick import flag_overdue_actions, prepare_briefings, remind_follow_ups


def test_the_briefing_is_generated_48_hours_before_the_meeting_and_the_challenger_told(
    reviewed, django_capture_on_commit_callbacks
) -> None:
    reviewed.charlie.email = "charlie@example.org"
    reviewed.charlie.save()
    # three days before: nothing yet
    assert prepare_briefings(date(2019, 4, 29)) == "0 briefings generated"
    # two days before (the meeting is on 2 May): the briefing is made, once
    with django_capture_on_commit_callbacks(execute=True):
        assert prepare_briefings(date(2019, 4, 30)) == "1 briefings generated"
    assert prepare_briefings(date(2019, 4, 30)) == "0 briefings generated"
    assert Briefing.objects.get().as_of == date(2019, 4, 30)
    assert [m.to for m in mail.outbox] == [["charlie@example.org"]]


def test_an_overdue_action_is_flagged_once_and_its_owner_reminded(
    reviewed, django_capture_on_commit_callbacks
) -> None:
    reviewed.uma.email = "uma@example.org"
    reviewed.uma.save()
    services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 20),
        acting_user=reviewed.morgan,
    )
    assert flag_overdue_actions(date(2019, 5, 20)) == "0 actions overdue (0 newly noted)"
    with django_capture_on_commit_callbacks(execute=True):
        assert flag_overdue_actions(date(2019, 5, 21)) == "1 actions overdue (1 newly noted)"
    assert flag_overdue_actions(date(2019, 5, 22)) == "1 actions overdue (0 newly noted)"
    assert Action.objects.get().overdue_noted_on == date(2019, 5, 21)
    assert [m.to for m in mail.outbox] == [["uma@example.org"]]
    assert AuditEvent.objects.filter(action="review.note_overdue_action").count() == 1


def test_a_follow_up_note_late_by_more_than_two_days_is_flagged_once(reviewed) -> None:
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    assert remind_follow_ups(date(2019, 5, 2)) == "0 follow-up notes newly overdue"
    assert remind_follow_ups(date(2019, 5, 3)) == "1 follow-up notes newly overdue"
    assert remind_follow_ups(date(2019, 5, 4)) == "0 follow-up notes newly overdue"


def test_localstat_tick_runs_the_review_rules_after_the_overdue_returns(reviewed) -> None:
    names = [name for name, _ in run_tick(date(2019, 4, 30))]
    assert names.index("overdue_returns") < names.index("review_briefings")
    assert {"review_overdue_actions", "review_follow_ups"} <= set(names)

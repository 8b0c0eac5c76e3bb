"""Cycles, briefings, meetings and actions through the services: the rules and who may not."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from localstat.chain.access import NotPermitted
from localstat.core.audit import AuditEvent
from localstat.review import services
from localstat.review.choices import ActionStatus, ItemKind, MeetingStatus
from localstat.review.errors import ReviewError
from localstat.review.models import Action, Commitment, Meeting, ReviewCycle
from localstat.review.selectors import agenda_for


def _cycle_kwargs(r, **changes):
    return {
        "code": "north-2",
        "name": "Another review",
        "body": r.north,
        "service": r.health,
        "cadence": "monthly",
        "challenger": r.charlie,
        "units": [r.u1, r.u2],
        "first_meeting": date(2019, 6, 1),
        "acting_user": r.morgan,
        **changes,
    }


def test_a_cycle_opens_with_its_first_meeting_hosted_by_the_first_unit(reviewed) -> None:
    # given the cycle the fixture set up
    meeting = reviewed.first
    # then its first meeting is at Ashford on the first date, and nothing warns about the cadence
    assert (meeting.host, meeting.scheduled_for, meeting.status) == (
        reviewed.u1,
        date(2019, 5, 2),
        "scheduled",
    )
    assert reviewed.cycle.cadence_warning == ""


def test_it_refuses_a_cadence_shorter_than_the_datas_refresh(reviewed) -> None:
    # when North asks for weekly meetings on monthly A&E data
    with pytest.raises(ReviewError, match="refreshed only every 30 days"):
        services.create_cycle(**_cycle_kwargs(reviewed, cadence="weekly"))
    # then no cycle is made
    assert not ReviewCycle.objects.filter(code="north-2").exists()


def test_it_warns_when_meetings_are_more_than_six_weeks_apart(reviewed) -> None:
    cycle = services.create_cycle(**_cycle_kwargs(reviewed, cadence="quarterly"))
    assert "more than 6 weeks apart" in cycle.cadence_warning


def test_a_cycle_holds_only_the_bodys_own_units_to_account(reviewed) -> None:
    with pytest.raises(ReviewError, match="U3 does not answer to North"):
        services.create_cycle(**_cycle_kwargs(reviewed, units=[reviewed.u1, reviewed.u3], acting_user=None))


def test_the_challenger_must_hold_the_challenger_role_at_the_body(reviewed) -> None:
    with pytest.raises(ReviewError, match="morgan is not a challenger at North"):
        services.create_cycle(**_cycle_kwargs(reviewed, challenger=reviewed.morgan))


def test_another_bodys_manager_may_not_set_up_a_cycle_for_north(reviewed) -> None:
    with pytest.raises(NotPermitted):
        services.create_cycle(**_cycle_kwargs(reviewed, acting_user=reviewed.morgan_of_south))
    assert not ReviewCycle.objects.filter(code="north-2").exists()


def test_the_briefing_reads_exceptions_and_successes_from_the_judgements(reviewed) -> None:
    # when the briefing is generated for the first meeting (Ashford hosts)
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=reviewed.morgan)
    items = list(briefing.items.all())
    # then Ashford's steady rise from a low base is a success to recognise, for the host
    ashford = [i for i in items if i.organisation_id == reviewed.u1.pk]
    assert any(i.kind == ItemKind.SUCCESS and i.scope == "host" for i in ashford)
    # and every item names its unit and says what it is
    assert all(i.headline.startswith(i.organisation.display_name) for i in items)
    # and host items come before the body's
    scopes = [i.scope for i in items]
    assert scopes == sorted(scopes, key=lambda s: s != "host")


def test_overdue_returns_are_exceptions_in_the_briefing(reviewed) -> None:
    from localstat.returns.models import Return

    # given Bramley's April 2019 return is past its deadline with no values
    Return.objects.create(
        collection=Return.objects.first().collection,
        unit=reviewed.u2,
        period_start=date(2019, 3, 1).replace(month=4),
        period_end=date(2019, 4, 30),
        deadline=date(2019, 4, 20),
    )
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    overdue = briefing.items.filter(kind=ItemKind.OVERDUE_RETURN)
    assert [i.headline for i in overdue] == [
        "Bramley Hospital: 1 return overdue, the oldest due on 20 April 2019."
    ]
    assert overdue.get().scope == "body"


def test_only_the_cycles_challenger_marks_probes_and_issues(reviewed) -> None:
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=reviewed.morgan)
    item = briefing.items.first()
    # the secretariat may not mark probes
    with pytest.raises(NotPermitted):
        services.mark_probe(item=item, probe=True, acting_user=reviewed.morgan)
    # the challenger may; regenerating the draft keeps the mark
    services.mark_probe(item=item, probe=True, note="Why?", acting_user=reviewed.charlie)
    again = services.generate_briefing(meeting=reviewed.first, acting_user=reviewed.charlie)
    kept = again.items.get(key=item.key)
    assert (kept.probe, kept.probe_note) == (True, "Why?")
    # the secretariat may not issue it either; the challenger's issue freezes it
    with pytest.raises(NotPermitted):
        services.issue_briefing(briefing=again, acting_user=reviewed.morgan)
    services.issue_briefing(briefing=again, acting_user=reviewed.charlie)
    with pytest.raises(ReviewError, match="issued"):
        services.generate_briefing(meeting=reviewed.first, acting_user=reviewed.charlie)


def test_an_issued_briefing_emails_the_secretariat(reviewed, django_capture_on_commit_callbacks) -> None:
    reviewed.morgan.email = "morgan@example.org"
    reviewed.morgan.save()
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_briefing(briefing=briefing, acting_user=reviewed.charlie)
    assert [m.to for m in mail.outbox] == [["morgan@example.org"]]
    assert "Briefing issued" in mail.outbox[0].subject


def _held_with_action(r, meeting, *, due=date(2019, 5, 20), owner=None):
    action = services.record_action(
        meeting=meeting,
        organisation=r.u1,
        description="Open the second triage stream",
        owner=owner or r.uma,
        due_on=due,
        data_required="Daily 4-hour performance by stream",
        acting_user=r.morgan,
    )
    return action


def test_an_action_needs_an_owner_with_a_role_there_and_a_due_date_after_the_meeting(reviewed) -> None:
    with pytest.raises(ReviewError, match="olga has no role at U1"):
        _held_with_action(reviewed, reviewed.first, owner=reviewed.olga)
    with pytest.raises(ReviewError, match="before the meeting"):
        _held_with_action(reviewed, reviewed.first, due=date(2019, 4, 1))
    assert Action.objects.count() == 0


def test_the_next_agenda_opens_with_open_actions_and_escalates_one_carried_over_twice(
    reviewed, monkeypatch
) -> None:
    # given an action raised at the first meeting, which is held (today is 1 August 2019)
    first = reviewed.first
    _held_with_action(reviewed, first)
    monkeypatch.setenv("LOCALSTAT_TODAY", "2019-08-01")
    if True:
        services.hold_meeting(meeting=first, acting_user=reviewed.morgan)
        second = Meeting.objects.get(cycle=reviewed.cycle, number=2)
        # then the second meeting is a month on, hosted by the next unit, and opens with the action
        assert (second.scheduled_for, second.host) == (date(2019, 6, 2), reviewed.u2)
        agenda = agenda_for(second)
        assert [a.action.description for a in agenda.open_actions] == ["Open the second triage stream"]
        assert agenda.open_actions[0].carried == 0
        assert not agenda.open_actions[0].escalated
        # and nothing was done, so it calls for increased challenge
        assert agenda.open_actions[0].increased_challenge
        # when the second and third meetings pass with it still open
        services.hold_meeting(meeting=second, acting_user=reviewed.morgan)
        third = Meeting.objects.get(cycle=reviewed.cycle, number=3)
        services.hold_meeting(meeting=third, acting_user=reviewed.morgan)
        fourth = Meeting.objects.get(cycle=reviewed.cycle, number=4)
        # then the fourth agenda escalates it
        agenda = agenda_for(fourth)
        assert agenda.open_actions[0].carried == 2
        assert agenda.open_actions[0].escalated
        action = Action.objects.get()
        assert (action.carried_over, action.escalated_on) == (2, third.held_on)


def test_an_action_done_drops_off_the_next_agenda_and_counts_as_kept(reviewed) -> None:
    action = _held_with_action(reviewed, reviewed.first)
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    # when the owner marks it done (today is 30 April 2019, before it is due)
    services.update_action(
        action=action, note="Second stream open since Monday", done=True, acting_user=reviewed.uma
    )
    action.refresh_from_db()
    assert (action.status, action.closed_on, action.done_on_time) == (
        ActionStatus.DONE,
        date(2019, 4, 30),
        True,
    )
    second = Meeting.objects.get(cycle=reviewed.cycle, number=2)
    assert agenda_for(second).open_actions == []


def test_a_sibling_units_submitter_may_not_update_ashfords_action(reviewed) -> None:
    action = _held_with_action(reviewed, reviewed.first)
    with pytest.raises(NotPermitted):
        services.update_action(action=action, note="Done", done=True, acting_user=reviewed.olga)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert action.updates.count() == 0


def test_a_meeting_cannot_be_held_in_the_future_or_twice(reviewed) -> None:
    with pytest.raises(ReviewError, match="in the future"):
        services.hold_meeting(meeting=reviewed.first, acting_user=reviewed.morgan)
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    with pytest.raises(ReviewError, match="already recorded"):
        services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    assert reviewed.first.status == MeetingStatus.HELD


def test_the_follow_up_note_emails_each_owner_their_actions(
    reviewed, django_capture_on_commit_callbacks
) -> None:
    reviewed.uma.email = "uma@example.org"
    reviewed.uma.save()
    _held_with_action(reviewed, reviewed.first)
    with pytest.raises(ReviewError, match="not been held"):
        services.issue_follow_up(meeting=reviewed.first, acting_user=reviewed.morgan)
    services.hold_meeting(meeting=reviewed.first, held_on=date(2019, 4, 30), acting_user=reviewed.morgan)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_follow_up(meeting=reviewed.first, acting_user=reviewed.morgan)
    assert [m.to for m in mail.outbox] == [["uma@example.org"]]
    assert "Daily 4-hour performance by stream" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="review.issue_follow_up").count() == 1


def test_the_briefing_names_an_agreed_target_off_its_trajectory(reviewed) -> None:
    from localstat.framework.services.lifecycle import agree_target
    from localstat.framework.services.targets import assign_target

    # given Bramley (about 90%) agreed to reach 95% by March 2020, with a milestone of 94% for March 2019
    target = assign_target(
        indicator=reviewed.indicator,
        units=[reviewed.u2],
        kind="floor",
        level=95,
        deadline=date(2020, 3, 31),
        set_by=reviewed.north,
        milestones=[("2019-03-01", 94)],
        proposed_on=date(2019, 1, 10),
        acting_user=None,
    )
    agree_target(target=target, on=date(2019, 1, 20), acting_user=None)
    # when the briefing is generated
    briefing = services.generate_briefing(meeting=reviewed.first, acting_user=None)
    # then it is an exception for the body, naming the target, the period and that period's milestone
    found = briefing.items.filter(kind=ItemKind.OFF_TRAJECTORY, organisation=reviewed.u2)
    assert [i.headline for i in found] == [
        f"Bramley Hospital: A&E: seen within 4 hours is off track against the trajectory of target "
        f"{target.reference} in March 2019 (90.7% against that period's milestone of 94.0%)."
    ]


def test_a_cancelled_meeting_keeps_its_reason_carries_nothing_and_schedules_the_next(reviewed) -> None:
    _held_with_action(reviewed, reviewed.first)
    with pytest.raises(ReviewError, match="Enter why the meeting is cancelled"):
        services.cancel_meeting(meeting=reviewed.first, reason=" ", acting_user=reviewed.morgan)
    with pytest.raises(NotPermitted):
        services.cancel_meeting(meeting=reviewed.first, reason="Snow", acting_user=reviewed.charlie)
    services.cancel_meeting(
        meeting=reviewed.first, reason="Major incident declared", acting_user=reviewed.morgan
    )
    reviewed.first.refresh_from_db()
    assert (reviewed.first.status, reviewed.first.cancelled_reason) == (
        "cancelled",
        "Major incident declared",
    )
    second = Meeting.objects.get(cycle=reviewed.cycle, number=2)
    assert Action.objects.get().carried_over == 0
    assert [a.action.description for a in agenda_for(second).open_actions] == [
        "Open the second triage stream"
    ]


def test_an_action_closed_meanwhile_is_not_reopened_or_overwritten_from_a_stale_page(reviewed) -> None:
    # given an action the owner's page loaded while it was open
    action = services.record_action(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Open a second triage stream",
        owner=reviewed.uma,
        due_on=date(2019, 5, 31),
        acting_user=reviewed.morgan,
    )
    stale = Action.objects.get(pk=action.pk)
    # when the secretariat drops it, and then the owner reports it done from the stale copy
    services.drop_action(action=action, reason="Superseded by the winter plan", acting_user=reviewed.morgan)
    with pytest.raises(ReviewError, match="dropped"):
        services.update_action(action=stale, note="Done", done=True, acting_user=reviewed.uma)
    # then the drop stands and its reason is the last word
    action.refresh_from_db()
    assert action.status == "dropped"
    assert list(action.updates.values_list("status", flat=True)) == ["dropped"]


def test_a_commitment_assessed_meanwhile_keeps_its_first_assessment(reviewed) -> None:
    commitment = services.record_commitment(
        meeting=reviewed.first,
        organisation=reviewed.u1,
        description="Publish the escalation triggers",
        acting_user=reviewed.morgan,
    )
    stale = Commitment.objects.get(pk=commitment.pk)
    services.assess_commitment(commitment=commitment, kept=True, acting_user=reviewed.morgan)
    with pytest.raises(ReviewError, match="already assessed"):
        services.assess_commitment(commitment=stale, kept=False, acting_user=reviewed.morgan)
    commitment.refresh_from_db()
    assert commitment.status == "kept"

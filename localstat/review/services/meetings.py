"""Every write to review cycles, meetings, briefings and actions: keyword-only, atomic, audited.

``acting_user`` None is the system itself (the demo, the tick); a person is checked against
``review/permissions.py`` on the cycle's body and the units it holds to account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from localstat.chain.access import Actor, authorise
from localstat.chain.models import Membership, Organisation
from localstat.core.audit import record_event
from localstat.core.clock import now, today
from localstat.review import notifications
from localstat.review.choices import (
    ActionStatus,
    CommitmentStatus,
    MeetingStatus,
)
from localstat.review.errors import ReviewError
from localstat.review.models import (
    Action,
    ActionUpdate,
    BriefingItem,
    Commitment,
    Meeting,
    Recognition,
    ReviewQuestion,
)
from localstat.review.services.cycles import _organisations, schedule_next_meeting


def _check_meeting_party(meeting: Meeting, organisation: Organisation) -> None:
    cycle = meeting.cycle
    if organisation.pk != cycle.body_id and not cycle.cycle_units.filter(unit=organisation).exists():
        raise ReviewError(f"{organisation.code} is not held to account in {cycle.name}.")


def _recording(meeting: Meeting, acting_user: Actor) -> None:
    authorise(acting_user, "review.record_meeting", _organisations(meeting.cycle))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ReviewError(f"{meeting} was cancelled: nothing is recorded against it.")


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ReviewError(f"Enter {what}.")
    return value


@transaction.atomic
def record_question(
    *,
    meeting: Meeting,
    organisation: Organisation,
    question: str,
    answer: str = "",
    briefing_item: BriefingItem | None = None,
    acting_user: Actor,
) -> ReviewQuestion:
    _recording(meeting, acting_user)
    _check_meeting_party(meeting, organisation)
    if briefing_item is not None and briefing_item.briefing.meeting_id != meeting.pk:
        raise ReviewError("That briefing item belongs to another meeting.")
    record = ReviewQuestion.objects.create(
        meeting=meeting,
        organisation=organisation,
        question=_text(question, "the question asked"),
        answer=(answer or "").strip(),
        briefing_item=briefing_item,
        recorded_by=_person(acting_user),
    )
    record_event(
        actor=acting_user, action="review.record_question", subject=record, summary=record.question[:200]
    )
    return record


def _person(acting_user: Actor) -> Any:
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


@transaction.atomic
def record_action(
    *,
    meeting: Meeting,
    organisation: Organisation,
    description: str,
    owner: AbstractBaseUser,
    due_on: date,
    data_required: str = "",
    acting_user: Actor,
) -> Action:
    """An action: what, who owns it, by when, and the data the next meeting wants to see."""
    _recording(meeting, acting_user)
    _check_meeting_party(meeting, organisation)
    description = _text(description, "what is to be done")
    if due_on < meeting.scheduled_for:
        raise ReviewError(f"The due date {due_on} is before the meeting ({meeting.scheduled_for}).")
    if not Membership.objects.filter(
        user_id=owner.pk, organisation__in=[organisation, meeting.cycle.body]
    ).exists():
        raise ReviewError(
            f"{owner.get_username()} has no role at {organisation.code} or {meeting.cycle.body.code}: "
            "an action's owner answers for it there."
        )
    action = Action.objects.create(
        meeting=meeting,
        organisation=organisation,
        description=description,
        owner=owner,  # type: ignore[misc]
        due_on=due_on,
        data_required=(data_required or "").strip(),
        created_by=_person(acting_user),
    )
    record_event(
        actor=acting_user,
        action="review.record_action",
        subject=action,
        summary=f"Action for {organisation.code}, owner {owner.get_username()}, due {due_on}: {description[:200]}",
    )
    return action


@transaction.atomic
def record_commitment(
    *,
    meeting: Meeting,
    organisation: Organisation,
    description: str,
    due_on: date | None = None,
    acting_user: Actor,
) -> Commitment:
    _recording(meeting, acting_user)
    _check_meeting_party(meeting, organisation)
    commitment = Commitment.objects.create(
        meeting=meeting,
        organisation=organisation,
        description=_text(description, "what the unit committed to"),
        due_on=due_on,
        recorded_by=_person(acting_user),
    )
    record_event(
        actor=acting_user,
        action="review.record_commitment",
        subject=commitment,
        summary=commitment.description[:200],
    )
    return commitment


@transaction.atomic
def assess_commitment(
    *, commitment: Commitment, kept: bool, note: str = "", on: date | None = None, acting_user: Actor
) -> Commitment:
    """Whether the unit did what it promised; the first assessment stands (a new one needs a new record)."""
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("meeting__cycle")
        .get(pk=commitment.pk)
    )
    _recording(commitment.meeting, acting_user)
    if commitment.status != CommitmentStatus.PENDING:
        raise ReviewError(
            f"This commitment was already assessed as {commitment.get_status_display().lower()} on {commitment.assessed_on}."
        )
    commitment.status = CommitmentStatus.KEPT if kept else CommitmentStatus.BROKEN
    commitment.assessment_note = (note or "").strip()
    commitment.assessed_by = _person(acting_user)
    commitment.assessed_on = on or today()
    commitment.save()
    record_event(
        actor=acting_user,
        action="review.assess_commitment",
        subject=commitment,
        summary=f"{commitment.get_status_display()}: {commitment.description[:200]}",
    )
    return commitment


@transaction.atomic
def record_recognition(
    *,
    meeting: Meeting,
    organisation: Organisation,
    citation: str,
    briefing_item: BriefingItem | None = None,
    acting_user: Actor,
) -> Recognition:
    _recording(meeting, acting_user)
    _check_meeting_party(meeting, organisation)
    recognition = Recognition.objects.create(
        meeting=meeting,
        organisation=organisation,
        citation=_text(citation, "what is being recognised"),
        briefing_item=briefing_item,
        recorded_by=_person(acting_user),
    )
    record_event(
        actor=acting_user,
        action="review.record_recognition",
        subject=recognition,
        summary=recognition.citation[:200],
    )
    return recognition


@transaction.atomic
def hold_meeting(*, meeting: Meeting, held_on: date | None = None, acting_user: Actor) -> Meeting:
    """Record that the meeting took place: every earlier action still open is carried over, an action
    carried over more than once is escalated, and the next meeting is scheduled."""
    _recording(meeting, acting_user)
    held_on = held_on or meeting.scheduled_for
    if meeting.status == MeetingStatus.HELD:
        raise ReviewError(f"{meeting} was already recorded as held on {meeting.held_on}.")
    if held_on > today():
        raise ReviewError(f"{held_on} is in the future: record a meeting as held once it has taken place.")
    meeting.status = MeetingStatus.HELD
    meeting.held_on = held_on
    meeting.save(update_fields=["status", "held_on", "updated_at"])
    carried = Action.objects.filter(
        meeting__cycle=meeting.cycle, meeting__number__lt=meeting.number, status=ActionStatus.OPEN
    )
    carried_ids = list(carried.values_list("pk", flat=True))
    carried.update(carried_over=F("carried_over") + 1)
    escalated = list(
        Action.objects.filter(pk__in=carried_ids, carried_over__gt=1, escalated_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    Action.objects.filter(pk__in=escalated).update(escalated_on=held_on)
    record_event(
        actor=acting_user,
        action="review.hold_meeting",
        subject=meeting,
        summary=f"{meeting} held on {held_on}: {len(carried_ids)} actions carried over, {len(escalated)} escalated",
        data={"carried": carried_ids, "escalated": escalated},
    )
    if (
        meeting.cycle.ended_on is None
        and not meeting.cycle.meetings.filter(number__gt=meeting.number).exists()
    ):
        schedule_next_meeting(cycle=meeting.cycle, acting_user=None)
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, reason: str, acting_user: Actor) -> Meeting:
    """A scheduled meeting that will not take place: the reason is kept, its open actions wait for the
    next meeting (a cancelled meeting carries nothing over), and the next meeting is scheduled."""
    _recording(meeting, acting_user)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ReviewError(
            f"{meeting} is {meeting.get_status_display().lower()}: only a scheduled meeting is cancelled."
        )
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = _text(reason, "why the meeting is cancelled")
    meeting.save(update_fields=["status", "cancelled_reason", "updated_at"])
    record_event(
        actor=acting_user,
        action="review.cancel_meeting",
        subject=meeting,
        summary=f"Cancelled: {meeting.cancelled_reason[:200]}",
    )
    if (
        meeting.cycle.ended_on is None
        and not meeting.cycle.meetings.filter(number__gt=meeting.number).exists()
    ):
        schedule_next_meeting(cycle=meeting.cycle, acting_user=None)
    return meeting


@transaction.atomic
def issue_follow_up(*, meeting: Meeting, at: datetime | None = None, acting_user: Actor) -> Meeting:
    """The follow-up note (CitiStat: within 2 days): every action, commitment and the data required next time."""
    _recording(meeting, acting_user)
    if meeting.status != MeetingStatus.HELD:
        raise ReviewError(f"{meeting} has not been held yet: a follow-up note comes after the meeting.")
    if meeting.follow_up_issued_at is not None:
        raise ReviewError(
            f"The follow-up note for {meeting} was issued on {meeting.follow_up_issued_at:%d %B %Y}."
        )
    meeting.follow_up_issued_at = at or now()
    meeting.follow_up_issued_by = _person(acting_user)
    meeting.save(update_fields=["follow_up_issued_at", "follow_up_issued_by", "updated_at"])
    actions = list(meeting.actions.select_related("owner", "organisation"))
    late = meeting.follow_up_due is not None and meeting.follow_up_issued_at.date() > meeting.follow_up_due
    record_event(
        actor=acting_user,
        action="review.issue_follow_up",
        subject=meeting,
        summary=f"Follow-up note for {meeting}: {len(actions)} actions"
        + (" (after the 2 days)" if late else ""),
    )
    notifications.send_on_commit(
        [
            (
                f"Action from {meeting}: due {a.due_on:%d %B %Y}",
                f"{a.description}\n\nFor: {a.organisation.display_name}\nDue: {a.due_on:%d %B %Y}\n"
                f"Data required next time: {a.data_required or 'none named'}\n\n"
                "Report progress on it in LocalStat under Reviews, My actions.",
                [a.owner.email] if a.owner.email else [],
            )
            for a in actions
        ]
    )
    return meeting


@transaction.atomic
def update_action(
    *, action: Action, note: str, done: bool = False, on: date | None = None, acting_user: Actor
) -> ActionUpdate:
    """The owner (or the secretariat) reports progress; ``done`` closes the action on LocalStat's today
    (``on`` records an earlier day: the demo's history)."""
    # Read the action afresh, locked: a page opened before someone else closed it must not reopen it.
    action = Action.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=action.pk)
    if acting_user is not None and action.owner_id != acting_user.pk:
        authorise(acting_user, "review.update_action", [action.organisation])
    if action.status != ActionStatus.OPEN:
        raise ReviewError(f"This action is {action.get_status_display().lower()}: it cannot be updated.")
    on = on or today()
    update = ActionUpdate.objects.create(
        action=action,
        author=_person(acting_user),
        note=_text(note, "what has been done"),
        status=ActionStatus.DONE if done else ActionStatus.OPEN,
        on=on,
    )
    if done:
        action.status = ActionStatus.DONE
        action.closed_on = on
        action.save(update_fields=["status", "closed_on", "updated_at"])
    record_event(
        actor=acting_user,
        action="review.update_action",
        subject=action,
        summary=f"{'Done' if done else 'Progress'}: {update.note[:200]}",
    )
    return update


@transaction.atomic
def drop_action(*, action: Action, reason: str, acting_user: Actor) -> ActionUpdate:
    """The secretariat drops an action that no longer makes sense, with the reason on record."""
    action = Action.objects.select_for_update(of=("self",)).select_related("meeting__cycle").get(pk=action.pk)
    _recording(action.meeting, acting_user)
    if action.status != ActionStatus.OPEN:
        raise ReviewError(f"This action is already {action.get_status_display().lower()}.")
    on = today()
    update = ActionUpdate.objects.create(
        action=action,
        author=_person(acting_user),
        note=_text(reason, "why it is dropped"),
        status=ActionStatus.DROPPED,
        on=on,
    )
    action.status = ActionStatus.DROPPED
    action.closed_on = on
    action.save(update_fields=["status", "closed_on", "updated_at"])
    record_event(
        actor=acting_user,
        action="review.drop_action",
        subject=action,
        summary=f"Dropped: {update.note[:200]}",
    )
    return update


def note_overdue_actions(as_of: date) -> tuple[int, int]:
    """Open actions past their due date are noted once and their owners reminded; (newly noted, overdue)."""
    with transaction.atomic():
        fresh = list(
            Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=as_of, overdue_noted_on__isnull=True)
            .select_related("owner", "organisation", "meeting__cycle")
            .select_for_update(of=("self",))
        )
        Action.objects.filter(pk__in=[a.pk for a in fresh]).update(overdue_noted_on=as_of)
        for action in fresh:
            record_event(
                actor=None,
                action="review.note_overdue_action",
                subject=action,
                summary=f"Overdue since {action.due_on}: {action.description[:200]}",
            )
        notifications.send_on_commit(
            [
                (
                    f"Overdue action: {a.description[:60]}",
                    f"Your action from {a.meeting} was due on {a.due_on:%d %B %Y} and is still open:\n\n"
                    f"{a.description}\n\nReport progress in LocalStat under Reviews, My actions; "
                    "the next meeting will ask about it.",
                    [a.owner.email] if a.owner.email else [],
                )
                for a in fresh
            ]
        )
    overdue = Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=as_of).count()
    return len(fresh), overdue

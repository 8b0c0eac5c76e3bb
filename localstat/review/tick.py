"""The review's time-based rules, run by ``localstat tick`` after the overdue returns.

- Briefings are generated 48 hours before each meeting (Baltimore's rule), and the challenger told.
- Open actions past their due date are noted once and their owners reminded by email.
- Held meetings without a follow-up note 2 days on are noted once and the secretariat reminded.

Every rule is idempotent: a second run for the same date changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from localstat.returns.tick import TimeRule
from localstat.review import notifications, services
from localstat.review.choices import MeetingStatus
from localstat.review.models import BRIEFING_LEAD, FOLLOW_UP_WITHIN, Briefing, Meeting


def prepare_briefings(as_of: date) -> str:
    due = list(
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED,
            scheduled_for__gte=as_of,
            scheduled_for__lte=as_of + BRIEFING_LEAD,
            cycle__ended_on__isnull=True,
        )
        .exclude(pk__in=Briefing.objects.values("meeting_id"))
        .select_related("cycle__challenger", "host")
    )
    for meeting in due:
        with transaction.atomic():
            services.generate_briefing(meeting=meeting, as_of=as_of, acting_user=None)
            challenger = meeting.cycle.challenger
            notifications.send_on_commit(
                [
                    (
                        f"Briefing ready: {meeting}",
                        f"The briefing for {meeting}, hosted by {meeting.host.display_name}, is ready. "
                        "Mark what to probe and issue it in LocalStat under Reviews, Challenger.",
                        [challenger.email] if challenger.email else [],
                    )
                ]
            )
    return f"{len(due)} briefings generated"


def flag_overdue_actions(as_of: date) -> str:
    noted, overdue = services.note_overdue_actions(as_of)
    return f"{overdue} actions overdue ({noted} newly noted)"


def remind_follow_ups(as_of: date) -> str:
    with transaction.atomic():
        late = list(
            Meeting.objects.filter(
                status=MeetingStatus.HELD,
                follow_up_issued_at__isnull=True,
                follow_up_reminded_on__isnull=True,
                held_on__lt=as_of - FOLLOW_UP_WITHIN,
            ).select_related("cycle__body")
        )
        Meeting.objects.filter(pk__in=[m.pk for m in late]).update(follow_up_reminded_on=as_of)
        notifications.send_on_commit(
            [
                (
                    f"Follow-up note overdue: {m}",
                    f"The follow-up note for {m} was due on {m.follow_up_due:%d %B %Y}. "
                    "Issue it in LocalStat under Reviews, Secretariat.",
                    [
                        p.email
                        for p in notifications.people_at([m.cycle.body], notifications.SECRETARIAT_ROLES)
                    ],
                )
                for m in late
            ]
        )
    return f"{len(late)} follow-up notes newly overdue"


RULES = [
    TimeRule(
        name="review_briefings",
        run=prepare_briefings,
        description="Briefings ready 48 hours before each review meeting",
        after=("overdue_returns",),
    ),
    TimeRule(
        name="review_overdue_actions",
        run=flag_overdue_actions,
        description="Review actions past their due date, with reminders to their owners",
    ),
    TimeRule(
        name="review_follow_ups",
        run=remind_follow_ups,
        description="Follow-up notes not issued within 2 days of the meeting",
    ),
]

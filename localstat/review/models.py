"""Review cycles, their meetings, briefings, and what meetings record: questions, actions, commitments.

Box 5.4 (Thames Valley) and Box 4.1 (CompStat, CitiStat): a performance-managing body holds its units
to account in a regular meeting, challenged by a named senior person, hosted by each unit in turn;
actions open the next meeting's agenda until they are done. Nothing here is overwritten: an action's
progress is a list of updates, a briefing's probes are marked on its items, and a decision to drop an
action keeps its reason.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from localstat.chain.models import Organisation, Service
from localstat.framework.models import Indicator
from localstat.review.choices import (
    CADENCE_DAYS,
    ActionStatus,
    Cadence,
    CommitmentStatus,
    ItemKind,
    MeetingStatus,
    Scope,
)

#: Baltimore's rule: the briefing is ready 48 hours before the meeting.
BRIEFING_LEAD = timedelta(days=2)
#: CitiStat: the follow-up note goes out within 2 days of the meeting.
FOLLOW_UP_WITHIN = timedelta(days=2)


class ReviewCycle(models.Model):
    """A body's regular performance review of its units in one service (seed A.7, Box 5.4)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    body = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="review_cycles")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="review_cycles")
    cadence = models.CharField(max_length=12, choices=Cadence.choices)
    challenger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="challenged_cycles",
        help_text="The senior person who challenges performance: not necessarily the head (A.7).",
    )
    units = models.ManyToManyField(Organisation, through="CycleUnit", related_name="+")
    first_meeting = models.DateField()
    cadence_warning = models.CharField(
        max_length=300, blank=True, help_text="Why this cadence risks losing its effectiveness, if it does."
    )
    synthetic = models.BooleanField(
        default=False, help_text="Demo meeting records: the data are real, what was said is invented."
    )
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["body__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def cadence_days(self) -> int:
        return CADENCE_DAYS[Cadence(self.cadence)]

    def date_after(self, day: date) -> date:
        """The meeting date one cadence after ``day`` (months keep the day of the month where they can)."""
        months = {Cadence.MONTHLY: 1, Cadence.BIMONTHLY: 2, Cadence.QUARTERLY: 3}.get(Cadence(self.cadence))
        if months is None:
            return day + timedelta(days=self.cadence_days)
        year, month = divmod(day.month - 1 + months, 12)
        for candidate in (day.day, 30, 29, 28):
            try:
                return day.replace(year=day.year + year, month=month + 1, day=min(day.day, candidate))
            except ValueError:
                continue
        raise AssertionError("unreachable: every month has a 28th")


class CycleUnit(models.Model):
    """A unit a cycle holds to account, and its place in the rotation of hosts."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="cycle_units")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="review_memberships")
    rotation = models.PositiveSmallIntegerField(help_text="Hosts take turns in this order.")

    class Meta:
        ordering = ["cycle_id", "rotation"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="review_unit_once_per_cycle"),
            models.UniqueConstraint(fields=["cycle", "rotation"], name="review_one_unit_per_turn"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.code}: {self.unit.code} (turn {self.rotation})"


class Meeting(models.Model):
    """One accountability meeting of a cycle, held at its host unit."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveIntegerField()
    scheduled_for = models.DateField()
    host = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="hosted_meetings")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    held_on = models.DateField(null=True, blank=True)
    follow_up_issued_at = models.DateTimeField(null=True, blank=True)
    follow_up_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_reminded_on = models.DateField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="review_meeting_number_once"),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.HELD) | Q(held_on__isnull=False),
                name="review_held_meetings_have_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.name}: meeting {self.number} on {self.scheduled_for:%d %B %Y}"

    @property
    def briefing_due(self) -> date:
        return self.scheduled_for - BRIEFING_LEAD

    @property
    def follow_up_due(self) -> date | None:
        return self.held_on + FOLLOW_UP_WITHIN if self.held_on else None


class Briefing(models.Model):
    """The pack generated from the data before a meeting; the challenger marks what to probe and issues it."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="briefing")
    as_of = models.DateField(help_text="The date the data were read for.")
    run = models.ForeignKey(
        "assessment.AssessmentRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    challenger_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-meeting__scheduled_for"]

    def __str__(self) -> str:
        return f"Briefing for {self.meeting}"

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None


class BriefingItem(models.Model):
    """One exception needing challenge, or one success to recognise, with the evidence behind it."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=200, help_text="Stable across regenerations: kind, unit, indicator.")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    kind = models.CharField(max_length=24, choices=ItemKind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    headline = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    evidence = models.JSONField(default=dict)
    position = models.PositiveIntegerField()
    probe = models.BooleanField(default=False, help_text="The challenger will probe this in the meeting.")
    probe_note = models.TextField(blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["briefing_id", "position"]
        constraints = [models.UniqueConstraint(fields=["briefing", "key"], name="review_item_key_once")]

    def __str__(self) -> str:
        return self.headline

    @property
    def is_exception(self) -> bool:
        return self.kind != ItemKind.SUCCESS


class ReviewQuestion(models.Model):
    """A point raised in a meeting and the answer given (glossary: a challenge in a review)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="questions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    briefing_item = models.ForeignKey(
        BriefingItem, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    question = models.TextField()
    answer = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]


class Action(models.Model):
    """What a meeting asked someone to do, by when, and the data wanted next time (Box 5.4)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="review_actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_actions"
    )
    due_on = models.DateField()
    data_required = models.TextField(blank=True, help_text="The data the meeting wants to see next time.")
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True, help_text="When it was done or dropped.")
    carried_over = models.PositiveSmallIntegerField(
        default=0, help_text="Meetings it stayed open through after the one that raised it."
    )
    escalated_on = models.DateField(null=True, blank=True)
    overdue_noted_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["organisation", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ActionStatus.OPEN) | Q(closed_on__isnull=False),
                name="review_closed_actions_have_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.description[:60]} (due {self.due_on})"

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    @property
    def done_on_time(self) -> bool | None:
        """Whether the promise was kept: done by its due date (None while open)."""
        if self.status == ActionStatus.OPEN:
            return None
        return (
            self.status == ActionStatus.DONE and self.closed_on is not None and self.closed_on <= self.due_on
        )

    def is_overdue(self, as_of: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < as_of


class ActionUpdate(models.Model):
    """Progress an owner reports on an action, or a decision on it; never edited."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices)
    on = models.DateField(help_text="LocalStat's date when it was recorded.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.on}: {self.note[:60]}"


class Commitment(models.Model):
    """A promise the unit made in the meeting; later marked kept or not."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="commitments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.PENDING
    )
    assessment_note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.description[:60]}"


class Recognition(models.Model):
    """Good practice recognised at the end of a meeting (Box 5.4's awards; A.8's symbolic acts)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="recognitions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    citation = models.TextField()
    briefing_item = models.ForeignKey(
        BriefingItem, null=True, blank=True, on_delete=models.PROTECT, related_name="recognitions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.citation[:60]}"

"""Reads across cycles, meetings and actions: the agenda, a unit's history, and the record other apps read.

Set-based: every function here runs a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from localstat.chain.access import permitted_organisations
from localstat.review.choices import CADENCE_DAYS, ActionStatus, Cadence, ItemKind, MeetingStatus
from localstat.review.models import Action, BriefingItem, CycleUnit, Meeting, ReviewCycle

#: How far back review_record looks: "meetings held in the last 12 months".
RECORD_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class ReviewRecord:
    """An organisation's record of challenge-and-support review over the 12 months to ``as_of``.

    For a performance-managing body: the cycles it runs; for a unit: the cycles that hold it to
    account and the actions set for it. ``cadence`` is the most frequent of its cycles' cadences
    (blank when it is in none).
    """

    organisation_id: int
    cycles: int
    cadence: str
    cadence_days: int | None
    meetings_held: int
    actions_due: int
    actions_done_by_due_date: int
    actions_overdue: int

    @property
    def share_done_by_due_date(self) -> float | None:
        return self.actions_done_by_due_date / self.actions_due if self.actions_due else None


def review_record(organisation_ids: list[int], as_of: date) -> dict[int, ReviewRecord]:
    """The review record of each organisation (body or unit) as of a date; organisations in no cycle
    get an empty record. Five queries whatever the number of organisations."""
    ids = list(dict.fromkeys(organisation_ids))
    since = as_of - RECORD_WINDOW
    live = Q(cycle__ended_on__isnull=True) | Q(cycle__ended_on__gt=since)
    cycle_cadences: dict[int, dict[int, str]] = defaultdict(dict)
    for owner, cycle_id, cadence in ReviewCycle.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=since), body_id__in=ids, first_meeting__lte=as_of
    ).values_list("body_id", "pk", "cadence"):
        cycle_cadences[owner][cycle_id] = cadence
    for owner, cycle_id, cadence in CycleUnit.objects.filter(
        live, unit_id__in=ids, cycle__first_meeting__lte=as_of
    ).values_list("unit_id", "cycle_id", "cycle__cadence"):
        cycle_cadences[owner][cycle_id] = cadence

    held = Q(status=MeetingStatus.HELD, held_on__gt=since, held_on__lte=as_of)
    meetings: dict[int, int] = defaultdict(int)
    for owner, count in (
        Meeting.objects.filter(held, cycle__body_id__in=ids)
        .values("cycle__body_id")
        .annotate(n=Count("pk"))
        .values_list("cycle__body_id", "n")
    ):
        meetings[owner] += count
    for owner, count in (
        Meeting.objects.filter(held, cycle__cycle_units__unit_id__in=ids)
        .values("cycle__cycle_units__unit_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("cycle__cycle_units__unit_id", "n")
    ):
        meetings[owner] += count

    raised = Q(meeting__scheduled_for__lte=as_of)
    due = raised & Q(due_on__gt=since, due_on__lte=as_of)
    counts = {
        "due": Count("pk", filter=due),
        "done": Count(
            "pk",
            filter=due & Q(status=ActionStatus.DONE, closed_on__lte=F("due_on")),
        ),
        "overdue": Count(
            "pk",
            filter=raised & Q(due_on__lt=as_of) & (Q(status=ActionStatus.OPEN) | Q(closed_on__gt=as_of)),
        ),
    }
    actions: dict[int, dict[str, int]] = defaultdict(lambda: {"due": 0, "done": 0, "overdue": 0})
    by_body = Action.objects.filter(meeting__cycle__body_id__in=ids)
    # A unit's own actions, except where it is also the body running the cycle (counted just above).
    by_unit = Action.objects.filter(organisation_id__in=ids).exclude(
        meeting__cycle__body_id=F("organisation_id")
    )
    for rows, key in ((by_body, "meeting__cycle__body_id"), (by_unit, "organisation_id")):
        for owner, n_due, n_done, n_overdue in (
            rows.values(key).annotate(**counts).values_list(key, "due", "done", "overdue")
        ):
            actions[owner]["due"] += n_due
            actions[owner]["done"] += n_done
            actions[owner]["overdue"] += n_overdue

    records = {}
    for organisation_id in ids:
        cadences = list(cycle_cadences.get(organisation_id, {}).values())
        fastest = min(cadences, key=lambda c: CADENCE_DAYS[Cadence(c)]) if cadences else ""
        counted = actions[organisation_id]
        records[organisation_id] = ReviewRecord(
            organisation_id=organisation_id,
            cycles=len(cadences),
            cadence=fastest,
            cadence_days=CADENCE_DAYS[Cadence(fastest)] if fastest else None,
            meetings_held=meetings[organisation_id],
            actions_due=counted["due"],
            actions_done_by_due_date=counted["done"],
            actions_overdue=counted["overdue"],
        )
    return records


def cycles_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ReviewCycle]:
    bodies = permitted_organisations(user, "review.view_reviews")
    return ReviewCycle.objects.filter(body__in=bodies).select_related("body", "service", "challenger")


def meetings_of(cycle: ReviewCycle) -> QuerySet[Meeting]:
    return (
        cycle.meetings.select_related("host")
        .annotate(action_count=Count("actions", distinct=True))
        .order_by("number")
    )


def meetings_of_cycles(cycles: list[ReviewCycle]) -> QuerySet[Meeting]:
    """Every meeting of these cycles, with its host and the number of actions set, in one query."""
    return (
        Meeting.objects.filter(cycle__in=cycles)
        .select_related("host")
        .annotate(action_count=Count("actions", distinct=True))
        .order_by("cycle_id", "number")
    )


def next_meeting(cycle: ReviewCycle, as_of: date) -> Meeting | None:
    return (
        cycle.meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_for__gte=as_of)
        .select_related("host")
        .order_by("scheduled_for")
        .first()
    )


@dataclass
class AgendaAction:
    """An action on an agenda, with how hard to push on it."""

    action: Action
    carried: int
    overdue: bool
    taken_forward: bool

    @property
    def escalated(self) -> bool:
        """Carried over more than once: escalated (Box 5.4's increased challenge, made explicit)."""
        return self.carried > 1

    @property
    def increased_challenge(self) -> bool:
        return self.escalated or not self.taken_forward


@dataclass
class Agenda:
    meeting: Meeting
    open_actions: list[AgendaAction]
    challenges: list[BriefingItem]
    recognition: list[BriefingItem]

    @property
    def escalated(self) -> list[AgendaAction]:
        return [a for a in self.open_actions if a.escalated]


def agenda_for(meeting: Meeting) -> Agenda:
    """Box 5.4's set agenda: every action still open from earlier meetings first (escalated ones at the
    top, then those not taken forward), then the challenger's probes, then good practice to recognise.

    An action counts as open at a meeting if it was raised earlier and not closed before the meeting
    day; it was carried over once for every earlier held meeting it stayed open through.
    """
    day = meeting.scheduled_for
    earlier = list(
        Meeting.objects.filter(
            cycle_id=meeting.cycle_id, number__lt=meeting.number, status=MeetingStatus.HELD
        )
        .order_by("number")
        .values_list("number", "held_on")
    )
    previous_day = earlier[-1][1] if earlier else None
    actions = list(
        Action.objects.filter(meeting__cycle_id=meeting.cycle_id, meeting__number__lt=meeting.number)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .select_related("organisation", "owner", "meeting")
        .prefetch_related(Prefetch("updates", to_attr="all_updates"))
        .order_by("due_on", "pk")
    )
    listed = []
    for action in actions:
        carried = sum(
            1
            for number, held_on in earlier
            if number > action.meeting.number and (action.closed_on is None or action.closed_on > held_on)
        )
        recent = [
            u
            for u in action.all_updates  # type: ignore[attr-defined]
            if u.on <= day and (previous_day is None or u.on > previous_day)
        ]
        listed.append(
            AgendaAction(
                action=action, carried=carried, overdue=action.due_on < day, taken_forward=bool(recent)
            )
        )
    listed.sort(key=lambda a: (not a.escalated, a.taken_forward, a.action.due_on, a.action.pk))
    briefing = getattr(meeting, "briefing", None) if _has_briefing(meeting) else None
    challenges: list[BriefingItem] = []
    recognition: list[BriefingItem] = []
    if briefing is not None and briefing.is_issued:
        items = list(briefing.items.select_related("organisation", "indicator"))
        challenges = [i for i in items if i.probe and i.kind != ItemKind.SUCCESS]
        recognition = [i for i in items if i.kind == ItemKind.SUCCESS]
    return Agenda(meeting=meeting, open_actions=listed, challenges=challenges, recognition=recognition)


def _has_briefing(meeting: Meeting) -> bool:
    from localstat.review.models import Briefing

    return Briefing.objects.filter(meeting=meeting).exists()


def open_actions_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Action]:
    """Actions the user owns, and actions on units whose actions the user may update."""
    units = permitted_organisations(user, "review.update_action")
    return (
        Action.objects.filter(Q(owner_id=user.pk) | Q(organisation__in=units))
        .select_related("organisation", "owner", "meeting__cycle")
        .order_by("status", "due_on", "pk")
        .distinct()
    )


def history_of(unit: Any, cycles: QuerySet[ReviewCycle] | None = None) -> list[Meeting]:
    """Every meeting of every cycle that holds ``unit`` to account, with what was asked of it."""
    return list(
        Meeting.objects.filter(cycle__cycle_units__unit=unit)
        .select_related("cycle", "host")
        .prefetch_related(
            Prefetch("questions", queryset=_of(unit, "questions"), to_attr="unit_questions"),
            Prefetch("actions", queryset=_of(unit, "actions"), to_attr="unit_actions"),
            Prefetch("commitments", queryset=_of(unit, "commitments"), to_attr="unit_commitments"),
        )
        .order_by("-scheduled_for")
        .distinct()
    )


def _of(unit: Any, relation: str) -> QuerySet[Any]:
    model = Meeting._meta.get_field(relation).related_model
    return model._default_manager.filter(organisation=unit)  # type: ignore[union-attr]


@dataclass
class Movement:
    """How one indicator moved after a meeting: the value the meeting saw and the newest since."""

    indicator: Any
    before_period: date | None
    before: str
    after_period: date | None
    after: str
    change: str  # "better", "worse", "higher", "lower", "no change", "corrected" or "no newer data"


def movements_after(unit: Any, meetings: list[Meeting]) -> dict[int, list[Movement]]:
    """For each held meeting, each indicator's value the meeting could have seen and the newest since.

    "Before" is the latest period that had ended before the meeting day and been approved by it (on
    the day at the latest), at the revision approved by then: a value approved afterwards (even for a period that ended
    before the meeting) is not what the meeting saw. (History loaded on its deadlines is recorded as
    approved on the day each return came in, so it reads here as it happened.)
    "Newest" is the current approved value of the latest period. Three queries: the unit's judged
    indicators, their definitions and every approved revision of its values.
    """
    from localstat.assessment.models import Judgement
    from localstat.assessment.selectors import version_of
    from localstat.core.clock import today
    from localstat.returns.models import Observation

    held = [m for m in meetings if m.status == MeetingStatus.HELD and m.held_on]
    if not held:
        return {}
    indicators = [
        j.indicator
        for j in Judgement.objects.filter(is_current=True, organisation=unit)
        .select_related("indicator")
        .order_by("indicator__code")
    ]
    as_of = today()
    versions = {i.pk: version_of(i, as_of) for i in indicators}
    # (period, end, approved on, value, current) for every approved revision, oldest revision first.
    revisions: dict[int, list[tuple[date, date, date, float, bool]]] = defaultdict(list)
    for indicator_id, period, end, numerator, denominator, approved_at, current in (
        Observation.objects.filter(approved_at__isnull=False, unit=unit, indicator_id__in=list(versions))
        .order_by("period_start", "revision")
        .values_list(
            "indicator_id",
            "period_start",
            "return_record__period_end",
            "numerator",
            "denominator",
            "approved_at",
            "approved_current",
        )
    ):
        version = versions[indicator_id]
        if version.statistic == "count" or not denominator:
            value = numerator
        else:
            value = numerator / denominator * float(version.multiplier)
        approved_on = timezone.localtime(approved_at).date()
        revisions[indicator_id].append((period, end, approved_on, value, current))
    found: dict[int, list[Movement]] = {}
    for meeting in held:
        day = meeting.held_on
        rows = []
        for indicator in indicators:
            points = revisions.get(indicator.pk, [])
            version = versions[indicator.pk]
            seen = [p for p in points if p[1] < day and p[2] <= day]  # type: ignore[operator]
            newest = [p for p in points if p[4]]
            if not seen or not newest:
                continue
            last_before, last = seen[-1], newest[-1]
            if last[0] == last_before[0]:
                change = "no newer data" if round(last[3], 6) == round(last_before[3], 6) else "corrected"
            elif round(last[3], 6) == round(last_before[3], 6):
                change = "no change"
            else:
                higher = last[3] > last_before[3]
                polarity = getattr(version, "polarity", "higher")
                if polarity == "neutral":
                    change = "higher" if higher else "lower"
                else:
                    change = "better" if higher == (polarity == "higher") else "worse"
            rows.append(
                Movement(
                    indicator=indicator,
                    before_period=last_before[0],
                    before=version.format_value(last_before[3]),
                    after_period=last[0],
                    after=version.format_value(last[3]),
                    change=change,
                )
            )
        found[meeting.pk] = rows
    return found

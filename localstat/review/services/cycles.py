"""Every write to review cycles, meetings, briefings and actions: keyword-only, atomic, audited.

``acting_user`` None is the system itself (the demo, the tick); a person is checked against
``review/permissions.py`` on the cycle's body and the units it holds to account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from localstat.assessment.selectors import latest_run
from localstat.chain.access import Actor, NotPermitted, authorise
from localstat.chain.choices import ChainRole, Role
from localstat.chain.models import Membership, Organisation, Service
from localstat.chain.selectors import links_current_on
from localstat.core.audit import record_event
from localstat.core.clock import now, today
from localstat.returns.models import Collection
from localstat.returns.services import PERIOD_DAYS
from localstat.review import notifications
from localstat.review.briefings import briefing_items
from localstat.review.choices import (
    CADENCE_DAYS,
    LONGEST_EFFECTIVE_DAYS,
    Cadence,
    MeetingStatus,
)
from localstat.review.errors import ReviewError
from localstat.review.models import (
    Briefing,
    BriefingItem,
    CycleUnit,
    Meeting,
    ReviewCycle,
)


def _organisations(cycle: ReviewCycle) -> list[Organisation]:
    return [cycle.body, *cycle.units.all()]


def _is_administrator(user: Actor) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (
            getattr(user, "is_superuser", False)
            or Membership.objects.filter(user_id=user.pk, role=Role.ADMINISTRATOR).exists()
        )
    )


def data_refresh_days(units: Sequence[Organisation]) -> int | None:
    """How often fresh data arrives for these units: the shortest period of any collection asking them."""
    periodicities = set(
        Collection.objects.filter(unit_links__unit__in=list(units)).values_list("periodicity", flat=True)
    )
    return min((PERIOD_DAYS[p] for p in periodicities), default=None)  # type: ignore[index]


def check_cadence(cadence: str, units: Sequence[Organisation]) -> str:
    """Refuse a cadence shorter than the data's refresh (A.7: the limiting factor); return a warning when
    it is longer than 6 weeks, else an empty string."""
    if cadence not in Cadence.values:
        raise ReviewError(f"Unknown cadence {cadence!r}: choose one of {', '.join(Cadence.values)}.")
    days = CADENCE_DAYS[Cadence(cadence)]
    refresh = data_refresh_days(units)
    if refresh is None:
        raise ReviewError(
            "No collection asks these units for data, so a review would have nothing to review: "
            "issue a collection first."
        )
    if days < refresh:
        raise ReviewError(
            f"A {Cadence(cadence).label.split(' (')[0].lower()} cycle meets every {days} days, but these units' "
            f"data are refreshed only every {refresh} days: a meeting would see no new data. "
            "Choose a cadence at least as long as the data's refresh."
        )
    if days > LONGEST_EFFECTIVE_DAYS:
        return (
            f"Meetings every {days} days are more than 6 weeks apart: under-performance can no longer be "
            "swiftly identified and corrected (seed A.7)."
        )
    return ""


@transaction.atomic
def create_cycle(
    *,
    code: str,
    name: str,
    body: Organisation,
    service: Service,
    cadence: str,
    challenger: AbstractBaseUser,
    units: Sequence[Organisation],
    first_meeting: date,
    synthetic: bool = False,
    acting_user: Actor,
) -> ReviewCycle:
    """A body's review cycle, with its first meeting hosted by the first unit in the rotation."""
    units = list(dict.fromkeys(units))
    authorise(acting_user, "review.manage_cycles", [body, *units])
    if not code.strip() or not name.strip():
        raise ReviewError("A cycle needs a code and a name.")
    if ReviewCycle.objects.filter(code=code).exists():
        raise ReviewError(f"There is already a review cycle with the code {code!r}.")
    if not units:
        raise ReviewError("A cycle holds at least one unit to account.")
    if not links_current_on(None).filter(organisation=body, service=service).exists():
        raise ReviewError(f"{body.display_name} has no place in the {service.name} chain.")
    answering = set(
        links_current_on(None)
        .filter(service=service, accountable_to=body, role=ChainRole.FRONT_LINE_UNIT)
        .values_list("organisation_id", flat=True)
    )
    strangers = sorted(u.code for u in units if u.pk not in answering)
    if strangers:
        raise ReviewError(
            f"{', '.join(strangers)} {'does' if len(strangers) == 1 else 'do'} not answer to "
            f"{body.display_name} in {service.name}: a cycle holds only the body's own units to account."
        )
    if not Membership.objects.filter(user_id=challenger.pk, organisation=body, role=Role.CHALLENGER).exists():
        raise ReviewError(
            f"{challenger.get_username()} is not a challenger at {body.display_name}: give them the challenger "
            "role there first."
        )
    warning = check_cadence(cadence, units)
    cycle = ReviewCycle.objects.create(
        code=code,
        name=name,
        body=body,
        service=service,
        cadence=cadence,
        challenger=challenger,  # type: ignore[misc]
        first_meeting=first_meeting,
        cadence_warning=warning,
        synthetic=synthetic,
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,  # type: ignore[misc]
    )
    CycleUnit.objects.bulk_create(
        [CycleUnit(cycle=cycle, unit=unit, rotation=n) for n, unit in enumerate(units, start=1)]
    )
    Meeting.objects.create(cycle=cycle, number=1, scheduled_for=first_meeting, host=units[0])
    record_event(
        actor=acting_user,
        action="review.create_cycle",
        subject=cycle,
        summary=f"Review cycle {cycle.code}: {cadence}, {len(units)} units, challenger {challenger.get_username()}",
        data={"units": [u.code for u in units], "cadence": cadence, "warning": warning},
    )
    return cycle


def _next_host(cycle: ReviewCycle, after: Organisation | None) -> Organisation:
    rotation = list(cycle.cycle_units.select_related("unit").order_by("rotation"))
    codes = [cu.unit_id for cu in rotation]
    if after is None or after.pk not in codes:
        return rotation[0].unit
    return rotation[(codes.index(after.pk) + 1) % len(rotation)].unit


@transaction.atomic
def schedule_next_meeting(*, cycle: ReviewCycle, acting_user: Actor) -> Meeting:
    """The meeting one cadence after the cycle's last, hosted by the next unit in the rotation."""
    authorise(acting_user, "review.manage_cycles", _organisations(cycle))
    if cycle.ended_on is not None:
        raise ReviewError(f"The cycle {cycle.code} ended on {cycle.ended_on}: it holds no more meetings.")
    last = cycle.meetings.select_related("host").order_by("-number").first()
    day = cycle.date_after(last.scheduled_for) if last else cycle.first_meeting
    meeting = Meeting.objects.create(
        cycle=cycle,
        number=(last.number + 1) if last else 1,
        scheduled_for=day,
        host=_next_host(cycle, last.host if last else None),
    )
    record_event(
        actor=acting_user,
        action="review.schedule_meeting",
        subject=meeting,
        summary=f"{cycle.code} meeting {meeting.number} on {day}, hosted by {meeting.host.code}",
    )
    return meeting


def _draft(meeting: Meeting) -> Briefing | None:
    briefing = Briefing.objects.filter(meeting=meeting).first()
    if briefing is not None and briefing.is_issued:
        raise ReviewError(
            f"The briefing for {meeting} was issued on {briefing.issued_at:%d %B %Y}: an issued briefing is not changed."
        )
    return briefing


@transaction.atomic
def generate_briefing(*, meeting: Meeting, as_of: date | None = None, acting_user: Actor) -> Briefing:
    """Read the exceptions and successes from the data for the host unit and the body as a whole.

    Regenerating a draft keeps the challenger's probe marks and notes on every item still there; marks
    on items the data no longer raise are kept in the audit record.
    """
    cycle = meeting.cycle
    authorise(acting_user, "review.prepare_briefing", _organisations(cycle))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ReviewError(
            f"{meeting} is {meeting.get_status_display().lower()}: a briefing is for a meeting to come."
        )
    as_of = as_of or today()
    existing = _draft(meeting)
    kept: dict[str, tuple[bool, str, Any, Any]] = {}
    if existing is not None:
        kept = {
            i.key: (i.probe, i.probe_note, i.marked_by_id, i.marked_at)
            for i in existing.items.filter(Q(probe=True) | ~Q(probe_note=""))
        }
        existing.items.all().delete()
        briefing = existing
        briefing.as_of = as_of
    else:
        briefing = Briefing(meeting=meeting, as_of=as_of)
    briefing.run = latest_run()
    briefing.generated_at = now()
    briefing.generated_by = acting_user if acting_user is not None and acting_user.is_authenticated else None  # type: ignore[assignment]
    briefing.save()
    specs = briefing_items(body=cycle.body, units=list(cycle.units.all()), host=meeting.host, as_of=as_of)
    items = []
    for position, spec in enumerate(specs, start=1):
        probe, note, marked_by, marked_at = kept.pop(spec.key, (False, "", None, None))
        items.append(
            BriefingItem(
                briefing=briefing,
                key=spec.key,
                scope=spec.scope,
                kind=spec.kind,
                organisation_id=spec.organisation_id,
                indicator_id=spec.indicator_id,
                headline=spec.headline[:300],
                detail=spec.detail,
                evidence=spec.evidence,
                position=position,
                probe=probe,
                probe_note=note,
                marked_by_id=marked_by,
                marked_at=marked_at,
            )
        )
    BriefingItem.objects.bulk_create(items)
    record_event(
        actor=acting_user,
        action="review.generate_briefing",
        subject=briefing,
        summary=f"Briefing for {meeting}: {len(items)} items from the data as of {as_of}",
        data={"items": len(items), "marks_no_longer_raised": {k: v[1] for k, v in kept.items()}},
    )
    return briefing


@transaction.atomic
def mark_probe(*, item: BriefingItem, probe: bool, note: str = "", acting_user: Actor) -> BriefingItem:
    """The challenger marks (or unmarks) an item to probe in the meeting, with what to ask."""
    mark_probes(briefing=item.briefing, marks={item.key: (probe, note)}, acting_user=acting_user)
    item.refresh_from_db()
    return item


@transaction.atomic
def mark_probes(
    *, briefing: Briefing, marks: Mapping[str, tuple[bool, str]], acting_user: Actor
) -> list[BriefingItem]:
    """The challenger marks what to probe across the briefing at once: ``marks`` maps each item's key
    (stable across regenerations) to (probe, what to ask). Only the items whose mark changes are saved
    and recorded; a key the briefing does not hold refuses the lot, and nothing changes."""
    meeting = briefing.meeting
    _check_challenger(meeting.cycle, acting_user)
    _draft(meeting)
    items = {i.key: i for i in briefing.items.filter(key__in=list(marks)).select_for_update()}
    unknown = sorted(set(marks) - set(items))
    if unknown:
        raise ReviewError(
            f"The briefing no longer holds {len(unknown)} of the items you marked (it was regenerated from newer "
            "data): nothing was saved. Reload the briefing and mark them again."
        )
    marked_by = acting_user if acting_user is not None and acting_user.is_authenticated else None
    marked_at = now()
    changed = []
    for key, (probe, note) in marks.items():
        item = items[key]
        if (item.probe, item.probe_note) == (bool(probe), note.strip()):
            continue
        item.probe, item.probe_note = bool(probe), note.strip()
        item.marked_by = marked_by  # type: ignore[assignment]
        item.marked_at = marked_at
        changed.append(item)
    BriefingItem.objects.bulk_update(changed, ["probe", "probe_note", "marked_by", "marked_at"])
    for item in changed:
        record_event(
            actor=acting_user,
            action="review.mark_probe",
            subject=item,
            summary=f"{'Probe' if item.probe else 'Do not probe'}: {item.headline}",
            data={"probe": item.probe, "note": item.probe_note},
        )
    return changed


def _check_challenger(cycle: ReviewCycle, acting_user: Actor) -> None:
    authorise(acting_user, "review.challenge", _organisations(cycle))
    if (
        acting_user is not None
        and acting_user.pk != cycle.challenger_id
        and not _is_administrator(acting_user)
    ):
        raise NotPermitted(
            f"{acting_user.get_username()} is not this cycle's challenger: {cycle.challenger.get_username()} marks and issues its briefings."
        )


@transaction.atomic
def issue_briefing(*, briefing: Briefing, note: str = "", acting_user: Actor) -> Briefing:
    """The challenger issues the briefing: it is frozen, and the secretariat and host are told."""
    meeting = briefing.meeting
    _check_challenger(meeting.cycle, acting_user)
    _draft(meeting)
    briefing.issued_at = now()
    briefing.issued_by = acting_user if acting_user is not None and acting_user.is_authenticated else None  # type: ignore[assignment]
    briefing.challenger_note = note.strip()
    briefing.save(update_fields=["issued_at", "issued_by", "challenger_note"])
    probes = briefing.items.filter(probe=True).count()
    record_event(
        actor=acting_user,
        action="review.issue_briefing",
        subject=briefing,
        summary=f"Briefing for {meeting} issued with {probes} items to probe",
    )
    recipients = notifications.people_at(
        [meeting.cycle.body], notifications.SECRETARIAT_ROLES
    ) + notifications.people_at([meeting.host], notifications.UNIT_ROLES)
    notifications.send_on_commit(
        [
            (
                f"Briefing issued: {meeting}",
                f"The challenger has issued the briefing for {meeting}, hosted by {meeting.host.display_name}, "
                f"with {probes} items to probe. Read it in LocalStat under Reviews.",
                [p.email for p in recipients],
            )
        ]
    )
    return briefing

"""Performance reviews over the API: cycles, briefings, meetings, actions and the review record.

Every call uses the session; who may see or do what follows the delivery chain exactly as on the
pages (``localstat/review/permissions.py``). Writes go through the review's services, so a refused
write changes nothing: 403 with the reason when not permitted, 400 with the rule it broke.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.chain.access import NotPermitted, can, permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.core.clock import today
from localstat.review import selectors, services
from localstat.review.models import Action, Briefing, BriefingItem, Commitment, Meeting, ReviewCycle

router = Router(tags=["review"], auth=django_auth)


class CycleIn(Schema):
    code: str = Field(examples=["q70-ae-monthly"])
    name: str
    body: str = Field(description="The performance-managing body's code.", examples=["Q70"])
    service: str = Field(examples=["health"])
    cadence: str = Field(
        description="weekly, fortnightly, monthly, bimonthly or quarterly.", examples=["monthly"]
    )
    challenger: str = Field(description="The challenger's username.", examples=["challenger"])
    units: list[str] = Field(description="Unit codes, in the order they host.", examples=[["RBD", "R1F"]])
    first_meeting: date


class MeetingOut(Schema):
    id: int
    cycle: str
    number: int
    scheduled_for: date
    host: str
    status: str
    held_on: date | None
    briefing_due: date
    follow_up_due: date | None
    follow_up_issued_at: datetime | None


class CycleOut(Schema):
    id: int
    code: str
    name: str
    body: str
    service: str
    cadence: str
    cadence_warning: str
    challenger: str
    units: list[str]
    synthetic: bool
    meetings: list[MeetingOut]


class ItemOut(Schema):
    id: int
    scope: str
    kind: str
    organisation: str
    indicator: str | None
    headline: str
    detail: str
    evidence: dict[str, Any]
    probe: bool
    probe_note: str


class BriefingOut(Schema):
    meeting: int
    as_of: date
    run: int | None
    generated_at: datetime
    issued_at: datetime | None
    challenger_note: str
    items: list[ItemOut]


class ProbeIn(Schema):
    probe: bool
    note: str = ""


class IssueIn(Schema):
    note: str = ""


class ActionIn(Schema):
    organisation: str = Field(examples=["RBD"])
    description: str
    owner: str = Field(description="The owner's username.", examples=["unitmanager.RBD"])
    due_on: date
    data_required: str = ""


class ActionOut(Schema):
    id: int
    meeting: int
    cycle: str
    organisation: str
    description: str
    owner: str
    due_on: date
    data_required: str
    status: str
    closed_on: date | None
    carried_over: int
    escalated_on: date | None
    overdue: bool


class ActionUpdateIn(Schema):
    note: str
    done: bool = False


class QuestionIn(Schema):
    organisation: str
    question: str
    answer: str = ""


class CommitmentIn(Schema):
    organisation: str
    description: str
    due_on: date | None = None


class RecognitionIn(Schema):
    organisation: str
    citation: str


class AssessmentIn(Schema):
    kept: bool
    note: str = ""


class DropIn(Schema):
    reason: str


class HeldIn(Schema):
    held_on: date


class AgendaActionOut(Schema):
    action: ActionOut
    carried: int
    escalated: bool
    increased_challenge: bool


class AgendaOut(Schema):
    meeting: MeetingOut
    open_actions: list[AgendaActionOut]
    challenges: list[ItemOut]
    recognition: list[ItemOut]


class RecordFilters(Schema):
    organisation: list[str] = Field(description="Organisation codes (repeat the parameter).")
    as_of: date | None = None


class ReviewRecordOut(Schema):
    organisation: str
    cycles: int
    cadence: str
    cadence_days: int | None
    meetings_held: int
    actions_due: int
    actions_done_by_due_date: int
    actions_overdue: int


def _refused(error: Exception) -> HttpError:
    if isinstance(error, NotPermitted):
        return HttpError(403, str(error))
    if isinstance(error, ValidationError):
        return HttpError(400, "; ".join(error.messages))
    raise error


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "cycle": m.cycle.code,
        "number": m.number,
        "scheduled_for": m.scheduled_for,
        "host": m.host.code,
        "status": m.status,
        "held_on": m.held_on,
        "briefing_due": m.briefing_due,
        "follow_up_due": m.follow_up_due,
        "follow_up_issued_at": m.follow_up_issued_at,
    }


def _cycle_out(c: ReviewCycle) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "body": c.body.code,
        "service": c.service.code,
        "cadence": c.cadence,
        "cadence_warning": c.cadence_warning,
        "challenger": c.challenger.get_username(),
        "units": [cu.unit.code for cu in c.cycle_units.select_related("unit")],
        "synthetic": c.synthetic,
        "meetings": [_meeting_out(m) for m in c.meetings.select_related("host", "cycle").order_by("number")],
    }


def _item_out(i: BriefingItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "scope": i.scope,
        "kind": i.kind,
        "organisation": i.organisation.code,
        "indicator": i.indicator.code if i.indicator_id else None,
        "headline": i.headline,
        "detail": i.detail,
        "evidence": i.evidence,
        "probe": i.probe,
        "probe_note": i.probe_note,
    }


def _action_out(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        "meeting": a.meeting_id,
        "cycle": a.meeting.cycle.code,
        "organisation": a.organisation.code,
        "description": a.description,
        "owner": a.owner.get_username(),
        "due_on": a.due_on,
        "data_required": a.data_required,
        "status": a.status,
        "closed_on": a.closed_on,
        "carried_over": a.carried_over,
        "escalated_on": a.escalated_on,
        "overdue": a.is_overdue(today()),
    }


def _visible_cycle(request: HttpRequest, cycle: ReviewCycle) -> None:
    parties = [cycle.body_id, *cycle.cycle_units.values_list("unit_id", flat=True)]
    if not permitted_organisations(request.user, "review.view_reviews").filter(pk__in=parties).exists():
        raise HttpError(404, "No review cycle here that you may see.")


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("cycle__body", "host"), pk=pk)
    _visible_cycle(request, meeting.cycle)
    return meeting


def _party(meeting: Meeting, code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise HttpError(400, f"organisation: no organisation has the code {code!r}.")
    return organisation


@router.get("/cycles", response=list[CycleOut], summary="Review cycles the caller may see")
def list_cycles(request: HttpRequest) -> list[dict[str, Any]]:
    return [_cycle_out(c) for c in selectors.cycles_visible_to(request.user).order_by("code")]


@router.post("/cycles", response={201: CycleOut}, summary="Set up a review cycle")
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status:
    body = Organisation.objects.filter(code=payload.body).first()
    service = Service.objects.filter(code=payload.service).first()
    challenger = get_user_model().objects.filter(username=payload.challenger).first()
    units = {o.code: o for o in Organisation.objects.filter(code__in=payload.units)}
    missing = [c for c in payload.units if c not in units]
    if body is None or service is None or challenger is None or missing:
        problems = (
            ([f"body: no organisation {payload.body!r}"] if body is None else [])
            + ([f"service: no service {payload.service!r}"] if service is None else [])
            + ([f"challenger: no user {payload.challenger!r}"] if challenger is None else [])
            + ([f"units: no organisation {', '.join(missing)}"] if missing else [])
        )
        raise HttpError(400, "; ".join(problems) + ".")
    try:
        cycle = services.create_cycle(
            code=payload.code,
            name=payload.name,
            body=body,
            service=service,
            cadence=payload.cadence,
            challenger=challenger,
            units=[units[c] for c in payload.units],
            first_meeting=payload.first_meeting,
            acting_user=request.user,
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(201, _cycle_out(cycle))


@router.get("/cycles/{code}", response=CycleOut, summary="A review cycle with its meetings")
def get_cycle(request: HttpRequest, code: str) -> dict[str, Any]:
    cycle = get_object_or_404(ReviewCycle.objects.select_related("body", "service", "challenger"), code=code)
    _visible_cycle(request, cycle)
    return _cycle_out(cycle)


@router.get("/meetings/{pk}/agenda", response=AgendaOut, summary="A meeting's agenda: open actions first")
def get_agenda(request: HttpRequest, pk: int) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    agenda = selectors.agenda_for(meeting)
    return {
        "meeting": _meeting_out(meeting),
        "open_actions": [
            {
                "action": _action_out(a.action),
                "carried": a.carried,
                "escalated": a.escalated,
                "increased_challenge": a.increased_challenge,
            }
            for a in agenda.open_actions
        ],
        "challenges": [_item_out(i) for i in agenda.challenges],
        "recognition": [_item_out(i) for i in agenda.recognition],
    }


def _briefing_out(briefing: Briefing) -> dict[str, Any]:
    return {
        "meeting": briefing.meeting_id,
        "as_of": briefing.as_of,
        "run": briefing.run_id,
        "generated_at": briefing.generated_at,
        "issued_at": briefing.issued_at,
        "challenger_note": briefing.challenger_note,
        "items": [_item_out(i) for i in briefing.items.select_related("organisation", "indicator")],
    }


@router.get("/meetings/{pk}/briefing", response=BriefingOut, summary="A meeting's briefing")
def get_briefing(request: HttpRequest, pk: int) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    briefing = Briefing.objects.filter(meeting=meeting).first()
    # The challenger sees a draft first, with the secretariat; everyone in the cycle once it is issued.
    if (
        briefing is not None
        and not briefing.is_issued
        and not can(request.user, "review.prepare_briefing", meeting.cycle.body)
    ):
        briefing = None
    if briefing is None:
        raise HttpError(404, "This meeting has no briefing you may read yet.")
    return _briefing_out(briefing)


@router.post(
    "/meetings/{pk}/briefing", response={201: BriefingOut}, summary="Generate (or regenerate) the briefing"
)
def generate_briefing(request: HttpRequest, pk: int) -> Status:
    meeting = _meeting(request, pk)
    try:
        briefing = services.generate_briefing(meeting=meeting, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(201, _briefing_out(briefing))


@router.post("/briefing-items/{pk}/probe", response=ItemOut, summary="The challenger marks an item to probe")
def mark_probe(request: HttpRequest, pk: int, payload: ProbeIn) -> dict[str, Any]:
    item = get_object_or_404(BriefingItem.objects.select_related("briefing__meeting__cycle"), pk=pk)
    _visible_cycle(request, item.briefing.meeting.cycle)
    try:
        services.mark_probe(item=item, probe=payload.probe, note=payload.note, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return _item_out(item)


@router.post(
    "/meetings/{pk}/briefing/issue", response=BriefingOut, summary="The challenger issues the briefing"
)
def issue_briefing(request: HttpRequest, pk: int, payload: IssueIn) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    briefing = Briefing.objects.filter(meeting=meeting).first()
    if briefing is None:
        raise HttpError(404, "This meeting has no briefing yet.")
    try:
        services.issue_briefing(briefing=briefing, note=payload.note, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return _briefing_out(briefing)


@router.post("/meetings/{pk}/actions", response={201: ActionOut}, summary="Record an action")
def record_action(request: HttpRequest, pk: int, payload: ActionIn) -> Status:
    meeting = _meeting(request, pk)
    owner = get_user_model().objects.filter(username=payload.owner).first()
    if owner is None:
        raise HttpError(400, f"owner: no user {payload.owner!r}.")
    try:
        action = services.record_action(
            meeting=meeting,
            organisation=_party(meeting, payload.organisation),
            description=payload.description,
            owner=owner,
            due_on=payload.due_on,
            data_required=payload.data_required,
            acting_user=request.user,
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(201, _action_out(action))


@router.post(
    "/meetings/{pk}/questions", response={201: dict[str, Any]}, summary="Record a question and answer"
)
def record_question(request: HttpRequest, pk: int, payload: QuestionIn) -> Status:
    meeting = _meeting(request, pk)
    try:
        question = services.record_question(
            meeting=meeting,
            organisation=_party(meeting, payload.organisation),
            question=payload.question,
            answer=payload.answer,
            acting_user=request.user,
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(201, {"id": question.pk, "question": question.question, "answer": question.answer})


@router.post("/meetings/{pk}/commitments", response={201: dict[str, Any]}, summary="Record a commitment")
def record_commitment(request: HttpRequest, pk: int, payload: CommitmentIn) -> Status:
    meeting = _meeting(request, pk)
    try:
        commitment = services.record_commitment(
            meeting=meeting,
            organisation=_party(meeting, payload.organisation),
            description=payload.description,
            due_on=payload.due_on,
            acting_user=request.user,
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(
        201, {"id": commitment.pk, "description": commitment.description, "status": commitment.status}
    )


@router.post(
    "/meetings/{pk}/recognitions", response={201: dict[str, Any]}, summary="Record good practice recognised"
)
def record_recognition(request: HttpRequest, pk: int, payload: RecognitionIn) -> Status:
    meeting = _meeting(request, pk)
    try:
        recognition = services.record_recognition(
            meeting=meeting,
            organisation=_party(meeting, payload.organisation),
            citation=payload.citation,
            acting_user=request.user,
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return Status(201, {"id": recognition.pk, "citation": recognition.citation})


@router.post(
    "/commitments/{pk}/assessment", response=dict[str, Any], summary="Record whether a commitment was kept"
)
def assess_commitment(request: HttpRequest, pk: int, payload: AssessmentIn) -> dict[str, Any]:
    commitment = get_object_or_404(Commitment.objects.select_related("meeting__cycle"), pk=pk)
    _visible_cycle(request, commitment.meeting.cycle)
    try:
        commitment = services.assess_commitment(
            commitment=commitment, kept=payload.kept, note=payload.note, acting_user=request.user
        )
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return {"id": commitment.pk, "status": commitment.status, "assessed_on": str(commitment.assessed_on)}


@router.post("/meetings/{pk}/held", response=MeetingOut, summary="Record the meeting as held")
def hold_meeting(request: HttpRequest, pk: int, payload: HeldIn) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    try:
        services.hold_meeting(meeting=meeting, held_on=payload.held_on, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return _meeting_out(meeting)


@router.post(
    "/meetings/{pk}/cancel", response=MeetingOut, summary="Cancel a scheduled meeting, with the reason"
)
def cancel_meeting(request: HttpRequest, pk: int, payload: DropIn) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    try:
        services.cancel_meeting(meeting=meeting, reason=payload.reason, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return _meeting_out(meeting)


@router.post("/meetings/{pk}/follow-up", response=MeetingOut, summary="Issue the follow-up note")
def issue_follow_up(request: HttpRequest, pk: int) -> dict[str, Any]:
    meeting = _meeting(request, pk)
    try:
        services.issue_follow_up(meeting=meeting, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    return _meeting_out(meeting)


@router.get("/actions", response=list[ActionOut], summary="The caller's actions and their units' actions")
def list_actions(request: HttpRequest, open_only: bool = True) -> list[dict[str, Any]]:
    actions = selectors.open_actions_for_user(request.user)
    if open_only:
        actions = actions.filter(status="open")
    return [_action_out(a) for a in actions]


@router.post("/actions/{pk}/updates", response=ActionOut, summary="Report progress on an action")
def update_action(request: HttpRequest, pk: int, payload: ActionUpdateIn) -> dict[str, Any]:
    action = get_object_or_404(
        Action.objects.select_related("organisation", "owner", "meeting__cycle"), pk=pk
    )
    if action.owner_id != request.user.pk and not can(
        request.user, "review.update_action", action.organisation
    ):
        _visible_cycle(request, action.meeting.cycle)
    try:
        services.update_action(action=action, note=payload.note, done=payload.done, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    action.refresh_from_db(fields=["status", "closed_on"])
    return _action_out(action)


@router.post("/actions/{pk}/drop", response=ActionOut, summary="Drop an action, with the reason")
def drop_action(request: HttpRequest, pk: int, payload: DropIn) -> dict[str, Any]:
    action = get_object_or_404(
        Action.objects.select_related("organisation", "owner", "meeting__cycle"), pk=pk
    )
    _visible_cycle(request, action.meeting.cycle)
    try:
        services.drop_action(action=action, reason=payload.reason, acting_user=request.user)
    except (NotPermitted, ValidationError) as error:
        raise _refused(error) from None
    action.refresh_from_db(fields=["status", "closed_on"])
    return _action_out(action)


@router.get("/record", response=list[ReviewRecordOut], summary="Review records over the 12 months to a date")
def review_record(request: HttpRequest, filters: Query[RecordFilters]) -> list[dict[str, Any]]:
    visible = permitted_organisations(request.user, "review.view_reviews").filter(
        code__in=filters.organisation
    )
    codes = dict(visible.values_list("pk", "code"))
    records = selectors.review_record(list(codes), filters.as_of or today())
    return [
        {
            "organisation": codes[pk],
            **{k: getattr(r, k) for k in ReviewRecordOut.model_fields if k != "organisation"},
        }
        for pk, r in records.items()
    ]

"""Local agreements over the API: negotiations and their steps, the engine's checks, Local PSA rewards,
accountability and trajectories. Who may see or do what follows the chain, as on the pages."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.agreements import selectors, services
from localstat.agreements.choices import NegotiationStatus
from localstat.agreements.errors import AgreementError
from localstat.agreements.models import LocalPSA, Negotiation, NegotiationStep
from localstat.api.paging import Page, paged
from localstat.chain.access import NotPermitted, can
from localstat.chain.models import Organisation, Service
from localstat.core.clock import today
from localstat.framework.models import Indicator

router = Router(tags=["agreements"], auth=django_auth)


class TargetIn(Schema):
    indicator: str
    level: float | None = Field(default=None, description="Leave out for a measure (no required level).")
    deadline: date
    description: str = ""
    responsible_officer: str = ""
    action_plan: str = ""
    milestones: list[tuple[date, float]] = Field(
        default_factory=list, description="[period start, level] pairs."
    )
    no_stretch_level: float | None = Field(default=None, description="A Local PSA stretch target's.")
    reward_share: float | None = Field(default=None, description="A Local PSA stretch target's share, 0–1.")


class PartnerIn(Schema):
    organisation: str
    contribution: str = ""


class LocalPSAIn(Schema):
    starts_on: date
    ends_on: date
    reward_grant: float
    pump_priming_grant: float = 0
    reward_threshold: float = 0.6
    reward_cap: float = 1.0
    flexibilities: list[tuple[str, str]] = Field(
        default_factory=list, description="[freedom, barrier] pairs."
    )


class ProposalIn(Schema):
    proposer: str
    service: str
    title: str
    comment: str = ""
    targets: list[TargetIn]
    partners: list[PartnerIn] = Field(default_factory=list)
    local_psa: LocalPSAIn | None = None


class StepIn(Schema):
    kind: Literal["challenge", "revision", "agreement", "withdrawal"]
    comment: str = ""
    targets: list[TargetIn] = Field(default_factory=list, description="A revision's targets.")
    style_of_relationship: str = ""
    triggers: str = ""
    escalation: str = ""
    name: str = ""
    job_title: str = ""


class SignatureIn(Schema):
    side: Literal["proposer", "department"]
    job_title: str
    name: str = ""


class ItemOut(Schema):
    position: int
    indicator: str
    level: float | None
    deadline: date
    responsible_officer: str
    action_plan: str
    baseline_period: date | None
    baseline: float | None
    milestones: list[list[str]]
    no_stretch_level: float | None
    reward_share: float | None
    checked_on: date
    verdict: str
    reason: str
    points: int
    mean: float | None
    amr: float | None
    process_limit: float | None
    best: float | None
    reach_limit: float | None
    trial_limits: bool
    peer_values: list[list[Any]]
    national_standard: float | None
    national_target: str
    target: str | None


class StepOut(Schema):
    number: int
    kind: str
    organisation: str
    author: str
    on: date
    comment: str
    checks: list[dict[str, Any]]
    terms: dict[str, str]
    targets: list[ItemOut]


class SignatureOut(Schema):
    side: str
    organisation: str
    name: str
    job_title: str
    on: date


class NegotiationOut(Schema):
    id: int
    reference: str
    kind: str
    status: str
    service: str
    proposer: str
    manager: str
    department: str
    title: str
    opened_on: date
    closed_on: date | None
    synthetic: bool


class NegotiationDetailOut(NegotiationOut):
    partners: list[PartnerIn]
    steps: list[StepOut]
    signatures: list[SignatureOut]
    sides_to_sign: list[str]


class CheckIn(Schema):
    unit: str
    targets: list[TargetIn]


class CheckOut(Schema):
    indicator: str
    level: float
    verdict: str
    reason: str
    points: int
    mean: float | None
    amr: float | None
    process_limit: float | None
    best: float | None
    reach_limit: float | None
    trial_limits: bool
    baseline_period: date | None
    baseline: float | None
    peer_values: list[list[Any]]
    national_standard: float | None
    national_target: str


class RewardIn(Schema):
    as_of: date | None = None


class RewardOut(Schema):
    as_of: date
    total: float
    reward_grant: float
    formula: str
    rows: list[dict[str, Any]]


class GoalOut(Schema):
    id: int
    organisation: str
    outcome: str
    target: str | None
    responsible_officer: str
    responsible_role: str
    action_plan: str
    due_by: date | None
    missing: list[str]


class AccountabilityOut(Schema):
    organisation: str
    goals: int
    complete: int
    without_owner: int
    without_plan: int
    without_timescale: int
    responsibilities: list[GoalOut]


class TrajectoryOut(Schema):
    target: str
    indicator: str
    level: float
    deadline: date
    period: date | None
    value: float | None
    lower_95: float | None
    upper_95: float | None
    milestone: float | None
    status: str
    signed_off: bool | None
    signed_off_by: str


def _refused(error: AgreementError | NotPermitted) -> HttpError:
    if isinstance(error, NotPermitted):
        return HttpError(403, str(error))
    return HttpError(400, "; ".join(error.messages))


def _spec(target: TargetIn) -> services.TargetSpec:
    return services.TargetSpec(
        indicator=target.indicator,
        level=None if target.level is None else str(target.level),
        deadline=target.deadline,
        description=target.description,
        responsible_officer=target.responsible_officer,
        action_plan=target.action_plan,
        milestones=[(d, str(v)) for d, v in target.milestones],
        no_stretch_level=None if target.no_stretch_level is None else str(target.no_stretch_level),
        reward_share=None if target.reward_share is None else str(target.reward_share),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _item(item: Any) -> dict[str, Any]:
    return {
        "position": item.position,
        "indicator": item.indicator.code,
        "level": _number(item.level),
        "deadline": item.deadline,
        "responsible_officer": item.responsible_officer,
        "action_plan": item.action_plan,
        "baseline_period": item.baseline_period,
        "baseline": _number(item.baseline),
        "milestones": item.milestones,
        "no_stretch_level": _number(item.no_stretch_level),
        "reward_share": _number(item.reward_share),
        "checked_on": item.checked_on,
        "verdict": item.verdict,
        "reason": item.reason,
        "points": item.points,
        "mean": item.mean,
        "amr": item.amr,
        "process_limit": item.process_limit,
        "best": item.best,
        "reach_limit": item.reach_limit,
        "trial_limits": item.trial_limits,
        "peer_values": item.peer_values,
        "national_standard": _number(item.national_standard),
        "national_target": item.national_target,
        "target": item.target.reference if item.target_id else None,
    }


def _negotiation(n: Negotiation) -> dict[str, Any]:
    return {
        "id": n.pk,
        "reference": n.reference,
        "kind": n.kind,
        "status": n.status,
        "service": n.service.code,
        "proposer": n.proposer.code,
        "manager": n.manager.code,
        "department": n.department.code,
        "title": n.title,
        "opened_on": n.opened_on,
        "closed_on": n.closed_on,
        "synthetic": n.synthetic,
    }


def _step(step: NegotiationStep) -> dict[str, Any]:
    return {
        "number": step.number,
        "kind": step.kind,
        "organisation": step.organisation.code,
        "author": step.author_name,
        "on": step.on,
        "comment": step.comment,
        "checks": step.checks,
        "terms": step.terms,
        "targets": [_item(i) for i in step.items.all()],
    }


def _detail(n: Negotiation) -> dict[str, Any]:
    return {
        **_negotiation(n),
        "partners": [
            {"organisation": p.organisation.code, "contribution": p.contribution}
            for p in n.partners.select_related("organisation")
        ],
        "steps": [_step(s) for s in selectors.steps_of(n)],
        "signatures": [
            {
                "side": s.side,
                "organisation": s.organisation.code,
                "name": s.name,
                "job_title": s.job_title,
                "on": s.on,
            }
            for s in n.signatures.select_related("organisation")
        ],
        "sides_to_sign": services.sides_to_sign(n),
    }


def _visible(request: HttpRequest, pk: int) -> Negotiation:
    return get_object_or_404(selectors.negotiations_visible_to(request.user), pk=pk)


def _organisation(code: str, what: str) -> Organisation:
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise HttpError(400, f"{what}: no organisation has the code {code!r}.")
    return found


@router.get("/negotiations", response=list[NegotiationOut], summary="Negotiations the caller may see")
def list_negotiations(
    request: HttpRequest,
    response: HttpResponse,
    page: Query[Page],
    status: NegotiationStatus | None = None,
    proposer: str | None = None,
) -> list[dict[str, Any]]:
    negotiations = selectors.negotiations_visible_to(request.user).order_by("-opened_on", "-id")
    if status:
        negotiations = negotiations.filter(status=status)
    if proposer:
        negotiations = negotiations.filter(proposer__code=proposer)
    return [_negotiation(n) for n in paged(request, response, page, negotiations)]


@router.get(
    "/negotiations/{negotiation_id}",
    response=NegotiationDetailOut,
    summary="One negotiation, its whole thread",
)
def get_negotiation(request: HttpRequest, negotiation_id: int) -> dict[str, Any]:
    return _detail(_visible(request, negotiation_id))


@router.post(
    "/negotiations", response={201: NegotiationDetailOut}, summary="Propose local targets or a Local PSA"
)
def propose(request: HttpRequest, payload: ProposalIn) -> Status:
    service = Service.objects.filter(code=payload.service).first()
    if service is None:
        raise HttpError(400, f"service: no service has the code {payload.service!r}.")
    proposer = _organisation(payload.proposer, "proposer")
    partners = [(_organisation(p.organisation, "partners"), p.contribution) for p in payload.partners]
    local_psa = None
    if payload.local_psa is not None:
        spec = payload.local_psa
        local_psa = services.LocalPSASpec(
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            reward_grant=str(spec.reward_grant),
            pump_priming_grant=str(spec.pump_priming_grant),
            reward_threshold=str(spec.reward_threshold),
            reward_cap=str(spec.reward_cap),
            flexibilities=spec.flexibilities,
        )
    try:
        negotiation = services.propose_targets(
            proposer=proposer,
            service=service,
            title=payload.title,
            targets=[_spec(t) for t in payload.targets],
            comment=payload.comment,
            partners=partners,
            local_psa=local_psa,
            acting_user=request.user,
        )
    except (AgreementError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _detail(negotiation))


@router.post(
    "/negotiations/{negotiation_id}/steps",
    response={201: NegotiationDetailOut},
    summary="Take the next step: challenge, revision, agreement (signs for the manager) or withdrawal",
)
def take_step(request: HttpRequest, negotiation_id: int, payload: StepIn) -> Status:
    negotiation = _visible(request, negotiation_id)
    try:
        if payload.kind == "challenge":
            services.challenge_proposal(
                negotiation=negotiation, comment=payload.comment, acting_user=request.user
            )
        elif payload.kind == "revision":
            services.revise_proposal(
                negotiation=negotiation,
                targets=[_spec(t) for t in payload.targets],
                comment=payload.comment,
                acting_user=request.user,
            )
        elif payload.kind == "agreement":
            services.agree_proposal(
                negotiation=negotiation,
                style_of_relationship=payload.style_of_relationship,
                triggers=payload.triggers,
                escalation=payload.escalation,
                name=payload.name,
                job_title=payload.job_title,
                comment=payload.comment,
                acting_user=request.user,
            )
        else:
            services.withdraw_negotiation(
                negotiation=negotiation, reason=payload.comment, acting_user=request.user
            )
    except (AgreementError, NotPermitted) as error:
        raise _refused(error) from None
    negotiation.refresh_from_db()
    return Status(201, _detail(negotiation))


@router.post(
    "/negotiations/{negotiation_id}/signatures",
    response={201: NegotiationDetailOut},
    summary="Sign an agreed proposal for the proposer or, where a reward grant is involved, the department",
)
def sign(request: HttpRequest, negotiation_id: int, payload: SignatureIn) -> Status:
    negotiation = _visible(request, negotiation_id)
    try:
        services.sign_agreement(
            negotiation=negotiation,
            side=payload.side,
            name=payload.name,
            job_title=payload.job_title,
            acting_user=request.user,
        )
    except (AgreementError, NotPermitted) as error:
        raise _refused(error) from None
    negotiation.refresh_from_db()
    return Status(201, _detail(negotiation))


@router.post(
    "/checks", response=list[CheckOut], summary="The engine's checks of proposed levels, recording nothing"
)
def check(request: HttpRequest, payload: CheckIn) -> list[dict[str, Any]]:
    unit = get_object_or_404(Organisation, code=payload.unit)
    if not can(request.user, "agreements.view", unit):
        raise HttpError(404, "Not found")
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(code__in=[t.indicator for t in payload.targets]).select_related(
            "current_version"
        )
    }
    missing = [t.indicator for t in payload.targets if t.indicator not in indicators]
    if missing:
        raise HttpError(400, f"targets: no indicator has the code {', '.join(repr(m) for m in missing)}.")
    proposed = [
        selectors.ProposedLevel(position, indicators[t.indicator], t.level)
        for position, t in enumerate(payload.targets, 1)
        if t.level is not None
    ]
    checks = selectors.check_levels(unit, proposed, as_of=today())
    return [
        {
            "indicator": p.indicator.code,
            "level": p.level,
            **checks[p.position],
            "national_standard": _number(checks[p.position]["national_standard"]),
        }
        for p in proposed
    ]


@router.get(
    "/local-psas/{negotiation_id}/rewards",
    response=list[RewardOut],
    summary="A Local PSA's reward assessments",
)
def rewards(request: HttpRequest, negotiation_id: int) -> list[dict[str, Any]]:
    local_psa = get_object_or_404(LocalPSA, negotiation=_visible(request, negotiation_id))
    return [
        {
            "as_of": a.as_of,
            "total": float(a.total),
            "reward_grant": float(local_psa.reward_grant),
            "formula": a.formula,
            "rows": a.rows,
        }
        for a in local_psa.reward_assessments.all()
    ]


@router.post(
    "/local-psas/{negotiation_id}/rewards", response={201: RewardOut}, summary="Assess a Local PSA's reward"
)
def assess_reward(request: HttpRequest, negotiation_id: int, payload: RewardIn) -> Status:
    local_psa = get_object_or_404(LocalPSA, negotiation=_visible(request, negotiation_id))
    try:
        a = services.assess_reward(local_psa=local_psa, as_of=payload.as_of, acting_user=request.user)
    except (AgreementError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(
        201,
        {
            "as_of": a.as_of,
            "total": float(a.total),
            "reward_grant": float(local_psa.reward_grant),
            "formula": a.formula,
            "rows": a.rows,
        },
    )

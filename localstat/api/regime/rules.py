"""Consequences over the API: published trigger rules and what they granted, proposals and decisions.

Published rules, freedoms, rewards and decided payments are public (seed 4.3, 4.9). Drafts, proposals
and payments awaiting decision are seen by the people the pages show them to; writes use the signed-in
session and the same services, permissions and errors as the pages: a refusal is a 400 with the reason,
a missing permission a 403, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.api.paging import Page, paged
from localstat.chain.access import NotPermitted, permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.core.clock import today
from localstat.regime import selectors, services
from localstat.regime.choices import Decision, RuleSetStatus
from localstat.regime.explain import evidence_lines
from localstat.regime.models import Freedom, Payment, Proposal, Reward, RuleSet

router = Router(tags=["regime"])
LIMIT = 5000


class RuleSetOut(Schema):
    id: int
    operator: str
    service: str
    version: int
    title: str
    status: str
    applies_to: str
    published_on: date | None
    superseded_on: date | None
    notes: str
    source: str
    rules: dict[str, Any]


class RuleSetIn(Schema):
    operator: str = Field(description="Code of the department or intermediate-tier body operating the rules")
    service: str
    source: str = Field(description="The rules in YAML (docs/regime-rules.md)")
    notes: str = ""


class PreviewIn(RuleSetIn):
    as_of: date | None = None


class PreviewOut(Schema):
    run: int | None
    skipped: str
    triggered: dict[str, list[str]]
    payments: dict[str, dict[str, float]]


class ProposalOut(Schema):
    id: int
    organisation: str
    rule_set: int
    rule_set_version: int
    rule_id: str
    rule_title: str
    kind: str
    run: int | None
    as_of: date
    period: date | None
    evidence: dict[str, Any]
    reasons: list[str]
    proposed: dict[str, Any]
    status: str
    decided: dict[str, Any]
    reason: str
    decided_by: str | None


class DecisionIn(Schema):
    decision: Literal["confirmed", "changed", "rejected"]
    reason: str = ""
    ends_on: date | None = None
    amount: Decimal | None = None


class FreedomOut(Schema):
    id: int
    organisation: str
    operator: str
    service: str
    kind: str
    basis: str
    title: str
    indicator: str | None
    starts_on: date
    ends_on: date | None
    reason: str
    end_reason: str
    rule_set: int
    rule_id: str
    exemption: int | None


class RewardOut(Schema):
    id: int
    organisation: str
    operator: str
    kind: str
    title: str
    amount: Decimal | None
    awarded_on: date
    reason: str
    rule_set: int
    rule_id: str


class PaymentOut(Schema):
    id: int
    organisation: str
    operator: str
    scheme: str
    rule_set: int
    rule_id: str
    period: date
    earned: bool
    amount_due: Decimal
    amount_paid: Decimal | None
    status: str
    reason: str
    evidence: dict[str, Any]


class PaymentsDecisionIn(Schema):
    payments: list[int]
    decision: Literal["confirmed", "changed", "rejected"]
    reason: str = ""
    amount: Decimal | None = None


class UnitFilter(Schema):
    unit: str | None = None
    as_of: date | None = None


class PaymentFilter(Schema):
    unit: str | None = None
    period: date | None = None
    status: str | None = None


class ProposalFilter(Schema):
    status: str | None = None
    rule: str | None = None
    unit: str | None = None


def _refused(error: ValidationError | NotPermitted) -> HttpError:
    if isinstance(error, NotPermitted):
        return HttpError(403, str(error))
    return HttpError(400, "; ".join(error.messages))


def _status(value: str | None, choices: Any) -> str | None:
    """A status filter, refused with the statuses there are when it names none of them."""
    if value and value not in choices.values:
        raise HttpError(400, f"status: {value!r} is not a status; use one of {', '.join(choices.values)}.")
    return value or None


def _rule_set(record: RuleSet) -> dict[str, Any]:
    return {
        "id": record.pk,
        "operator": record.operator.code,
        "service": record.service.code,
        "version": record.version,
        "title": record.title,
        "status": record.status,
        "applies_to": record.applies_to,
        "published_on": record.published_on,
        "superseded_on": record.superseded_on,
        "notes": record.notes,
        "source": record.source,
        "rules": record.rules,
    }


def _visible_rule_sets(request: HttpRequest) -> QuerySet[RuleSet]:
    rule_sets = RuleSet.objects.select_related("operator", "service")
    shown = ~Q(status=RuleSetStatus.DRAFT)
    if request.user.is_authenticated:
        shown |= Q(operator__in=permitted_organisations(request.user, "regime.manage_rules"))
    return rule_sets.filter(shown)


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organisation": p.organisation.code,
        "rule_set": p.rule_set_id,
        "rule_set_version": p.rule_set.version,
        "rule_id": p.rule_id,
        "rule_title": p.rule_title,
        "kind": p.kind,
        "run": p.run_id,
        "as_of": p.as_of,
        "period": p.period,
        "evidence": p.evidence,
        "reasons": evidence_lines(p.evidence),
        "proposed": p.proposed,
        "status": p.status,
        "decided": p.decided,
        "reason": p.reason,
        "decided_by": p.decided_by.username if p.decided_by_id else None,
    }


def _operator_and_service(payload: RuleSetIn) -> tuple[Organisation, Service]:
    operator = Organisation.objects.filter(code=payload.operator).first()
    if operator is None:
        raise HttpError(400, f"operator: no organisation has the code {payload.operator!r}.")
    service = Service.objects.filter(code=payload.service).first()
    if service is None:
        raise HttpError(400, f"service: no service has the code {payload.service!r}.")
    return operator, service


@router.get(
    "/rule-sets",
    response=list[RuleSetOut],
    summary="Rule sets: every published version; drafts for their operators",
)
def list_rule_sets(request: HttpRequest, response: HttpResponse, page: Query[Page]) -> list[dict[str, Any]]:
    return [_rule_set(r) for r in paged(request, response, page, _visible_rule_sets(request))]


@router.get("/rule-sets/{rule_set_id}", response=RuleSetOut, summary="One rule set version")
def get_rule_set(request: HttpRequest, rule_set_id: int) -> dict[str, Any]:
    record = _visible_rule_sets(request).filter(pk=rule_set_id).first()
    if record is None:
        raise HttpError(404, f"No rule set {rule_set_id} that you may see.")
    return _rule_set(record)


@router.post(
    "/rule-sets", response={201: RuleSetOut}, auth=django_auth, summary="Save rules as the next draft version"
)
def draft_rule_set(request: HttpRequest, payload: RuleSetIn) -> Status:
    operator, service = _operator_and_service(payload)
    try:
        record = services.draft_rule_set(
            operator=operator,
            service=service,
            source=payload.source,
            notes=payload.notes,
            acting_user=request.user,
        )
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _rule_set(record))


@router.post(
    "/preview",
    response=PreviewOut,
    auth=django_auth,
    summary="What rules would propose on the judgements now; writes nothing",
)
def preview_rule_set(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    operator, service = _operator_and_service(payload)
    try:
        preview = services.preview_rules(
            operator=operator,
            service=service,
            source=payload.source,
            as_of=payload.as_of,
            acting_user=request.user,
        )
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    return {
        "run": preview.report.run_id,
        "skipped": preview.report.skipped,
        "triggered": preview.triggered,
        "payments": {
            rule: {"unit_periods": n, "earned": earned, "total": total}
            for rule, (n, earned, total) in preview.payments.items()
        },
    }


@router.post(
    "/rule-sets/{rule_set_id}/publish", response=RuleSetOut, auth=django_auth, summary="Publish a draft"
)
def publish_rule_set(request: HttpRequest, rule_set_id: int) -> dict[str, Any]:
    record = _visible_rule_sets(request).filter(pk=rule_set_id).first()
    if record is None:
        raise HttpError(404, f"No rule set {rule_set_id} that you may see.")
    try:
        record = services.publish_rule_set(rule_set=record, acting_user=request.user)
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    return _rule_set(RuleSet.objects.select_related("operator", "service").get(pk=record.pk))


def _visible_proposals(request: HttpRequest) -> QuerySet[Proposal]:
    return Proposal.objects.filter(
        organisation__in=permitted_organisations(request.user, "regime.view_proposals")
    ).select_related("organisation", "rule_set", "decided_by")


@router.get(
    "/proposals", response=list[ProposalOut], auth=django_auth, summary="Proposals you may see, with evidence"
)
def list_proposals(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[ProposalFilter]
) -> list[dict[str, Any]]:
    proposals = _visible_proposals(request)
    if _status(filters.status, Decision):
        proposals = proposals.filter(status=filters.status)
    if filters.rule:
        proposals = proposals.filter(rule_id=filters.rule)
    if filters.unit:
        proposals = proposals.filter(organisation__code=filters.unit)
    return [_proposal(p) for p in paged(request, response, page, proposals.order_by("-created_at", "pk"))]


@router.post(
    "/proposals/{proposal_id}/decision",
    response=ProposalOut,
    auth=django_auth,
    summary="Confirm, change or reject a proposal (a change or a rejection needs a reason)",
)
def decide_proposal(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> dict[str, Any]:
    proposal = _visible_proposals(request).filter(pk=proposal_id).first()
    if proposal is None:
        raise HttpError(404, f"No proposal {proposal_id} that you may see.")
    try:
        decided = services.decide_proposal(
            proposal=proposal,
            decision=payload.decision,
            reason=payload.reason,
            ends_on=payload.ends_on,
            amount=payload.amount,
            acting_user=request.user,
        )
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    return _proposal(_visible_proposals(request).get(pk=decided.pk))


@router.get("/freedoms", response=list[FreedomOut], summary="Freedoms in force (public), baseline and earned")
def list_freedoms(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[UnitFilter]
) -> list[dict[str, Any]]:
    freedoms = Freedom.objects.filter(selectors.in_force(filters.as_of or today())).select_related(
        "organisation", "operator", "service", "indicator"
    )
    if filters.unit:
        freedoms = freedoms.filter(organisation__code=filters.unit)
    return [
        {
            "id": f.pk,
            "organisation": f.organisation.code,
            "operator": f.operator.code,
            "service": f.service.code,
            "kind": f.kind,
            "basis": f.basis,
            "title": f.title,
            "indicator": f.indicator.code if f.indicator_id else None,
            "starts_on": f.starts_on,
            "ends_on": f.ends_on,
            "reason": f.reason,
            "end_reason": f.end_reason,
            "rule_set": f.rule_set_id,
            "rule_id": f.rule_id,
            "exemption": f.exemption_id,
        }
        for f in paged(request, response, page, freedoms.order_by("organisation__code", "kind"))
    ]


@router.get("/rewards", response=list[RewardOut], summary="Rewards given (public)")
def list_rewards(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[UnitFilter]
) -> list[dict[str, Any]]:
    rewards = Reward.objects.select_related("organisation", "operator")
    if filters.unit:
        rewards = rewards.filter(organisation__code=filters.unit)
    return [
        {
            "id": w.pk,
            "organisation": w.organisation.code,
            "operator": w.operator.code,
            "kind": w.kind,
            "title": w.title,
            "amount": w.amount,
            "awarded_on": w.awarded_on,
            "reason": w.reason,
            "rule_set": w.rule_set_id,
            "rule_id": w.rule_id,
        }
        for w in paged(request, response, page, rewards)
    ]


def _payment(p: Payment, in_chain: bool = True) -> dict[str, Any]:
    """A payment; its evidence (values from judgements that may not be released yet) only for the
    people in the unit's chain."""
    return {
        "id": p.pk,
        "organisation": p.organisation.code,
        "operator": p.operator.code,
        "scheme": p.scheme,
        "rule_set": p.rule_set_id,
        "rule_id": p.rule_id,
        "period": p.period,
        "earned": p.earned,
        "amount_due": p.amount_due,
        "amount_paid": p.amount_paid,
        "status": p.status,
        "reason": p.reason,
        "evidence": p.evidence if in_chain else {},
    }


def _visible_payments(request: HttpRequest) -> QuerySet[Payment]:
    shown = ~Q(status=Decision.OPEN)
    if request.user.is_authenticated:
        shown |= Q(organisation__in=permitted_organisations(request.user, "regime.view_proposals"))
    return Payment.objects.filter(shown).select_related("organisation", "operator")


@router.get(
    "/payments",
    response=list[PaymentOut],
    summary="Payments under all-or-nothing schemes: decided ones are public; computed ones inside the chain",
)
def list_payments(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[PaymentFilter]
) -> list[dict[str, Any]]:
    payments = _visible_payments(request)
    if filters.unit:
        payments = payments.filter(organisation__code=filters.unit)
    if filters.period:
        payments = payments.filter(period=filters.period)
    if _status(filters.status, Decision):
        payments = payments.filter(status=filters.status)
    shown = paged(request, response, page, payments.order_by("-period", "organisation__code"))
    in_chain = (
        set(
            permitted_organisations(request.user, "regime.view_proposals")
            .filter(pk__in={p.organisation_id for p in shown})
            .values_list("pk", flat=True)
        )
        if request.user.is_authenticated and shown
        else set()
    )
    return [_payment(p, p.organisation_id in in_chain) for p in shown]


@router.post(
    "/payments/decision",
    response=list[PaymentOut],
    auth=django_auth,
    summary="Confirm computed payments, or change or reject one with a reason",
)
def decide_payments(request: HttpRequest, payload: PaymentsDecisionIn) -> list[dict[str, Any]]:
    chosen = list(_visible_payments(request).filter(pk__in=payload.payments))
    missing = sorted(set(payload.payments) - {p.pk for p in chosen})
    if missing:
        raise HttpError(404, f"No payment {', '.join(map(str, missing))} that you may see.")
    try:
        services.decide_payments(
            payments=chosen,
            decision=payload.decision,
            reason=payload.reason,
            amount=payload.amount,
            acting_user=request.user,
        )
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    decided = _visible_payments(request).filter(pk__in=payload.payments).order_by("organisation__code")
    return [_payment(p) for p in decided]

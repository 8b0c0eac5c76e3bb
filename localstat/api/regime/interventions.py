"""Consequences over the API: published trigger rules and what they granted, proposals and decisions.

Published rules, freedoms, rewards and decided payments are public (seed 4.3, 4.9). Drafts, proposals
and payments awaiting decision are seen by the people the pages show them to; writes use the signed-in
session and the same services, permissions and errors as the pages: a refusal is a 400 with the reason,
a missing permission a 403, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.api.paging import Page, paged
from localstat.api.regime.rules import LIMIT, RuleSetIn, _operator_and_service, _refused, router
from localstat.chain.access import NotPermitted, permitted_organisations
from localstat.regime import services
from localstat.regime.choices import InterventionStatus
from localstat.regime.models import ExceptionAlert, Intervention


class InterventionEventOut(Schema):
    kind: str
    level: str
    on: date
    review_on: date | None
    by: str | None
    reason: str


class InterventionOut(Schema):
    id: int
    organisation: str
    operator: str
    owner: str
    level: str
    status: str
    title: str
    exit_criteria: list[str]
    opened_on: date
    review_on: date
    review_note: str = Field(
        description="Why the latest evaluation proposed no step though the review date has passed; "
        "empty when a step was proposed or the review is not yet due."
    )
    closed_on: date | None
    rule_set: int
    rule_id: str
    history: list[InterventionEventOut]


class ExceptionOut(Schema):
    intervention: InterventionOut
    department: str
    raised_on: date
    months_open: int


def _intervention(i: Intervention) -> dict[str, Any]:
    return {
        "id": i.pk,
        "organisation": i.organisation.code,
        "operator": i.operator.code,
        "owner": i.owner.code,
        "level": i.level,
        "status": i.status,
        "title": i.title,
        "exit_criteria": i.exit_criteria,
        "opened_on": i.opened_on,
        "review_on": i.review_on,
        "review_note": i.review_note,
        "closed_on": i.closed_on,
        "rule_set": i.rule_set_id,
        "rule_id": i.rule_id,
        "history": [
            {
                "kind": e.kind,
                "level": e.level,
                "on": e.on,
                "review_on": e.review_on,
                "by": e.by.username if e.by_id else None,
                "reason": e.reason,
            }
            for e in i.events.all()
        ],
    }


class InterventionFilter(Schema):
    unit: str | None = None
    status: str | None = None


@router.get(
    "/interventions",
    response=list[InterventionOut],
    auth=django_auth,
    summary="Interventions in the units you may see, with their history",
)
def list_interventions(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[InterventionFilter]
) -> list[dict[str, Any]]:
    shown = (
        Intervention.objects.filter(
            organisation__in=permitted_organisations(request.user, "regime.view_proposals")
        )
        .select_related("organisation", "operator", "owner")
        .prefetch_related("events__by")
    )
    if filters.unit:
        shown = shown.filter(organisation__code=filters.unit)
    if filters.status and filters.status not in InterventionStatus.values:
        raise HttpError(
            400,
            f"status: {filters.status!r} is not a status; use one of {', '.join(InterventionStatus.values)}.",
        )
    if filters.status:
        shown = shown.filter(status=filters.status)
    return [_intervention(i) for i in paged(request, response, page, shown.order_by("-opened_on", "pk"))]


@router.get(
    "/exceptions",
    response=list[ExceptionOut],
    auth=django_auth,
    summary="Units reaching the department by exception (department analysts)",
)
def list_exceptions(request: HttpRequest, response: HttpResponse, page: Query[Page]) -> list[dict[str, Any]]:
    visible = permitted_organisations(request.user, "regime.view_exceptions")
    if not visible.exists():
        raise HttpError(403, "Only department analysts and administrators see the exceptions.")
    alerts = (
        ExceptionAlert.objects.filter(intervention__organisation__in=visible)
        .select_related(
            "department", "intervention__organisation", "intervention__operator", "intervention__owner"
        )
        .prefetch_related("intervention__events__by")
    )
    return [
        {
            "intervention": _intervention(a.intervention),
            "department": a.department.code,
            "raised_on": a.raised_on,
            "months_open": a.months_open,
        }
        for a in paged(request, response, page, alerts)
    ]


class BacktestIn(RuleSetIn):
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")


class BacktestRuleOut(Schema):
    rule: str
    title: str
    triggers: int
    units: int
    recovered: int
    not_recovered: int
    too_recent: int


class BacktestTriggerOut(Schema):
    as_of: date
    rule: str
    unit: str
    indicator: str | None
    value_at_trigger: float | None
    value_after_3: float | None
    variation_after_3: str | None
    change_after_3: float | None
    value_after_6: float | None
    variation_after_6: str | None
    change_after_6: float | None
    recovered: bool | None


class BacktestOut(Schema):
    months: list[date]
    rules: list[BacktestRuleOut]
    payments: list[dict[str, Any]]
    triggers: list[BacktestTriggerOut]


@router.post(
    "/backtest",
    response=BacktestOut,
    auth=django_auth,
    summary="Replay rules month by month over stored history, with no look-ahead; writes nothing",
)
def backtest(request: HttpRequest, payload: BacktestIn) -> dict[str, Any]:
    from localstat.regime.backtest import backtest_rules

    operator, service = _operator_and_service(payload)
    try:
        result = backtest_rules(
            rules=services.read_rules(payload.source),
            operator=operator,
            service=service,
            date_from=payload.date_from,
            date_to=payload.date_to,
            acting_user=request.user,
        )
    except (ValidationError, NotPermitted) as error:
        raise _refused(error) from None
    return {
        "months": result.months,
        "rules": result.summary().to_dicts(),
        "payments": result.payment_totals().to_dicts(),
        "triggers": result.outcomes.head(LIMIT).to_dicts(),
    }

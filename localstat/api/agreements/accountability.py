"""Local agreements over the API: negotiations and their steps, the engine's checks, Local PSA rewards,
accountability and trajectories. Who may see or do what follows the chain, as on the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query
from ninja.errors import HttpError

from localstat.agreements import exports, selectors
from localstat.api.agreements.negotiations import AccountabilityOut, GoalOut, TrajectoryOut, router
from localstat.api.paging import Page, paged
from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today


def _goal(goal: Any) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "organisation": goal.organisation.code,
        "outcome": goal.outcome,
        "target": goal.target.reference if goal.target_id else None,
        "responsible_officer": goal.responsible_officer,
        "responsible_role": goal.responsible_role,
        "action_plan": goal.action_plan,
        "due_by": goal.due_by,
        "missing": goal.missing,
    }


@router.get(
    "/goals/lacking",
    response=list[GoalOut],
    summary="Goals without a named owner, an action plan or a timescale",
)
def goals_lacking(request: HttpRequest, response: HttpResponse, page: Query[Page]) -> list[dict[str, Any]]:
    visible = permitted_organisations(request.user, "agreements.view")
    return [_goal(g) for g in paged(request, response, page, selectors.goals_lacking(visible))]


def _organisation_visible(request: HttpRequest, code: str) -> Organisation:
    organisation = get_object_or_404(Organisation, code=code)
    if not can(request.user, "agreements.view", organisation):
        raise HttpError(404, "Not found")
    return organisation


@router.get(
    "/organisations/{code}/accountability", response=AccountabilityOut, summary="Who is responsible for what"
)
def accountability(request: HttpRequest, code: str) -> dict[str, Any]:
    organisation = _organisation_visible(request, code)
    record = selectors.accountability_record([organisation.pk])[organisation.pk]
    goals = [g for _, group in selectors.responsibilities(organisation) for g in group]
    for goal in goals:
        goal.organisation = organisation
    return {
        "organisation": organisation.code,
        "goals": record.goals,
        "complete": record.complete,
        "without_owner": record.without_owner,
        "without_plan": record.without_plan,
        "without_timescale": record.without_timescale,
        "responsibilities": [_goal(g) for g in goals],
    }


@router.get(
    "/organisations/{code}/trajectories",
    response=list[TrajectoryOut],
    summary="Each agreed target against its trajectory: on track, at risk or off track",
)
def trajectories(request: HttpRequest, code: str, as_of: date | None = None) -> list[dict[str, Any]]:
    organisation = _organisation_visible(request, code)
    statuses = selectors.trajectory_status([organisation.pk], as_of or today())[organisation.pk]
    return [
        {
            "target": s.reference,
            "indicator": s.indicator,
            "level": s.level,
            "deadline": s.deadline,
            "period": s.period,
            "value": s.value,
            "lower_95": s.lower_95,
            "upper_95": s.upper_95,
            "milestone": s.milestone,
            "status": s.status,
            "signed_off": s.signed_off,
            "signed_off_by": s.signed_off_by,
        }
        for s in statuses
    ]


@router.get(
    "/export", response=list[dict[str, Any]], summary="Every agreement the caller may see, a row per target"
)
def export(request: HttpRequest) -> list[dict[str, Any]]:
    rows = exports.agreement_rows(selectors.negotiations_visible_to(request.user))
    return [
        {
            k: (v.isoformat() if isinstance(v, date) else str(v) if v is not None else None)
            for k, v in zip(exports.COLUMNS, row, strict=True)
        }
        for row in rows
    ]

"""Assessment runs and judgements over the API: who may see a judgement follows the chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.api.paging import Page, paged
from localstat.assessment import selectors
from localstat.assessment.explain import judgement_sentences
from localstat.assessment.models import AssessmentRun, Judgement
from localstat.chain.access import permitted_organisations

router = Router(tags=["assessment"], auth=django_auth)


class RunOut(Schema):
    id: int
    as_of: date
    scope: str
    status: str
    engine_version: str
    parameters: dict[str, Any]
    indicators: list[str]
    input_fingerprint: str
    observations: int
    timings: dict[str, float]
    trigger: str
    started_at: datetime
    finished_at: datetime | None


class JudgementOut(Schema):
    run: int
    level: str
    organisation: str | None
    parent: str | None
    indicator: str
    period: date
    value: float | None
    lower_95: float | None
    upper_95: float | None
    national_value: float | None
    vs_national: str
    parent_value: float | None
    vs_parent: str
    peer_value: float | None
    vs_peers: str
    vs_standard: str
    target_status: str
    variation: str
    assurance: str
    spc_rule: str
    trend: str
    band: str | None
    position: str | None
    evidence: dict[str, Any]


class ExplainedJudgementOut(JudgementOut):
    reasons: list[str]


class JudgementFilters(Schema):
    unit: str | None = None
    indicator: str | None = None
    band: str | None = None
    variation: str | None = None
    assurance: str | None = None


def _out(judgement: Judgement, assessments: dict[int, Any]) -> dict[str, Any]:
    position = assessments.get(judgement.organisation_id) if judgement.organisation_id else None
    return {
        **{
            f: getattr(judgement, f)
            for f in JudgementOut.model_fields
            if hasattr(judgement, f) and f not in {"run", "organisation", "parent", "indicator"}
        },
        "run": judgement.run_id,
        "organisation": judgement.organisation.code if judgement.organisation_id else None,
        "parent": judgement.parent.code if judgement.parent_id else None,
        "indicator": judgement.indicator.code,
        "band": position.band if position else None,
        "position": position.position if position else None,
    }


def _visible(request: HttpRequest) -> QuerySet[Judgement]:
    visible = permitted_organisations(request.user, "assessment.view_judgements")
    return selectors.current_judgements().filter(organisation__in=visible)


@router.get("/runs", response=list[RunOut], summary="Assessment runs, newest first")
def list_runs(request: HttpRequest, response: HttpResponse, page: Query[Page]) -> list[AssessmentRun]:
    if not permitted_organisations(request.user, "assessment.run").exists():
        raise HttpError(403, "Only department analysts and administrators see assessment runs.")
    return paged(request, response, page, AssessmentRun.objects.order_by("-started_at", "-id"))


@router.get("/judgements", response=list[JudgementOut], summary="Current judgements you may see, filtered")
def list_judgements(
    request: HttpRequest, response: HttpResponse, page: Query[Page], filters: Query[JudgementFilters]
) -> list[dict[str, Any]]:
    judgements = _visible(request)
    if filters.unit:
        judgements = judgements.filter(organisation__code=filters.unit)
    if filters.indicator:
        judgements = judgements.filter(indicator__code=filters.indicator)
    for field in ("variation", "assurance"):
        if getattr(filters, field):
            judgements = judgements.filter(**{field: getattr(filters, field)})
    assessments = {a.organisation_id: a for a in selectors.UnitAssessment.objects.filter(is_current=True)}
    if filters.band:
        judgements = judgements.filter(
            organisation_id__in=[o for o, a in assessments.items() if a.band == filters.band]
        )
    return [
        _out(j, assessments)
        for j in paged(request, response, page, judgements.order_by("indicator__code", "organisation__code"))
    ]


@router.get(
    "/judgements/{unit}/{indicator}",
    response=ExplainedJudgementOut,
    summary="One judgement with its evidence and reasons",
)
def get_judgement(request: HttpRequest, unit: str, indicator: str) -> dict[str, Any]:
    judgement = _visible(request).filter(organisation__code=unit, indicator__code=indicator).first()
    if judgement is None:
        raise HttpError(404, f"No judgement of {unit} on {indicator} that you may see.")
    assessments = {
        a.organisation_id: a
        for a in selectors.UnitAssessment.objects.filter(
            is_current=True, organisation_id=judgement.organisation_id
        )
    }
    return {
        **_out(judgement, assessments),
        "reasons": judgement_sentences(judgement, selectors.wording_for(judgement)),
    }

"""Inspection over the API: published rules and outcomes (public), the plan, the backtest, inspections,
capacity assessments and audit marks (inspectors and units, by the chain's permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from localstat.api.inspection.schemas import (
    AuditMarkIn,
    AuditMarkOut,
    BacktestOut,
    CapacityIn,
    CapacityOut,
    InspectionIn,
    InspectionOut,
    PlanOut,
    PlanQuery,
    PrefillOut,
    PreviewOut,
    RulesIn,
    RulesOut,
)
from localstat.api.paging import Page, paged
from localstat.chain.access import NotPermitted, can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework.models import Indicator
from localstat.inspection import selectors, services
from localstat.inspection.choices import CapacitySource
from localstat.inspection.errors import InspectionError
from localstat.inspection.models import AuditMark, CapacityAssessment, Inspection
from localstat.inspection.prefill import prefill_for
from localstat.inspection.rules import preview_rules
from localstat.returns.models import Collection

router = Router(tags=["inspection"])


def _refused(error: InspectionError | NotPermitted) -> HttpError:
    if isinstance(error, NotPermitted):
        return HttpError(403, str(error))
    return HttpError(400, "; ".join(error.messages))


def _unit(request: HttpRequest, code: str, action: str) -> Organisation:
    unit = Organisation.objects.filter(code=code).first()
    if unit is None or not can(request.user, action, unit):
        raise HttpError(404, f"No unit {code!r} that you may {action.split('.')[-1].replace('_', ' ')}.")
    return unit


def _inspection(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "unit": inspection.unit.code,
        "inspectorate": inspection.inspectorate.code,
        "visited_on": inspection.visited_on,
        "depth": inspection.depth,
        "breadth": inspection.breadth,
        "scope": inspection.scope,
        "judgement": inspection.judgement,
        "summary": inspection.summary,
        "support_offered": inspection.support_offered,
        "synthetic": inspection.synthetic,
        "published_at": inspection.published_at,
        "plan": inspection.plan,
        "findings": [
            {
                "kind": f.kind,
                "subject": f.subject,
                "rating": f.rating,
                "evidence": f.evidence,
                "indicator": f.indicator.code if f.indicator_id else None,
            }
            for f in inspection.findings.all()
        ],
    }


def _capacity(assessment: CapacityAssessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "unit": assessment.unit.code,
        "source": assessment.source,
        "status": assessment.status,
        "assessed_on": assessment.assessed_on,
        "overall_score": assessment.overall_score,
        "inspection": assessment.inspection_id,
        "verifies": assessment.verifies_id,
        "synthetic": assessment.synthetic,
        "scores": [
            {"component": s.component, "score": s.score, "evidence": s.evidence}
            for s in assessment.scores.all()
        ],
        "prefill": assessment.prefill,
    }


def _plan(request: HttpRequest, query: PlanQuery) -> selectors.Plan:
    visible = permitted_organisations(request.user, "inspection.view_plan")
    if not visible.exists():
        raise HttpError(403, "Only inspectors and administrators see inspection plans.")
    mine = selectors.inspectorates().filter(
        pk__in=permitted_organisations(request.user, "inspection.publish_rules").values("pk")
    )
    choices = mine if mine.exists() else selectors.inspectorates()
    if query.inspectorate:
        choices = choices.filter(code=query.inspectorate)
    inspectorate = choices.order_by("code").first()
    if inspectorate is None:
        raise HttpError(404, f"No inspectorate {query.inspectorate!r} whose plan you may see.")
    try:
        return selectors.inspection_plan(inspectorate, query.as_of or today())
    except selectors.NoRulesPublished as error:
        raise HttpError(404, str(error)) from None


@router.get(
    "/rules", response=list[RulesOut], summary="Every inspectorate's published scheduling rules (public)"
)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "inspectorate": r.inspectorate.code,
            "version": r.version,
            "published_at": r.published_at,
            "note": r.note,
            "text": r.text,
            "rules": r.rules,
        }
        for r in selectors.published_rules()
    ]


@router.get(
    "/plan",
    response=PlanOut,
    auth=django_auth,
    summary="The inspection plan: each unit's next inspection and why",
)
def get_plan(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    plan = _plan(request, query)
    visible = set(permitted_organisations(request.user, "inspection.view_plan").values_list("pk", flat=True))
    return {
        "inspectorate": plan.inspectorate.code,
        "as_of": plan.as_of,
        "rules_version": plan.rules.version,
        "units": [row for row in plan.schedule.to_dicts() if row["unit_id"] in visible],
    }


@router.get("/backtest", response=BacktestOut, auth=django_auth, summary="The last two years under the rules")
def get_backtest(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    plan = _plan(request, query)
    result = selectors.backtest(plan)
    return {
        "inspectorate": plan.inspectorate.code,
        "start": result.start,
        "end": result.end,
        "rules_version": plan.rules.version,
        "by_quarter": result.by_quarter.to_dicts(),
        "by_unit": result.by_unit.to_dicts(),
    }


@router.get(
    "/inspections",
    response=list[InspectionOut],
    summary="Inspections: published ones for everyone, and those of units in your chain",
)
def list_inspections(
    request: HttpRequest, response: HttpResponse, page: Query[Page], unit: str | None = None
) -> list[dict[str, Any]]:
    found = Inspection.objects.select_related("unit", "inspectorate").prefetch_related("findings__indicator")
    if request.user.is_authenticated:
        visible = permitted_organisations(request.user, "inspection.view_inspections")
        found = found.filter(Q(published_at__isnull=False) | Q(unit__in=visible))
    else:
        found = found.filter(published_at__isnull=False)
    if unit:
        found = found.filter(unit__code=unit)
    return [_inspection(i) for i in paged(request, response, page, found.order_by("-visited_on", "-id"))]


@router.post(
    "/inspections",
    response={201: InspectionOut},
    auth=django_auth,
    summary="Record an inspection: scope, findings, overall judgement and support offered",
)
def create_inspection(request: HttpRequest, payload: InspectionIn) -> Status:
    unit = _unit(request, payload.unit, "inspection.inspect")
    codes = [f.indicator for f in payload.findings if f.indicator]
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(indicators))
    if unknown:
        raise HttpError(400, f"findings: no indicator has the code {', '.join(unknown)}.")
    try:
        inspection = services.record_inspection(
            unit=unit,
            visited_on=payload.visited_on,
            judgement=payload.judgement,
            summary=payload.summary,
            scope=payload.scope,
            findings=[
                services.FindingSpec(
                    kind=f.kind,
                    subject=f.subject,
                    rating=f.rating,
                    evidence=f.evidence,
                    indicator=indicators.get(f.indicator or ""),
                )
                for f in payload.findings
            ],
            support_offered=payload.support_offered,
            depth=payload.depth,
            breadth=payload.breadth,
            publish=payload.publish,
            acting_user=request.user,
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _inspection(inspection))


@router.get(
    "/units/{code}/capacity",
    response=list[CapacityOut],
    auth=django_auth,
    summary="A unit's capacity assessments, newest first",
)
def list_capacity(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = _unit(request, code, "inspection.view_inspections")
    return [
        _capacity(a) for a in unit.capacity_assessments.select_related("unit").prefetch_related("scores")[:50]
    ]


@router.get(
    "/units/{code}/prefill",
    response=list[PrefillOut],
    auth=django_auth,
    summary="What LocalStat can see of a unit's five capacity components",
)
def get_prefill(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = Organisation.objects.filter(code=code).first()
    if unit is None or not (
        can(request.user, "inspection.inspect", unit) or can(request.user, "inspection.self_assess", unit)
    ):
        raise HttpError(404, f"No unit {code!r} whose capacity you may assess.")
    return [{"component": c, **p.as_record()} for c, p in prefill_for(unit, today()).items()]


def _scores(payload: CapacityIn) -> dict[str, tuple[int, str]]:
    return {component: (s.score, s.evidence) for component, s in payload.scores.items()}


def _inspection_of(unit: Organisation, pk: int | None) -> Inspection | None:
    if pk is None:
        return None
    found = Inspection.objects.filter(pk=pk, unit=unit).first()
    if found is None:
        raise HttpError(400, f"inspection: {unit.code} has no inspection {pk}.")
    return found


@router.post(
    "/units/{code}/capacity",
    response={201: CapacityOut},
    auth=django_auth,
    summary="An inspector scores a unit's five capacity components",
)
def create_capacity(request: HttpRequest, code: str, payload: CapacityIn) -> Status:
    unit = _unit(request, code, "inspection.inspect")
    try:
        assessment = services.assess_capacity(
            unit=unit,
            scores=_scores(payload),
            inspection=_inspection_of(unit, payload.inspection),
            note=payload.note,
            acting_user=request.user,
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _capacity(assessment))


@router.post(
    "/units/{code}/self-assessment",
    response={201: CapacityOut},
    auth=django_auth,
    summary="A unit self-assesses its capacity (it counts once an inspector verifies it)",
)
def create_self_assessment(request: HttpRequest, code: str, payload: CapacityIn) -> Status:
    unit = _unit(request, code, "inspection.self_assess")
    try:
        assessment = services.self_assess_capacity(
            unit=unit, scores=_scores(payload), note=payload.note, acting_user=request.user
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _capacity(assessment))


@router.post(
    "/capacity/{pk}/verify",
    response={201: CapacityOut},
    auth=django_auth,
    summary="An inspector verifies a self-assessment, keeping or changing each score",
)
def verify(request: HttpRequest, pk: int, payload: CapacityIn) -> Status:
    own = (
        CapacityAssessment.objects.filter(pk=pk, source=CapacitySource.SELF_ASSESSMENT)
        .select_related("unit")
        .first()
    )
    if own is None or not can(request.user, "inspection.inspect", own.unit):
        raise HttpError(404, f"No self-assessment {pk} that you may verify.")
    try:
        verification = services.verify_capacity(
            self_assessment=own,
            scores=_scores(payload),
            inspection=_inspection_of(own.unit, payload.inspection),
            note=payload.note,
            acting_user=request.user,
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(201, _capacity(verification))


@router.post(
    "/audit-marks",
    response={201: AuditMarkOut},
    auth=django_auth,
    summary="Mark a unit's returns for a period as audited, with findings",
)
def create_audit_mark(request: HttpRequest, payload: AuditMarkIn) -> Status:
    unit = _unit(request, payload.unit, "inspection.inspect")
    collection = None
    if payload.collection:
        collection = Collection.objects.filter(code=payload.collection).first()
        if collection is None:
            raise HttpError(400, f"collection: no collection has the code {payload.collection!r}.")
    try:
        mark: AuditMark = services.mark_returns_audited(
            unit=unit,
            period_start=payload.period_start,
            period_end=payload.period_end,
            outcome=payload.outcome,
            findings=payload.findings,
            collection=collection,
            inspection=_inspection_of(unit, payload.inspection),
            acting_user=request.user,
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(
        201,
        {
            "id": mark.pk,
            "unit": unit.code,
            "collection": collection.code if collection else None,
            "period_start": mark.period_start,
            "period_end": mark.period_end,
            "returns": mark.returns,
            "outcome": mark.outcome,
            "findings": mark.findings,
        },
    )


def _own_inspectorate(request: HttpRequest, code: str) -> Organisation:
    inspectorate = selectors.inspectorates().filter(code=code).first()
    if inspectorate is None or not can(request.user, "inspection.publish_rules", inspectorate):
        raise HttpError(404, f"No inspectorate {code!r} whose rules you may publish.")
    return inspectorate


@router.post(
    "/rules/{code}/preview",
    response=PreviewOut,
    auth=django_auth,
    summary="What publishing these rules would change in the plan (nothing is published)",
)
def preview(request: HttpRequest, code: str, payload: RulesIn) -> dict[str, Any]:
    inspectorate = _own_inspectorate(request, code)
    try:
        found = preview_rules(inspectorate, payload.text, today())
    except InspectionError as error:
        raise _refused(error) from None
    return {
        "as_of": found.as_of,
        "moved": found.moved_count,
        "sooner": found.sooner,
        "later": found.later,
        "tiers": found.tiers,
    }


@router.post(
    "/rules/{code}",
    response={201: RulesOut},
    auth=django_auth,
    summary="Publish an inspectorate's next rules version",
)
def publish(request: HttpRequest, code: str, payload: RulesIn) -> Status:
    inspectorate = _own_inspectorate(request, code)
    try:
        published = services.publish_inspection_rules(
            inspectorate=inspectorate, text=payload.text, note=payload.note, acting_user=request.user
        )
    except (InspectionError, NotPermitted) as error:
        raise _refused(error) from None
    return Status(
        201,
        {
            "inspectorate": inspectorate.code,
            "version": published.version,
            "published_at": published.published_at,
            "note": published.note,
            "text": published.text,
            "rules": published.rules,
        },
    )

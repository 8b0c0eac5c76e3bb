"""Inspection pages: parse, authorise, call a service or selector, render.

Inspectors: the plan, the backtest, a unit's inspection page, the inspection form, capacity assessment
with pre-fill, verification of self-assessments, audit marks, publishing rules. Units: their own
inspections and their self-assessment. The public: the published rules and published outcomes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from localstat.assessment.models import Judgement
from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.engine.inspection import BREADTH_WORDS
from localstat.framework.models import Indicator
from localstat.inspection import selectors, services
from localstat.inspection.choices import CapacityStatus, FindingKind
from localstat.inspection.forms import FindingFormSet, InspectionForm
from localstat.inspection.models import (
    CapacityAssessment,
    Inspection,
    OverdueInspection,
)


def _as_of(request: HttpRequest) -> date:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404(f"{raw!r} is not a date such as 2019-04-30.") from None


def _my_inspectorates(request: HttpRequest) -> list[Organisation]:
    """The inspectorates whose plan the person may see: their own (every one for an administrator)."""
    if not permitted_organisations(request.user, "inspection.view_plan").exists():
        raise Http404("No inspection plan here for you.")
    every = selectors.inspectorates().order_by("code")
    own = every.filter(pk__in=permitted_organisations(request.user, "inspection.publish_rules").values("pk"))
    return list(own) or list(every)


def _chosen(request: HttpRequest) -> Organisation:
    choices = _my_inspectorates(request)
    code = request.GET.get("inspectorate")
    for inspectorate in choices:
        if inspectorate.code == code:
            return inspectorate
    with_rules = [i for i in choices if selectors.current_rules(i)]
    return (with_rules or choices)[0]


def _plan_rows(plan: selectors.Plan, visible: QuerySet[Organisation]) -> list[dict[str, Any]]:
    ids = set(visible.filter(pk__in=plan.schedule["unit_id"].to_list()).values_list("pk", flat=True))
    rows = plan.schedule.filter(pl.col("unit_id").is_in(list(ids))).to_dicts()
    last = len(plan.rules.rules["tiers"]) - 1
    noted = {
        (unit, due): on
        for unit, due, on in OverdueInspection.objects.filter(
            inspectorate=plan.inspectorate, unit_id__in=ids
        ).values_list("unit_id", "due_on", "noted_on")
    }
    for row in rows:
        row["noted_on"] = noted.get((row["unit_id"], row["due"]))
        row["breadth_words"] = [BREADTH_WORDS.get(word, word) for word in row["breadth"]]
        row["colour"] = (
            "green" if row["tier_rank"] == 0 else ("red" if row["tier_rank"] == last else "orange")
        )
    return rows


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    inspectorate = _chosen(request)
    as_of = _as_of(request)
    try:
        current = selectors.inspection_plan(inspectorate, as_of)
    except selectors.NoRulesPublished as error:
        return render(
            request,
            "inspection/plan.html",
            {
                "inspectorate": inspectorate,
                "as_of": as_of,
                "missing": str(error),
                "choices": _my_inspectorates(request),
            },
        )
    rows = _plan_rows(current, permitted_organisations(request.user, "inspection.view_plan"))
    tier = request.GET.get("tier", "")
    tiers = (
        current.schedule.group_by("tier", "tier_rank", "interval_months", "depth")
        .agg(pl.len().alias("units"), pl.col("overdue").sum().alias("overdue"))
        .sort("tier_rank")
        .to_dicts()
    )
    return render(
        request,
        "inspection/plan.html",
        {
            "inspectorate": inspectorate,
            "choices": _my_inspectorates(request),
            "as_of": as_of,
            "plan": current,
            "tiers": tiers,
            "tier": tier,
            "rows": [r for r in rows if not tier or r["tier"] == tier],
            "awaiting": CapacityAssessment.objects.filter(
                status=CapacityStatus.AWAITING_VERIFICATION,
                unit__in=permitted_organisations(request.user, "inspection.inspect"),
            )
            .select_related("unit")
            .prefetch_related("scores")
            .order_by("assessed_on", "id")[:50],
        },
    )


@login_required
def backtest(request: HttpRequest) -> HttpResponse:
    inspectorate = _chosen(request)
    try:
        current = selectors.inspection_plan(inspectorate, _as_of(request))
    except selectors.NoRulesPublished as error:
        raise Http404(str(error)) from error
    result = selectors.backtest(current)
    totals = (
        result.by_quarter.group_by("tier").agg(pl.col("under_rules", "actual").sum()).sort("tier").to_dicts()
    )
    intervals = dict(zip(current.schedule["tier"], current.schedule["interval_months"], strict=False))
    return render(
        request,
        "inspection/backtest.html",
        {
            "inspectorate": inspectorate,
            "plan": current,
            "result": result,
            "quarters": result.by_quarter.to_dicts(),
            "totals": [t | {"interval": intervals.get(t["tier"])} for t in totals],
            "units": result.by_unit.head(50).to_dicts(),
            "unit_count": result.by_unit.height,
        },
    )


def _unit_or_404(request: HttpRequest, code: str, action: str) -> Organisation:
    unit = get_object_or_404(Organisation, code=code)
    if not can(request.user, action, unit):
        raise Http404("No inspection page here for you.")
    return unit


@login_required
def unit_inspections(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code, "inspection.view_inspections")
    as_of = today()
    row = None
    inspectorate = selectors.inspectorate_for(unit, as_of)
    may_inspect = can(request.user, "inspection.inspect", unit)
    # The rules are public, so everyone who sees the unit's inspections sees its place in the plan.
    if inspectorate is not None:
        try:
            row = selectors.plan_row(selectors.inspection_plan(inspectorate, as_of), unit)
        except selectors.NoRulesPublished:
            row = None
        if row is not None:
            row["breadth_words"] = [BREADTH_WORDS.get(word, word) for word in row["breadth"]]
    return render(
        request,
        "inspection/unit.html",
        {
            "unit": unit,
            "inspectorate": inspectorate,
            "row": row,
            "inspections": unit.inspections.select_related("inspectorate").prefetch_related("findings")[:50],
            "assessments": unit.capacity_assessments.select_related("assessed_by", "verifies", "inspection")
            .prefetch_related("scores")
            .all()[:20],
            "marks": unit.audit_marks.select_related("collection", "marked_by")[:20],
            "may_inspect": may_inspect,
            "may_self_assess": can(request.user, "inspection.self_assess", unit),
        },
    )


def _finding_rows(unit: Organisation) -> list[dict[str, Any]]:
    """Suggested findings: one per indicator the unit is judged on (the common standards), and blank
    rows for locally important outcomes."""
    judged = (
        Judgement.objects.filter(is_current=True, organisation=unit)
        .select_related("indicator")
        .order_by("indicator__code")
    )
    rows: list[dict[str, Any]] = [
        {
            "kind": FindingKind.COMMON_STANDARD,
            "indicator": j.indicator.code,
            "subject": j.indicator.name,
            "evidence": "",
        }
        for j in judged
    ]
    rows += [
        {"kind": FindingKind.LOCAL_OUTCOME, "indicator": "", "subject": "", "evidence": ""} for _ in range(3)
    ]
    return rows


@login_required
def record_inspection(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code, "inspection.inspect")
    inspectorate = selectors.inspectorate_for(unit, today())
    row = None
    if inspectorate is not None:
        try:
            row = selectors.plan_row(selectors.inspection_plan(inspectorate, today()), unit)
        except selectors.NoRulesPublished:
            row = None
    if request.method == "POST":
        form = InspectionForm(request.POST)
        findings = FindingFormSet(request.POST, prefix="finding")
        if form.is_valid() and findings.is_valid():
            indicators = {
                i.code: i
                for i in Indicator.objects.filter(
                    code__in=[f.cleaned_data.get("indicator") for f in findings]
                )
            }
            specs = [
                services.FindingSpec(
                    kind=f.cleaned_data["kind"],
                    subject=f.cleaned_data["subject"],
                    rating=f.cleaned_data["rating"],
                    evidence=f.cleaned_data["evidence"],
                    indicator=indicators.get(f.cleaned_data.get("indicator") or ""),
                )
                for f in findings
                if f.is_used()
            ]
            try:
                inspection = services.record_inspection(
                    unit=unit,
                    visited_on=form.cleaned_data["visited_on"],
                    judgement=form.cleaned_data["judgement"],
                    summary=form.cleaned_data["summary"],
                    scope=form.cleaned_data["scope"],
                    findings=specs,
                    support_offered=form.cleaned_data["support_offered"],
                    depth=form.cleaned_data["depth"],
                    breadth=form.cleaned_data["breadth"],
                    publish=form.cleaned_data["publish"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Inspection of {unit.display_name} recorded.")
                return redirect("inspection:inspection_detail", pk=inspection.pk)
    else:
        form = InspectionForm(
            initial={
                "visited_on": today(),
                "depth": row["depth"] if row else "standard",
                "breadth": row["breadth"] if row else ["core_outcomes", "capacity"],
            }
        )
        findings = FindingFormSet(initial=_finding_rows(unit), prefix="finding")
    return render(
        request,
        "inspection/inspection_form.html",
        {"unit": unit, "form": form, "findings": findings, "row": row},
    )


def _visible_inspection(request: HttpRequest, pk: int) -> Inspection:
    inspection = get_object_or_404(
        Inspection.objects.select_related("unit", "inspectorate", "created_by", "rules"), pk=pk
    )
    if inspection.published_at is None and not can(
        request.user, "inspection.view_inspections", inspection.unit
    ):
        raise Http404("No inspection here for you.")
    return inspection


def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspection's outcome: public once published, else for the unit's chain and the inspectorate."""
    inspection = _visible_inspection(request, pk)
    may_inspect = request.user.is_authenticated and can(request.user, "inspection.inspect", inspection.unit)
    if request.method == "POST":
        if not may_inspect:
            raise Http404("No inspection here for you.")
        try:
            services.publish_inspection(inspection=inspection, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The inspection's outcome is published.")
        return redirect("inspection:inspection_detail", pk=inspection.pk)
    in_chain = request.user.is_authenticated and can(
        request.user, "inspection.view_inspections", inspection.unit
    )
    return render(
        request,
        "inspection/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": inspection.findings.select_related("indicator"),
            "assessments": inspection.capacity_assessments.prefetch_related("scores") if in_chain else [],
            "marks": inspection.audit_marks.all() if in_chain else [],
            "may_inspect": may_inspect,
            "in_chain": in_chain,
        },
    )

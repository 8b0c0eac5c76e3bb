"""Inspection pages: parse, authorise, call a service or selector, render.

Inspectors: the plan, the backtest, a unit's inspection page, the inspection form, capacity assessment
with pre-fill, verification of self-assessments, audit marks, publishing rules. Units: their own
inspections and their self-assessment. The public: the published rules and published outcomes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.engine.inspection import BREADTH_WORDS
from localstat.inspection import selectors, services
from localstat.inspection.choices import CapacitySource, CapacityStatus, Component
from localstat.inspection.forms import AuditMarkForm, CapacityForm, RulesForm
from localstat.inspection.models import (
    AuditMark,
    CapacityAssessment,
    Inspection,
    InspectionRules,
)
from localstat.inspection.prefill import prefill_for
from localstat.inspection.rules import preview_rules
from localstat.inspection.views.inspections import _unit_or_404
from localstat.returns.models import Collection


def _capacity_form_page(
    request: HttpRequest,
    unit: Organisation,
    *,
    title: str,
    save: Any,
    initial_scores: dict[str, tuple[int | None, str]],
    inspections: list[tuple[str, str]] | None,
    extra: dict[str, Any],
) -> HttpResponse:
    prefill = prefill_for(unit, today())
    if request.method == "POST":
        form = CapacityForm(request.POST, inspections=inspections)
        if form.is_valid():
            try:
                assessment = save(form)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"{title}: recorded.")
                return redirect("inspection:capacity_detail", pk=assessment.pk)
    else:
        initial: dict[str, Any] = {}
        for component, (score, evidence) in initial_scores.items():
            initial[f"{component}_score"] = score
            initial[f"{component}_evidence"] = evidence
        if inspections and request.GET.get("inspection"):
            initial["inspection"] = request.GET["inspection"]
        form = CapacityForm(initial=initial, inspections=inspections)
    components = [c | {"prefill": prefill[c["component"].value]} for c in form.components()]
    return render(
        request,
        "inspection/capacity_form.html",
        {"unit": unit, "form": form, "components": components, "title": title, **extra},
    )


def _recent_inspections(unit: Organisation) -> tuple[list[Inspection], list[tuple[str, str]]]:
    """The unit's ten latest inspections, and the choices a capacity form offers to attach one."""
    recent = list(unit.inspections.order_by("-visited_on")[:10])
    return recent, [(str(i.pk), f"{i.visited_on:%d %B %Y} ({i.get_judgement_display()})") for i in recent]


def _attached(recent: list[Inspection], chosen: str | None) -> Inspection | None:
    return next((i for i in recent if str(i.pk) == chosen), None)


def _prefilled(unit: Organisation) -> dict[str, tuple[int | None, str]]:
    return {c: (p.suggested, p.evidence) for c, p in prefill_for(unit, today()).items()}


@login_required
def assess_capacity(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code, "inspection.inspect")
    recent, choices = _recent_inspections(unit)

    def save(form: CapacityForm) -> CapacityAssessment:
        chosen = form.cleaned_data.get("inspection")
        return services.assess_capacity(
            unit=unit,
            scores=form.scores(),
            inspection=_attached(recent, chosen),
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )

    return _capacity_form_page(
        request,
        unit,
        title=f"Capacity assessment of {unit.display_name}",
        save=save,
        initial_scores=_prefilled(unit),
        inspections=choices,
        extra={
            "intro": "LocalStat has filled in what it can see itself: confirm or change each score and its evidence."
        },
    )


@login_required
def self_assess(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code, "inspection.self_assess")

    def save(form: CapacityForm) -> CapacityAssessment:
        return services.self_assess_capacity(
            unit=unit, scores=form.scores(), note=form.cleaned_data["note"], acting_user=request.user
        )

    return _capacity_form_page(
        request,
        unit,
        title=f"Self-assessment of {unit.display_name}",
        save=save,
        initial_scores=_prefilled(unit),
        inspections=None,
        extra={
            "intro": "Score your own performance management capacity. It counts once an inspector has "
            "verified it. LocalStat has filled in what it can see itself."
        },
    )


@login_required
def verify_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    own = get_object_or_404(
        CapacityAssessment.objects.select_related("unit").prefetch_related("scores"),
        pk=pk,
        source=CapacitySource.SELF_ASSESSMENT,
    )
    unit = _unit_or_404(request, own.unit.code, "inspection.inspect")
    if own.status != CapacityStatus.AWAITING_VERIFICATION:
        messages.error(request, "That self-assessment has already been verified.")
        return redirect("inspection:capacity_detail", pk=own.pk)
    recent, choices = _recent_inspections(unit)

    def save(form: CapacityForm) -> CapacityAssessment:
        chosen = form.cleaned_data.get("inspection")
        return services.verify_capacity(
            self_assessment=own,
            scores=form.scores(),
            inspection=_attached(recent, chosen),
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )

    return _capacity_form_page(
        request,
        unit,
        title=f"Verify {unit.display_name}'s self-assessment",
        save=save,
        initial_scores={s.component: (s.score, s.evidence) for s in own.scores.all()},
        inspections=choices,
        extra={
            "intro": f"The unit's own scores of {own.assessed_on:%d %B %Y} are filled in: keep or change each, "
            "with the evidence you saw. What LocalStat can see itself is shown beside each.",
            "own": own,
        },
    )


@login_required
def capacity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(
        CapacityAssessment.objects.select_related(
            "unit", "assessed_by", "verifies", "inspection"
        ).prefetch_related("scores"),
        pk=pk,
    )
    unit = _unit_or_404(request, assessment.unit.code, "inspection.view_inspections")
    verification = CapacityAssessment.objects.filter(verifies=assessment).prefetch_related("scores").first()
    pair = assessment.verifies or verification
    other = {s.component: s for s in pair.scores.all()} if pair else {}
    labels = dict(Component.choices)
    rows = [
        {
            "label": labels.get(s.component, s.component),
            "score": s,
            "other": other.get(s.component),
            "prefill": assessment.prefill.get(s.component, {}),
        }
        for s in assessment.scores.all()
    ]
    return render(
        request,
        "inspection/capacity_detail.html",
        {
            "unit": unit,
            "assessment": assessment,
            "rows": rows,
            "pair": pair,
            "may_verify": assessment.status == CapacityStatus.AWAITING_VERIFICATION
            and can(request.user, "inspection.inspect", unit),
        },
    )


@login_required
def audit_returns(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code, "inspection.inspect")
    collections = list(
        Collection.objects.filter(unit_links__unit=unit).order_by("code").values_list("code", "name")
    )
    if request.method == "POST":
        form = AuditMarkForm(request.POST, collections=collections)
        if form.is_valid():
            chosen = form.cleaned_data["collection"]
            try:
                services.mark_returns_audited(
                    unit=unit,
                    collection=Collection.objects.get(code=chosen) if chosen else None,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    outcome=form.cleaned_data["outcome"],
                    findings=form.cleaned_data["findings"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"{unit.display_name}'s returns marked as audited.")
                return redirect("inspection:unit", code=unit.code)
    else:
        end = today()
        form = AuditMarkForm(
            collections=collections,
            initial={"period_start": date(end.year - 1, end.month, 1), "period_end": end},
        )
    marks = AuditMark.objects.filter(unit=unit).select_related("collection", "marked_by")[:20]
    return render(request, "inspection/audit_form.html", {"unit": unit, "form": form, "marks": marks})


def published_rules(request: HttpRequest) -> HttpResponse:
    """Public: every inspectorate's current scheduling rules, and their earlier versions."""
    current = list(selectors.published_rules())
    may_publish = (
        request.user.is_authenticated
        and permitted_organisations(request.user, "inspection.publish_rules")
        .filter(pk__in=selectors.inspectorates().values("pk"))
        .exists()
    )
    return render(
        request,
        "inspection/rules.html",
        {
            "rules": [
                {
                    "record": r,
                    "history": InspectionRules.objects.filter(inspectorate=r.inspectorate).exclude(pk=r.pk),
                    "tiers": r.rules["tiers"],
                    "points": r.rules["points"],
                    "breadth_words": BREADTH_WORDS,
                }
                for r in current
            ],
            "may_publish": may_publish,
        },
    )


@login_required
def publish_rules(request: HttpRequest, code: str) -> HttpResponse:
    inspectorate = get_object_or_404(selectors.inspectorates(), code=code)
    if not can(request.user, "inspection.publish_rules", inspectorate):
        raise Http404("No rules to publish here for you.")
    current = selectors.current_rules(inspectorate)
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                preview = preview_rules(inspectorate, form.cleaned_data["text"], today())
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("text", message)
    elif request.method == "POST":
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                published = services.publish_inspection_rules(
                    inspectorate=inspectorate,
                    text=form.cleaned_data["text"],
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("text", message)
            else:
                messages.success(request, f"Published {published}.")
                return redirect(reverse("inspection:rules") + f"#{inspectorate.code}")
    else:
        form = RulesForm(initial={"text": current.text if current else ""})
    return render(
        request,
        "inspection/rules_form.html",
        {"inspectorate": inspectorate, "form": form, "current": current, "preview": preview},
    )


def published_inspections(request: HttpRequest) -> HttpResponse:
    """Public: published inspection outcomes, newest first, searchable by unit."""
    found = Inspection.objects.filter(published_at__isnull=False).select_related("unit", "inspectorate")
    query = request.GET.get("q", "").strip()
    if query:
        found = found.filter(Q(unit__code__iexact=query) | Q(unit__name__icontains=query))
    judgement = request.GET.get("judgement", "")
    if judgement:
        found = found.filter(judgement=judgement)
    page = Paginator(found.order_by("-visited_on", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspection/published.html",
        {
            "page": page,
            "q": query,
            "judgement": judgement,
            "judgements": Inspection._meta.get_field("judgement").choices,
        },
    )

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from localstat.assessment import analytics, selectors
from localstat.assessment.choices import Level
from localstat.assessment.comparison import RunChoiceError, chosen_run, comparison
from localstat.assessment.explain import (
    ASSURANCE_SHORT,
    COMPARISON_SHORT,
    STANDARD_SHORT,
    TARGET_SHORT,
    TREND_SHORT,
    VARIATION_SHORT,
    judgement_sentences,
    position_phrase,
    position_reasons,
    stale_since,
)
from localstat.assessment.models import AssessmentRun, Judgement
from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.framework.models import Indicator, IndicatorVersion


def _visible(request: HttpRequest, organisation: Organisation) -> None:
    if not can(request.user, "assessment.view_judgements", organisation):
        raise Http404("No organisation page here for you.")


def _rows(judgements: list[Judgement]) -> list[dict[str, object]]:
    """Table rows for judgements, with their definitions read in one query (not one per row)."""
    versions = selectors.versions_for(judgements)
    return [_row(j, versions[j.pk]) for j in judgements]


def _row(judgement: Judgement, version: IndicatorVersion) -> dict[str, object]:
    fmt = version.format_value
    since = stale_since(judgement.evidence or {}, version.periodicity)
    return {
        "j": judgement,
        "stale_since": since,
        "value": fmt(judgement.value),
        "interval": f"{fmt(judgement.lower_95)} to {fmt(judgement.upper_95)}"
        if judgement.lower_95 is not None
        else "",
        "national": fmt(judgement.national_value),
        "vs_national": COMPARISON_SHORT.get(judgement.vs_national, ""),
        "vs_parent": COMPARISON_SHORT.get(judgement.vs_parent, ""),
        "vs_standard": STANDARD_SHORT.get(judgement.vs_standard, ""),
        "target": TARGET_SHORT.get(judgement.target_status, ""),
        "variation": VARIATION_SHORT.get(judgement.variation, ""),
        "assurance": ASSURANCE_SHORT.get(judgement.assurance, ""),
        "trend": TREND_SHORT.get(judgement.trend, ""),
    }


@login_required
def organisation_performance(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    _visible(request, organisation)
    judgements = list(selectors.judgements_of(organisation))
    units = []
    tiers = list(selectors.tier_assessments_of(organisation))
    if tiers:
        visible = permitted_organisations(request.user, "assessment.view_judgements")
        units = list(
            selectors.UnitAssessment.objects.filter(is_current=True, organisation__in=visible)
            .filter(
                organisation__chain_links__accountable_to=organisation,
                organisation__chain_links__valid_to__isnull=True,
            )
            .select_related("organisation", "service")
            .order_by("band", "organisation__code")
            .distinct()
        )
    return render(
        request,
        "assessment/organisation_performance.html",
        {
            "organisation": organisation,
            "rows": _rows(judgements),
            "assessments": [
                {
                    "a": a,
                    "position": position_phrase(a.position, a.evidence),
                    "reasons": position_reasons(a.evidence),
                }
                for a in selectors.unit_assessments_of(organisation)
            ],
            "tiers": tiers,
            "units": [{"a": a, "position": position_phrase(a.position, a.evidence)} for a in units],
            "run": selectors.latest_run(),
        },
    )


@login_required
def judgement_detail(request: HttpRequest, code: str, indicator: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    _visible(request, organisation)
    indicator_obj = get_object_or_404(Indicator, code=indicator)
    judgement = selectors.judgement_for(organisation, indicator_obj)
    if judgement is None:
        raise Http404(f"{organisation.code} has no judgement on {indicator_obj.code} yet.")
    points = selectors.spc_points(judgement)
    version = selectors.version_of(indicator_obj, judgement.period)
    table = [
        {
            "period": row["period"],
            "value": version.format_value(row["value"]),
            "mean": version.format_value(row["mean"]),
            "limits": f"{version.format_value(row['lpl'])} to {version.format_value(row['upl'])}"
            if row["lpl"] is not None
            else "",
            "type": VARIATION_SHORT.get(row["point_type"] or "", ""),
        }
        for row in points.to_dicts()
    ]
    return render(
        request,
        "assessment/judgement_detail.html",
        {
            "organisation": organisation,
            "indicator": indicator_obj,
            "version": version,
            "row": _row(judgement, version),
            "sentences": judgement_sentences(judgement, selectors.wording_for(judgement)),
            "chart": selectors.spc_chart_svg(judgement, points),
            "table": table,
            "highlight": [organisation.code, *analytics.read_peers(judgement.run_id, organisation.code)],
        },
    )


@login_required
def indicator_judgements(request: HttpRequest, indicator: str) -> HttpResponse:
    indicator_obj = get_object_or_404(Indicator, code=indicator)
    visible = permitted_organisations(request.user, "assessment.view_judgements")
    judgements = list(selectors.indicator_judgements(indicator_obj).filter(organisation__in=visible))
    if not judgements:
        raise Http404(f"No judgements on {indicator_obj.code} that you may see.")
    ranked = [j for j in judgements if j.value is not None]
    highlight = [c for c in request.GET.getlist("highlight") if c]
    national = selectors.judgement_for(None, indicator_obj)
    return render(
        request,
        "assessment/indicator_judgements.html",
        {
            "indicator": indicator_obj,
            "rows": _rows(ranked),
            "missing": _rows([j for j in judgements if j.value is None]),
            "chart": selectors.funnel_svg(indicator_obj, ranked, highlight),
            "national": _rows([national])[0] if national else None,
        },
    )


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    if not permitted_organisations(request.user, "assessment.run").exists():
        raise Http404("No runs here for you.")
    recent = list(AssessmentRun.objects.order_by("-started_at", "-id")[:30])
    result, errors = None, {}
    a, b = request.GET.get("a"), request.GET.get("b")
    if a is not None or b is not None:
        chosen = {}
        for name, raw, which in (("a", a, "first"), ("b", b, "second")):
            try:
                chosen[name] = chosen_run(raw, which)
            except RunChoiceError as error:
                errors[name] = str(error)
        if not errors:
            result = comparison(chosen["a"], chosen["b"])
        # A run chosen from outside the recent ones stays choosable.
        recent += [run for run in chosen.values() if run not in recent]
    return render(
        request,
        "assessment/runs.html",
        {
            "runs": recent,
            "comparison": result,
            "errors": errors,
            "pickers": [("a", "Compare run", (a or "").strip()), ("b", "with run", (b or "").strip())],
            "levels": Level,
        },
        status=400 if errors else 200,
    )


@login_required
def target_proposals(request: HttpRequest) -> HttpResponse:
    """Open met/missed proposals for the analyst's targets; confirm or reject each."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from localstat.assessment.models import TargetProposal
    from localstat.assessment.proposals import decide_target_proposal
    from localstat.framework.errors import FrameworkError

    mine = permitted_organisations(request.user, "framework.record_target_outcome")
    proposals = TargetProposal.objects.filter(target__set_by__in=mine).select_related(
        "target", "run", "decided_by"
    )
    if not proposals.exists() and not mine.exists():
        raise Http404("No proposals here for you.")
    if request.method == "POST":
        proposal = get_object_or_404(proposals, pk=request.POST.get("proposal"))
        try:
            decide_target_proposal(
                proposal=proposal,
                confirm=request.POST.get("decision") == "confirm",
                reason=request.POST.get("reason", ""),
                acting_user=request.user,
            )
        except FrameworkError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Decision recorded for {proposal.target.reference}.")
        return redirect("target_proposals")
    return render(request, "assessment/target_proposals.html", {"proposals": proposals[:200]})


@login_required
def performance_home(request: HttpRequest) -> HttpResponse:
    """Where "Performance" leads: the runs for an analyst, else the person's own organisation."""
    from django.shortcuts import redirect

    from localstat.chain.access import roles_of

    memberships = roles_of(request.user)
    if permitted_organisations(request.user, "assessment.run").exists():
        return redirect("assessment_runs")
    if not memberships:
        raise Http404("You have no organisation whose performance to show.")
    return redirect("organisation_performance", code=memberships[0].organisation.code)

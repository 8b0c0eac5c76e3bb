"""Reads of runs and judgements: current ones, a unit's, an indicator's; charts rendered once per run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from localstat.assessment import analytics, charts
from localstat.assessment.choices import Level, RunStatus
from localstat.assessment.explain import Wording
from localstat.assessment.models import AssessmentRun, ChartImage, Judgement, TierAssessment, UnitAssessment
from localstat.chain.models import Organisation
from localstat.core.charts import render_svg
from localstat.engine.funnel import proportion_funnel_limits
from localstat.framework.models import Indicator, IndicatorVersion


def latest_run() -> AssessmentRun | None:
    return AssessmentRun.objects.filter(status=RunStatus.COMPLETE).order_by("-started_at", "-id").first()


def current_judgements() -> QuerySet[Judgement]:
    return Judgement.objects.filter(is_current=True).select_related(
        "indicator", "organisation", "parent", "run"
    )


def judgements_of(organisation: Organisation) -> QuerySet[Judgement]:
    return (
        current_judgements()
        .filter(organisation=organisation, level__in=[Level.UNIT, Level.TIER])
        .order_by("indicator__code")
    )


def judgement_for(organisation: Organisation | None, indicator: Indicator) -> Judgement | None:
    found = current_judgements().filter(indicator=indicator)
    found = (
        found.filter(level=Level.NATIONAL)
        if organisation is None
        else found.filter(organisation=organisation)
    )
    return found.first()


def unit_assessments_of(organisation: Organisation) -> QuerySet[UnitAssessment]:
    return UnitAssessment.objects.filter(is_current=True, organisation=organisation).select_related(
        "service", "run"
    )


def tier_assessments_of(organisation: Organisation) -> QuerySet[TierAssessment]:
    return TierAssessment.objects.filter(is_current=True, organisation=organisation).select_related(
        "service", "run"
    )


def indicator_judgements(indicator: Indicator, *, level: str = Level.UNIT) -> QuerySet[Judgement]:
    return current_judgements().filter(indicator=indicator, level=level).order_by("-value")


def version_of(indicator: Indicator, on: date) -> IndicatorVersion:
    version = indicator.versions.filter(valid_from__lte=on).order_by("-valid_from").first()
    return version or indicator.versions.order_by("valid_from").first()  # type: ignore[return-value]


def versions_for(judgements: list[Judgement]) -> dict[int, IndicatorVersion]:
    """The definition in force at each judgement's period, by judgement id, in one query."""
    indicator_ids = {j.indicator_id for j in judgements}
    by_indicator: dict[int, list[IndicatorVersion]] = {}
    for version in IndicatorVersion.objects.filter(indicator_id__in=indicator_ids).order_by("-valid_from"):
        by_indicator.setdefault(version.indicator_id, []).append(version)
    found = {}
    for j in judgements:
        versions = by_indicator[j.indicator_id]
        found[j.pk] = next((v for v in versions if v.valid_from <= j.period), versions[-1])
    return found


def wording_for(judgement: Judgement) -> Wording:
    version = version_of(judgement.indicator, judgement.period)
    parent = judgement.parent
    trend_points = 5 if judgement.run.parameters.get("profile") == "powerbi" else 7
    return Wording(
        format_value=version.format_value,
        periodicity=version.periodicity,
        parent_name=f"its area ({parent.display_name})" if parent else "its area",
        trend_points=trend_points,
    )


def _cached(run: AssessmentRun, key: str, build: Callable[[], str]) -> str:
    """The run's chart under ``key``: drawn by ``build`` on first use, then kept with the run."""
    existing = ChartImage.objects.filter(run=run, key=key).values_list("svg", flat=True).first()
    if existing is not None:
        return existing
    svg: str = build()
    try:
        with transaction.atomic():
            ChartImage.objects.create(run=run, key=key, svg=svg)
    except IntegrityError:
        pass  # another request rendered it first; theirs is the same chart
    return svg


def spc_points(judgement: Judgement) -> pl.DataFrame:
    unit = judgement.organisation.code if judgement.organisation_id else None
    return analytics.read_points(judgement.run_id, unit=unit, indicator=judgement.indicator.code)


def spc_chart_svg(judgement: Judgement, points: pl.DataFrame) -> str:
    """The judgement's SPC chart, rendered on first use and kept with its run."""
    if points.height == 0:
        return ""
    version = version_of(judgement.indicator, judgement.period)
    who = judgement.organisation.display_name if judgement.organisation_id else "England"
    target = (judgement.evidence or {}).get("target_level")
    return _cached(
        judgement.run,
        f"spc:{judgement.organisation_id or 'national'}:{judgement.indicator_id}",
        lambda: charts.spc_chart(
            points,
            title=f"{who}: {judgement.indicator.name}",
            y_title=version.display_unit or "value",
            target=target,
        ),
    )


def funnel_svg(indicator: Indicator, judgements: list[Judgement], highlight: list[str]) -> str:
    """The funnel plot of an indicator's latest judged period: every unit against its size."""
    usable = [j for j in judgements if j.value is not None and (j.evidence or {}).get("denominator")]
    if not usable:
        return ""
    run = max((j.run for j in usable), key=lambda r: r.pk)
    version = version_of(indicator, usable[0].period)
    units = pl.DataFrame(
        {
            "unit": [j.organisation.code for j in usable],
            "name": [j.organisation.display_name for j in usable],
            "numerator": [float(j.evidence["numerator"]) for j in usable],
            "denominator": [float(j.evidence["denominator"]) for j in usable],
            "value": [float(j.value) for j in usable],  # type: ignore[arg-type]
        }
    )
    # Proportions only: rates and ratios have no common centre across units of different sizes.
    if version.statistic != "proportion":
        return ""
    low, high = float(units["denominator"].min()), float(units["denominator"].max())  # type: ignore[arg-type]
    sizes = np.geomspace(max(low, 1.0), max(high, 2.0), 80)
    pooled = float(units["numerator"].sum()) / float(units["denominator"].sum())
    scale = float(version.multiplier)
    lower_95, upper_95 = proportion_funnel_limits(sizes, pooled, 0.95)
    lower_998, upper_998 = proportion_funnel_limits(sizes, pooled, 0.998)
    limits = pl.DataFrame(
        {
            "denominator": sizes,
            "lower_95": lower_95 * scale,
            "upper_95": upper_95 * scale,
            "lower_998": lower_998 * scale,
            "upper_998": upper_998 * scale,
            "centre": pooled * scale,
        }
    )
    return _cached(
        run,
        f"funnel:{indicator.pk}:{','.join(sorted(highlight))}",
        lambda: render_svg(
            charts.funnel_chart(
                units,
                limits,
                title=f"{indicator.name}",
                x_title=version.denominator_definition[:40] or "Denominator",
                y_title=version.display_unit or "value",
                highlight=highlight,
            )
        ),
    )

"""Public reads: only ever from the latest published release of each service, never from live tables."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from localstat.assessment import analytics, charts
from localstat.assessment.explain import TREND_SHORT, Wording, judgement_sentences
from localstat.assessment.selectors import version_of
from localstat.chain.models import Organisation
from localstat.core.charts import render_svg
from localstat.publication.models import (
    Release,
    ReleaseChart,
    ReleasedJudgement,
    ReleasedValue,
    ReleaseStatus,
)

#: The plain-English headline of a comparison with England.
VS_ENGLAND = {
    "significantly_better": "Better than England",
    "better": "Better than England",
    "similar": "Similar to England",
    "worse": "Worse than England",
    "significantly_worse": "Worse than England",
}


def latest_releases() -> list[Release]:
    """The newest published release of each service: everything the public may see."""
    latest: dict[int, Release] = {}
    for release in (
        Release.objects.filter(status=ReleaseStatus.PUBLISHED)
        .select_related("service", "run")
        .order_by("service_id", "-number")
    ):
        latest.setdefault(release.service_id, release)
    return list(latest.values())


def published_units(query: str = "") -> QuerySet[Organisation]:
    """Organisations with a judgement in a latest release, matching ``query`` by name, code or town."""
    releases = latest_releases()
    found = Organisation.objects.filter(
        pk__in=ReleasedJudgement.objects.filter(release__in=releases).values("organisation")
    )
    query = query.strip()
    if query:
        found = found.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(town__icontains=query))
    return found.order_by("name", "code")


def _chart(release: Release, judgement: ReleasedJudgement, y_title: str) -> str:
    """The SPC chart of the release's run for this unit and indicator, rendered once per release.

    The points, limits and point types are the engine's, kept with the run the release froze, so
    the chart says exactly what the judgement says.
    """
    key = f"unit:{judgement.organisation_id}:{judgement.indicator_id}"
    existing = ReleaseChart.objects.filter(release=release, key=key).values_list("svg", flat=True).first()
    if existing is not None:
        return existing
    points = analytics.read_points(
        release.run_id,
        unit=judgement.organisation.code,
        indicator=judgement.indicator.code,  # type: ignore[union-attr]
    )
    if points.height == 0:
        return ""
    svg = render_svg(
        charts.spc_chart(
            points,
            title=f"{judgement.organisation.display_name}: {judgement.indicator.name}",  # type: ignore[union-attr]
            y_title=y_title or "value",
            target=(judgement.evidence or {}).get("target_level"),
        )
    )
    try:
        with transaction.atomic():
            ReleaseChart.objects.create(release=release, key=key, svg=svg)
    except IntegrityError:
        pass  # another request rendered it first; theirs is the same chart
    return svg


def unit_page(organisation: Organisation) -> list[dict[str, Any]]:
    """Each published indicator of the unit: headline words, sentences, numbers and chart."""
    sections = []
    for release in latest_releases():
        judgements = (
            ReleasedJudgement.objects.filter(release=release, organisation=organisation)
            .select_related("indicator", "parent", "organisation")
            .order_by("indicator__code")
        )
        for judgement in judgements:
            version = version_of(judgement.indicator, judgement.period)
            fmt = version.format_value
            parent = judgement.parent
            wording = Wording(
                format_value=fmt,
                periodicity=version.periodicity,
                parent_name=f"its area ({parent.display_name})" if parent else "its area",
                trend_points=5 if release.run.parameters.get("profile") == "powerbi" else 7,
            )
            rows = list(
                ReleasedValue.objects.filter(
                    release=release, unit=organisation, indicator=judgement.indicator
                )
                .order_by("period_start")
                .values_list("period_start", "numerator", "denominator", "indicator_version__multiplier")
            )
            values = pl.DataFrame(
                {
                    "period": [r[0] for r in rows],
                    "value": [
                        r[1] / r[2] * float(r[3]) if r[2] else r[1]  # the stored statistic's scale
                        for r in rows
                    ],
                },
                schema={"period": pl.Date, "value": pl.Float64},
            )
            sections.append(
                {
                    "release": release,
                    "j": judgement,
                    "headline": [
                        words
                        for words in (
                            VS_ENGLAND.get(judgement.vs_national, ""),
                            TREND_SHORT.get(judgement.trend, ""),
                        )
                        if words
                    ],
                    "value": fmt(judgement.value),
                    "interval": f"{fmt(judgement.lower_95)} to {fmt(judgement.upper_95)}"
                    if judgement.lower_95 is not None and judgement.upper_95 is not None
                    else "",
                    "national": fmt(judgement.national_value),
                    "area": fmt(judgement.parent_value),
                    "peers": fmt(judgement.peer_value),
                    "sentences": judgement_sentences(judgement, wording),
                    "chart": _chart(release, judgement, version.display_unit) if values.height else "",
                    "values": [(period, fmt(value)) for period, value in values.iter_rows()],
                    # When the judged period has no approved value yet, the newest one there is.
                    "latest": (values["period"][-1], fmt(values["value"][-1]))
                    if judgement.value is None and values.height
                    else None,
                }
            )
    return sections

"""A release's charts, drawn when the release is frozen (seed C.24: published with the data, not on a
visitor's first view): every unit's SPC chart for every published indicator, from the points of the
assessment run the release froze, so the chart says exactly what the published judgement says."""

from __future__ import annotations

import polars as pl

from localstat.assessment import analytics
from localstat.assessment import charts as assessment_charts
from localstat.assessment.choices import Level
from localstat.assessment.selectors import versions_for
from localstat.publication.models import Release, ReleaseChart, ReleasedJudgement


def chart_key(organisation_id: int, indicator_id: int) -> str:
    return f"unit:{organisation_id}:{indicator_id}"


def judgement_chart(judgement: ReleasedJudgement, points: pl.DataFrame, y_title: str) -> str:
    """The SPC chart of one released unit judgement, from its run's points."""
    return assessment_charts.spc_chart(
        points,
        title=f"{judgement.organisation.display_name}: {judgement.indicator.name}",  # type: ignore[union-attr]
        y_title=y_title or "value",
        target=(judgement.evidence or {}).get("target_level"),
    )


def draw_release_charts(release: Release) -> int:
    """Draw and keep the SPC chart of every unit judgement in ``release`` that has none yet; return
    how many were drawn. The run's points are read once and split by unit and indicator in Polars."""
    scan = analytics.scan_points(release.run_id)
    if scan is None:
        return 0
    judgements = list(
        ReleasedJudgement.objects.filter(release=release, level=Level.UNIT).select_related(
            "organisation", "indicator"
        )
    )
    kept = set(ReleaseChart.objects.filter(release=release).values_list("key", flat=True))
    wanted = [j for j in judgements if chart_key(j.organisation_id, j.indicator_id) not in kept]
    if not wanted:
        return 0
    codes = {j.organisation.code for j in wanted}
    points = (
        scan.filter(
            pl.col("unit").is_in(list(codes))
            & pl.col("indicator").is_in(list({j.indicator.code for j in wanted}))
        )
        .sort("period")
        .collect()
    )
    series = points.partition_by(["unit", "indicator"], as_dict=True, maintain_order=True)
    versions = versions_for(wanted)  # type: ignore[arg-type]
    drawn = []
    for judgement in wanted:
        found = series.get((judgement.organisation.code, judgement.indicator.code))
        if found is None or found.height == 0:
            continue
        svg = judgement_chart(judgement, found, versions[judgement.pk].display_unit)
        drawn.append(
            ReleaseChart(
                release=release, key=chart_key(judgement.organisation_id, judgement.indicator_id), svg=svg
            )
        )
    ReleaseChart.objects.bulk_create(drawn, batch_size=200, ignore_conflicts=True)
    return len(drawn)

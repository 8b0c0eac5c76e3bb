"""What a rule set's evaluation hands the engine, read set-based: subjects, judgements, SPC points.

Each function is a handful of queries (or one scan of a run's points file) turned into a Polars frame
with the columns ``localstat.engine.regime.evaluate_rules`` documents; no model object per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Q

from localstat.assessment import analytics
from localstat.assessment import frames as assessment_frames
from localstat.assessment.choices import Level, RunScope, RunStatus
from localstat.assessment.models import AssessmentRun, Judgement, TierAssessment, UnitAssessment
from localstat.chain.choices import ChainRole
from localstat.chain.selectors import links_current_on
from localstat.engine.regime import INDICATOR_TESTS, RuleSet
from localstat.regime.models import RuleSet as RuleSetRecord

_SUBJECT_SCHEMA = {
    "unit": pl.String,
    "organisation_id": pl.Int64,
    "band": pl.String,
    "position": pl.String,
    "absolute_score": pl.Float64,
    "direction_score": pl.Float64,
}
_SERIES_COLUMNS = tuple(INDICATOR_TESTS)


@dataclass
class Inputs:
    """Everything one rule set's evaluation reads, and the run it came from."""

    run: AssessmentRun
    subjects: pl.DataFrame
    series: pl.DataFrame
    points: pl.DataFrame
    indicators: pl.DataFrame


def run_for(as_of: date) -> AssessmentRun | None:
    """The newest complete full assessment run at or before ``as_of``."""
    return (
        AssessmentRun.objects.filter(status=RunStatus.COMPLETE, scope=RunScope.FULL, as_of__lte=as_of)
        .order_by("-as_of", "-started_at", "-id")
        .first()
    )


def subject_ids(record: RuleSetRecord, rules: RuleSet, as_of: date | None = None) -> list[int]:
    """The organisations a rule set is about: the units in its operator's chain (its own units, or a
    department's whole chain), or a department's intermediate-tier bodies."""
    current = links_current_on(as_of).filter(service_id=record.service_id)
    if rules.applies_to == "intermediate_tier":
        found = current.filter(role=ChainRole.INTERMEDIATE_TIER, accountable_to_id=record.operator_id)
    else:
        tier = current.filter(accountable_to_id=record.operator_id).values("organisation")
        found = current.filter(role=ChainRole.FRONT_LINE_UNIT).filter(
            Q(accountable_to_id=record.operator_id) | Q(accountable_to__in=tier)
        )
    return sorted(set(found.values_list("organisation_id", flat=True)))


def _judgements(run: AssessmentRun, current: bool) -> Any:
    if current:
        return Judgement.objects.filter(is_current=True)
    return Judgement.objects.filter(run=run)


def inputs_for(record: RuleSetRecord, rules: RuleSet, as_of: date) -> Inputs | None:
    """The judgements a rule set reads at ``as_of``: from the newest full run at or before it (the
    current judgements when that run is the newest), or None when there is no run yet."""
    run = run_for(as_of)
    if run is None:
        return None
    newest = run_for(date.max)
    current = newest is not None and newest.pk == run.pk
    ids = subject_ids(record, rules, as_of)
    level = Level.TIER if rules.applies_to == "intermediate_tier" else Level.UNIT
    positions_model: Any = TierAssessment if level == Level.TIER else UnitAssessment
    positions = positions_model.objects.filter(organisation_id__in=ids, service_id=record.service_id)
    positions = positions.filter(is_current=True) if current else positions.filter(run=run)
    by_org = {
        row[0]: row[1:]
        for row in positions.values_list(
            "organisation_id", "band", "position", "absolute_score", "direction_score"
        )
    }
    from localstat.chain.models import Organisation

    codes = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "code"))
    rows = [(codes[pk], pk, *(by_org.get(pk) or ("", "", None, None))) for pk in ids]
    subjects = pl.DataFrame(rows, schema=_SUBJECT_SCHEMA, orient="row").with_columns(
        pl.col("band").replace("", None), pl.col("position").replace("", None)
    )
    subjects = with_capacity(subjects, ids, as_of)
    indicator_codes = list(rules.indicator_codes)
    judged = (
        _judgements(run, current)
        .filter(organisation_id__in=ids, level=level, indicator__code__in=indicator_codes)
        .values_list("organisation__code", "indicator__code", "run_id", "period", *_SERIES_COLUMNS)
    )
    series = pl.DataFrame(
        list(judged),
        schema={
            "unit": pl.String,
            "indicator": pl.String,
            "run_id": pl.Int64,
            "period": pl.Date,
            "value": pl.Float64,
            **{c: pl.String for c in _SERIES_COLUMNS if c != "value"},
        },
        orient="row",
    ).with_columns([pl.col(c).replace("", None) for c in _SERIES_COLUMNS if c != "value"])
    points = _points(series, str(level), as_of)
    indicators = assessment_frames.indicators_frame(indicator_codes, as_of).select(
        "indicator", "polarity", "standard"
    )
    return Inputs(run=run, subjects=subjects, series=series, points=points, indicators=indicators)


def _points(series: pl.DataFrame, level: str, as_of: date) -> pl.DataFrame:
    """Every period's value and SPC point type for the judged series, from the runs that judged them."""
    schema = {
        "unit": pl.String,
        "indicator": pl.String,
        "period": pl.Date,
        "value": pl.Float64,
        "point_type": pl.String,
    }
    found = []
    for (run_id,), part in (
        series.select("run_id", "unit", "indicator").partition_by("run_id", as_dict=True).items()
    ):
        points = analytics.scan_points(int(run_id))
        if points is None:
            continue
        frame = (
            points.filter(
                (pl.col("level").cast(pl.String) == level)
                & pl.col("indicator").is_in(part["indicator"].unique().to_list())
                & (pl.col("period") <= as_of)
            )
            .select(
                pl.col("unit").cast(pl.String),
                pl.col("indicator").cast(pl.String),
                pl.col("period").cast(pl.Date),
                pl.col("value").cast(pl.Float64),
                pl.col("point_type").cast(pl.String),
            )
            .collect()
            .join(part.select("unit", "indicator"), on=["unit", "indicator"], how="semi")
        )
        found.append(frame)
    if not found:
        return pl.DataFrame(schema=schema)
    return pl.concat(found)


def with_capacity(subjects: pl.DataFrame, ids: Iterable[int], as_of: date) -> pl.DataFrame:
    """The subjects with their capacity scores (1–4), where an inspector has made or verified a
    capacity assessment at or before ``as_of``: ``capacity_score`` (the mean of the components scored,
    to two places, as ``CapacityAssessment.overall_score``) and ``capacity_<component>``. With none
    recorded the columns are empty and a test on them fails. Two queries, joined in Polars: the newest
    inspector's assessment per unit (as ``inspection.selectors.latest_capacity`` chooses it), then its
    component scores."""
    # Imported here: inspection reads the regime's freedoms, so neither imports the other at load.
    from localstat.inspection.choices import CapacitySource, Component
    from localstat.inspection.models import CapacityAssessment, ComponentScore

    components = [f"capacity_{c}" for c in Component.values]
    assessed = pl.DataFrame(
        list(
            CapacityAssessment.objects.filter(
                unit_id__in=list(ids), source=CapacitySource.INSPECTOR, assessed_on__lte=as_of
            ).values_list("pk", "unit_id", "assessed_on")
        ),
        schema={"assessment": pl.Int64, "organisation_id": pl.Int64, "assessed_on": pl.Date},
        orient="row",
    )
    newest = assessed.sort(
        ["organisation_id", "assessed_on", "assessment"], descending=[False, True, True]
    ).unique("organisation_id", keep="first")
    scores = pl.DataFrame(
        list(
            ComponentScore.objects.filter(assessment_id__in=newest["assessment"].to_list()).values_list(
                "assessment_id", "component", "score"
            )
        ),
        schema={"assessment": pl.Int64, "component": pl.String, "score": pl.Float64},
        orient="row",
    ).with_columns(component=pl.lit("capacity_") + pl.col("component"))
    overall = scores.group_by("assessment").agg(capacity_score=pl.col("score").mean().round(2))
    wide = (
        scores.pivot(on="component", index="assessment", values="score")
        if scores.height
        else pl.DataFrame(schema={"assessment": pl.Int64})
    )
    capacity = (
        newest.select("assessment", "organisation_id")
        .join(overall, on="assessment", how="left")
        .join(wide, on="assessment", how="left")
        .with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in components if c not in wide.columns)
        .select(
            "organisation_id",
            pl.col("capacity_score").cast(pl.Float64),
            *(pl.col(c).cast(pl.Float64) for c in components),
        )
    )
    return subjects.join(capacity, on="organisation_id", how="left")

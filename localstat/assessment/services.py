"""Assessment runs: the engine over the analytics copy of approved returns, judgements stored."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import polars as pl
from django.db import transaction

from localstat.assessment import analytics, frames
from localstat.assessment.choices import RunScope, RunStatus
from localstat.assessment.models import AssessmentRun, Judgement, TierAssessment, UnitAssessment
from localstat.assessment.proposals import propose_target_outcomes
from localstat.chain.access import Actor, NotPermitted, permitted_organisations
from localstat.chain.models import Organisation, Service
from localstat.core.audit import record_event
from localstat.core.bulk import insert_frame, update_by_ids
from localstat.core.clock import now, today
from localstat.engine import ENGINE_VERSION
from localstat.engine.assess import assess, judged_counts
from localstat.engine.assess.labels import BANDS as BAND_WORDS
from localstat.framework.models import Indicator

#: Series columns stored as model fields; every other column of the engine's frame goes to evidence.
JUDGEMENT_FIELDS = (
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "national_value",
    "vs_national",
    "parent_value",
    "vs_parent",
    "peer_value",
    "vs_peers",
    "vs_standard",
    "target_status",
    "variation",
    "assurance",
    "spc_rule",
    "trend",
)
_TEXT_FIELDS = (
    "vs_national",
    "vs_parent",
    "vs_peers",
    "vs_standard",
    "target_status",
    "variation",
    "assurance",
    "spc_rule",
    "trend",
)


#: A series whose latest value is this many periods or more before the period judged is stale: its
#: variation, trend and position describe old data, not now (seed A.5: data more than a month to six
#: weeks old can no longer identify under-performance swiftly). Evidence ``stale`` says so, and
#: ``periods_without_value`` how far behind it is, for pages and the review briefing to act on.
STALE_AFTER_PERIODS = 3

#: Days in one period, for the periodicities counted in days (a half-term is about seven weeks).
_PERIOD_DAYS = {"day": 1, "week": 7, "half_term": 49}
#: Months in one period, for the rest.
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "financial_year": 12, "year": 12}


def with_staleness(series: pl.DataFrame, periodicity: pl.DataFrame) -> pl.DataFrame:
    """The series with ``periods_without_value`` (periods from its latest value to the period
    judged; null when it never had one) and ``stale`` (at least :data:`STALE_AFTER_PERIODS`).

    ``periodicity`` has ``indicator`` and ``periodicity``."""
    frame = series.join(periodicity.select("indicator", "periodicity"), on="indicator", how="left")
    period, last = pl.col("period").cast(pl.Date), pl.col("last_period").cast(pl.Date)
    months = (period.dt.year() - last.dt.year()) * 12 + (period.dt.month() - last.dt.month())
    days = (period - last).dt.total_days()
    each = pl.col("periodicity")
    behind = (
        pl.when(each.is_in(list(_PERIOD_DAYS)))
        .then(days / each.replace_strict(_PERIOD_DAYS, default=None, return_dtype=pl.Float64))
        .otherwise(months / each.replace_strict(_PERIOD_MONTHS, default=1, return_dtype=pl.Float64))
        .round(0)
        .cast(pl.Int64)
    )
    return frame.with_columns(
        behind.alias("periods_without_value"),
        (behind >= STALE_AFTER_PERIODS).fill_null(False).alias("stale"),
    ).drop("periodicity")


def _ids(model: Any, codes: Iterable[str | None]) -> dict[str, int]:
    wanted = {c for c in codes if c}
    return dict(model.objects.filter(code__in=wanted).values_list("code", "pk"))


def _lookup(column: pl.Expr, mapping: dict[str, int]) -> pl.Expr:
    return column.replace_strict(mapping, default=None, return_dtype=pl.Int64)


def _evidence(frame: pl.DataFrame, stored: Iterable[str]) -> pl.Expr:
    rest = [c for c in frame.columns if c not in set(stored)]
    if not rest:
        return pl.lit("{}")
    return pl.struct(
        [
            pl.col(c).cast(pl.String)
            if frame.schema[c] in (pl.Date,) or isinstance(frame.schema[c], pl.Enum)
            else pl.col(c)
            for c in rest
        ]
    ).struct.json_encode()


def _store_series(
    run: AssessmentRun,
    series: pl.DataFrame,
    org_ids: dict[str, int],
    indicator_ids: dict[str, int],
    service_ids: dict[str, int],
) -> int:
    stored = {"level", "unit", "parent", "indicator", "service", *JUDGEMENT_FIELDS}
    text = [pl.col(c).cast(pl.String).fill_null("") for c in _TEXT_FIELDS if c in series.columns]
    rows = series.select(
        pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
        pl.col("level").cast(pl.String),
        _lookup(pl.col("unit"), org_ids).alias("organisation_id"),
        _lookup(pl.col("parent"), org_ids).alias("parent_id"),
        _lookup(pl.col("indicator"), indicator_ids).alias("indicator_id"),
        _lookup(pl.col("service"), service_ids).alias("service_id"),
        pl.col("period").cast(pl.Date),
        *[
            pl.col(c)
            for c in (
                "value",
                "lower_95",
                "upper_95",
                "lower_998",
                "upper_998",
                "national_value",
                "parent_value",
                "peer_value",
            )
        ],
        *text,
        _evidence(series, stored).alias("evidence"),
        pl.lit(True).alias("is_current"),
    )
    insert_frame(Judgement._meta.db_table, rows)
    return rows.height


def _store_positions(
    run: AssessmentRun,
    positions: pl.DataFrame,
    model: Any,
    org_ids: dict[str, int],
    service_ids: dict[str, int],
    extra: dict[str, pl.Expr],
) -> None:
    if positions.height == 0:
        return
    code_column = "unit" if "unit" in positions.columns else "body"
    known = {code_column, "service", "position", "band", *extra}
    columns: dict[str, pl.Expr] = {
        "run_id": pl.lit(run.pk, dtype=pl.Int64),
        "organisation_id": _lookup(pl.col(code_column), org_ids),
        "service_id": _lookup(pl.col("service"), service_ids)
        if "service" in positions.columns
        else pl.lit(None, dtype=pl.Int64),
        "position": pl.col("position").cast(pl.String).fill_null("")
        if "position" in positions.columns
        else pl.lit(""),
        "band": pl.col("band").cast(pl.String).fill_null("") if "band" in positions.columns else pl.lit(""),
        **extra,
        "evidence": _evidence(positions, known),
        "is_current": pl.lit(True),
    }
    insert_frame(model._meta.db_table, positions.select(**columns))


def _with_judged(positions: pl.DataFrame, judged: pl.DataFrame, level: str, key: str) -> pl.DataFrame:
    """The positions with each row's denominators (series judged on each column), so that its
    evidence can say "2 of its 3 indicators with a target" exactly."""
    counts = judged.filter(pl.col("level") == level).drop("level").rename({"unit": key})
    return positions.join(counts, on=[key, "service"], how="left", nulls_equal=True)


def _retire(model: Any, **filters: Any) -> None:
    ids = list(model.objects.filter(is_current=True, **filters).values_list("pk", flat=True))
    update_by_ids(model._meta.db_table, ids, {"is_current": False})


@transaction.atomic
def run_assessment(
    *,
    as_of: date | None = None,
    indicators: Iterable[str] | None = None,
    acting_user: Actor,
    trigger: str = "",
    scope: str = RunScope.FULL,
    parameters: dict[str, Any] | None = None,
) -> AssessmentRun:
    """Judge the approved data of every indicator (or the ones given) at ``as_of`` and store the run.

    The run's judgements become the current ones for the indicators it judged; earlier runs keep
    theirs, so any two runs can be compared.
    """
    if acting_user is not None and not permitted_organisations(acting_user, "assessment.run").exists():
        who = getattr(acting_user, "username", "") or "An anonymous visitor"
        raise NotPermitted(
            f"{who} may not start an assessment run: department analysts and administrators do."
        )
    as_of = as_of or today()
    codes = sorted(set(indicators) if indicators is not None else frames.indicator_codes_with_data())
    timings: dict[str, float] = {}
    started = time.perf_counter()
    run = AssessmentRun.objects.create(
        as_of=as_of,
        scope=scope,
        engine_version=ENGINE_VERSION,
        indicators=codes,
        trigger=trigger,
        created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
        parameters={"profile": "nhsr", **(parameters or {})},
    )
    missing = [code for code in codes if not analytics.exists(code)]
    if missing:
        analytics.refresh(missing)
    observations = analytics.read(codes).filter(pl.col("period") <= as_of)
    targets, milestones = frames.targets_frames(codes)
    hierarchy = frames.hierarchy_frame(as_of)
    peers = frames.peers_frame(as_of)
    indicator_frame = frames.indicators_frame(codes, as_of)
    timings["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    result = assess(
        observations,
        indicators=indicator_frame,
        targets=targets,
        milestones=milestones,
        peers=peers,
        hierarchy=hierarchy,
        as_of=as_of,
        profile=run.parameters["profile"],
        points=True,
    )
    timings["judge"] = time.perf_counter() - mark

    mark = time.perf_counter()
    series = with_staleness(result.series, indicator_frame)
    org_codes = {*series["unit"].drop_nulls().to_list(), *series["parent"].drop_nulls().to_list()}
    org_ids = _ids(Organisation, org_codes)
    indicator_ids = _ids(Indicator, codes)
    service_ids = _ids(Service, series["service"].drop_nulls().unique().to_list())
    judged_ids = list(indicator_ids.values())
    _retire(Judgement, indicator_id__in=judged_ids)
    stored = _store_series(run, series, org_ids, indicator_ids, service_ids)
    if scope == RunScope.FULL:
        _retire(UnitAssessment)
        _retire(TierAssessment)
        org_ids |= _ids(Organisation, [*result.positions["unit"].to_list(), *result.tiers["body"].to_list()])
        scores = {"absolute_score": pl.col("absolute_score"), "direction_score": pl.col("direction_score")}
        judged = judged_counts(series)
        positions = _with_judged(result.positions, judged, "unit", "unit")
        tiers = _with_judged(result.tiers, judged, "tier", "body")
        _store_positions(run, positions, UnitAssessment, org_ids, service_ids, scores)
        bands = [
            c for c in tiers.columns if c.startswith("share_") and c.removeprefix("share_") in BAND_WORDS
        ]
        tier_columns = {
            "units": pl.col("units").fill_null(0),
            "falls": pl.col("falls").fill_null(0),
            "recovered": pl.col("recovered").fill_null(0),
            "band_shares": pl.struct(
                [pl.col(c).alias(c.removeprefix("share_")) for c in bands]
            ).struct.json_encode(),
        }
        _store_positions(run, tiers, TierAssessment, org_ids, service_ids, tier_columns)
    if result.points is not None:
        analytics.write_points(run.pk, result.points)
    analytics.write_peers(run.pk, peers)
    timings["store"] = time.perf_counter() - mark

    proposals = propose_target_outcomes(run)
    run.status = RunStatus.COMPLETE
    run.observations = observations.height
    run.input_fingerprint = analytics.fingerprint(observations)
    run.parameters = {**run.parameters, **result.parameters}
    run.timings = {name: round(seconds, 4) for name, seconds in timings.items()}
    run.finished_at = now()
    run.save()
    record_event(
        actor=acting_user,
        action="assessment.run",
        subject=run,
        summary=f"Assessed {len(codes)} indicators as of {as_of}: {stored} judgements",
        data={"scope": scope, "trigger": trigger, "timings": run.timings, "target_proposals": len(proposals)},
    )
    return run

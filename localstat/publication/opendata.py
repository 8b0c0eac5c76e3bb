"""Open data: every public table of a release as a Polars frame, written as CSV, JSON or Parquet.

Each table reads the release's own frozen rows, in one query, and its columns are those of the data
dictionary below (a test keeps the two equal), so a download says exactly what the pages say.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import F, QuerySet

from localstat.assessment.choices import Level
from localstat.engine.ranks import rank_with_uncertainty
from localstat.publication.models import Release, ReleasedJudgement, ReleasedPeer, ReleasedValue

#: Download formats: file extension → media type.
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    summary: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...]


_ORG = (
    Column("unit_code", "text", "The unit's code (for NHS trusts, the ODS code)."),
    Column("unit_name", "text", "The unit's name."),
)
_INTERVAL = (
    Column("value", "number", "The indicator's value: numerator ÷ denominator × multiplier, or the count."),
    Column("lower_95", "number", "Lower limit of the 95% confidence interval."),
    Column("upper_95", "number", "Upper limit of the 95% confidence interval."),
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "values",
            "Published values",
            "Every approved value the release froze: one row per unit, indicator and period.",
            (
                *_ORG,
                Column("indicator_code", "text", "The indicator's code."),
                Column("indicator_version", "integer", "The indicator definition's version number."),
                Column("period_start", "date", "The first day of the period (YYYY-MM-DD)."),
                Column(
                    "numerator", "number", "The numerator as returned and approved (the count for a count)."
                ),
                Column(
                    "denominator", "number", "The denominator as returned and approved; empty for a count."
                ),
                Column("value", "number", "numerator ÷ denominator × multiplier; the numerator for a count."),
            ),
            ("unit", "indicator"),
        ),
        Table(
            "judgements",
            "Judgements",
            "Each unit's, area's and England's latest judged period for each indicator, with the "
            "comparisons, variation, trend and target status behind the plain-English words.",
            (
                Column("level", "text", "unit, tier (an area, pooled over its units) or national (England)."),
                Column("organisation_code", "text", "The unit's or area's code; empty for England."),
                Column("organisation_name", "text", "The unit's or area's name; empty for England."),
                Column("area_code", "text", "The code of the area the unit or area belongs to."),
                Column("indicator_code", "text", "The indicator's code."),
                Column("period", "date", "The judged period's first day (YYYY-MM-DD)."),
                *_INTERVAL,
                Column("lower_998", "number", "Lower limit of the 99.8% confidence interval."),
                Column("upper_998", "number", "Upper limit of the 99.8% confidence interval."),
                Column("national_value", "number", "England's value for the same period."),
                Column(
                    "vs_national", "text", "Compared with England: better, similar, worse (significantly …)."
                ),
                Column("area_value", "number", "Its area's pooled value for the same period."),
                Column("vs_area", "text", "Compared with its area, in the same words."),
                Column("peer_value", "number", "The pooled value of its most similar units."),
                Column("vs_peers", "text", "Compared with its most similar units, in the same words."),
                Column("vs_standard", "text", "met or below the national standard, when there is one."),
                Column("target_status", "text", "met, on_track, at_risk, off_track, missed or no_value."),
                Column("target_level", "number", "The target's level, when it has a target."),
                Column("target_deadline", "date", "The target's deadline, when it has a target."),
                Column("variation", "text", "Statistical process control: common cause or special cause."),
                Column("assurance", "text", "Whether, as things are, the target will be met consistently."),
                Column("trend", "text", "Recent trend over the last five periods: improving, worsening, …"),
            ),
            ("unit", "indicator", "area"),
        ),
        Table(
            "league-table",
            "League tables",
            "Units ranked on each indicator's latest judged period, rank 1 the best, with the best and worst "
            "rank each unit's 95% interval allows: a unit's place is only as certain as that range.",
            (
                Column("indicator_code", "text", "The indicator's code."),
                Column("period", "date", "The judged period's first day (YYYY-MM-DD)."),
                *_ORG,
                Column("area_code", "text", "The code of the unit's area."),
                *_INTERVAL,
                Column("rank", "integer", "Its place by value (ties share the better place)."),
                Column(
                    "best_rank", "integer", "1 + the units whose interval lies wholly on the better side."
                ),
                Column(
                    "worst_rank", "integer", "n − the units whose interval lies wholly on the worse side."
                ),
                Column("ranked", "integer", "n: the units ranked (those with a value and an interval)."),
            ),
            ("unit", "indicator", "area"),
        ),
        Table(
            "peers",
            "Most similar units",
            "Each unit's most similar units, as the release's assessment found them from their context.",
            (
                *_ORG,
                Column("peer_code", "text", "The similar unit's code."),
                Column("peer_name", "text", "The similar unit's name."),
                Column("similarity_rank", "integer", "1 for the most similar, then 2, 3, …"),
            ),
            ("unit",),
        ),
    )
}


def _frame(rows: QuerySet[Any, dict[str, Any]], table: Table, schema: dict[str, Any]) -> pl.DataFrame:
    names = [column.name for column in table.columns]
    frame = pl.DataFrame(list(rows), schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.select(names)


def _values(release: Release, filters: dict[str, str]) -> pl.DataFrame:
    rows = ReleasedValue.objects.filter(release=release)
    if filters.get("unit"):
        rows = rows.filter(unit__code=filters["unit"])
    if filters.get("indicator"):
        rows = rows.filter(indicator__code=filters["indicator"])
    data = rows.order_by("unit__code", "indicator__code", "period_start").values(
        "period_start",
        "numerator",
        "denominator",
        unit_code=F("unit__code"),
        unit_name=F("unit__name"),
        indicator_code=F("indicator__code"),
        version_number=F("indicator_version__number"),
        multiplier=F("indicator_version__multiplier"),
    )
    frame = pl.DataFrame(
        list(data),
        schema={
            "unit_code": pl.String,
            "unit_name": pl.String,
            "indicator_code": pl.String,
            "version_number": pl.Int64,
            "period_start": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "multiplier": pl.Float64,
        },
    )
    frame = frame.rename({"version_number": "indicator_version"}).with_columns(
        pl.when(pl.col("denominator").is_null() | (pl.col("denominator") == 0))
        .then(pl.col("numerator"))
        .otherwise(pl.col("numerator") / pl.col("denominator") * pl.col("multiplier"))
        .alias("value")
    )
    return frame.select([column.name for column in TABLES["values"].columns])


def judgements_queryset(release: Release, filters: dict[str, str]) -> QuerySet[ReleasedJudgement]:
    rows = ReleasedJudgement.objects.filter(release=release)
    if filters.get("unit"):
        rows = rows.filter(organisation__code=filters["unit"])
    if filters.get("indicator"):
        rows = rows.filter(indicator__code=filters["indicator"])
    if filters.get("area"):
        rows = rows.filter(parent__code=filters["area"])
    return rows


_JUDGEMENT_SCHEMA: dict[str, Any] = {
    "level": pl.String,
    "organisation_code": pl.String,
    "organisation_name": pl.String,
    "area_code": pl.String,
    "indicator_code": pl.String,
    "period": pl.Date,
    "value": pl.Float64,
    "lower_95": pl.Float64,
    "upper_95": pl.Float64,
    "lower_998": pl.Float64,
    "upper_998": pl.Float64,
    "national_value": pl.Float64,
    "vs_national": pl.String,
    "area_value": pl.Float64,
    "vs_area": pl.String,
    "peer_value": pl.Float64,
    "vs_peers": pl.String,
    "vs_standard": pl.String,
    "target_status": pl.String,
    "target_level": pl.Float64,
    "target_deadline": pl.String,
    "variation": pl.String,
    "assurance": pl.String,
    "trend": pl.String,
}


def _judgements(release: Release, filters: dict[str, str]) -> pl.DataFrame:
    data = (
        judgements_queryset(release, filters)
        .order_by("indicator__code", "level", "organisation__code")
        .values(
            "level",
            "value",
            "lower_95",
            "upper_95",
            "lower_998",
            "upper_998",
            "national_value",
            "vs_national",
            "peer_value",
            "vs_peers",
            "vs_standard",
            "target_status",
            "variation",
            "assurance",
            "trend",
            "period",
            organisation_code=F("organisation__code"),
            organisation_name=F("organisation__name"),
            area_code=F("parent__code"),
            indicator_code=F("indicator__code"),
            area_value=F("parent_value"),
            vs_area=F("vs_parent"),
            target_level=F("evidence__target_level"),
            target_deadline=F("evidence__target_deadline"),
        )
    )
    frame = _frame(data, TABLES["judgements"], _JUDGEMENT_SCHEMA)
    return frame.with_columns(pl.col("target_deadline").str.to_date(strict=False))


def league_frame(
    release: Release, indicator_codes: list[str] | None, polarity: dict[str, str]
) -> pl.DataFrame:
    """Units ranked per indicator on the release's judged period (``polarity``: code → higher/lower;
    indicators with neither are not ranked)."""
    rows = ReleasedJudgement.objects.filter(release=release, level=Level.UNIT)
    if indicator_codes is not None:
        rows = rows.filter(indicator__code__in=indicator_codes)
    data = rows.values(
        "period",
        "value",
        "lower_95",
        "upper_95",
        indicator_code=F("indicator__code"),
        unit_code=F("organisation__code"),
        unit_name=F("organisation__name"),
        area_code=F("parent__code"),
    )
    schema: dict[str, Any] = {
        "indicator_code": pl.String,
        "period": pl.Date,
        "unit_code": pl.String,
        "unit_name": pl.String,
        "area_code": pl.String,
        "value": pl.Float64,
        "lower_95": pl.Float64,
        "upper_95": pl.Float64,
    }
    frame = pl.DataFrame(list(data), schema=schema)
    tables = [
        rank_with_uncertainty(part, polarity=polarity[code])  # type: ignore[arg-type]
        for (code,), part in frame.partition_by("indicator_code", as_dict=True).items()
        if polarity.get(str(code)) in ("higher", "lower")
    ]
    names = [column.name for column in TABLES["league-table"].columns]
    if not tables:
        return pl.DataFrame(schema={**schema, **dict.fromkeys(names[-4:], pl.Int64)}).select(names)
    return (
        pl.concat(tables)
        .with_columns(pl.col(c).cast(pl.Int64) for c in ("rank", "best_rank", "worst_rank", "ranked"))
        .sort("indicator_code", pl.col("rank").is_null(), "rank", "unit_code")
        .select(names)
    )


def _league(release: Release, filters: dict[str, str]) -> pl.DataFrame:
    from localstat.publication.selectors import release_league

    frame = release_league(release)
    if filters.get("indicator"):
        frame = frame.filter(pl.col("indicator_code") == filters["indicator"])
    if filters.get("unit"):
        frame = frame.filter(pl.col("unit_code") == filters["unit"])
    if filters.get("area"):
        frame = frame.filter(pl.col("area_code") == filters["area"])
    return frame


def _peers(release: Release, filters: dict[str, str]) -> pl.DataFrame:
    rows = ReleasedPeer.objects.filter(release=release)
    if filters.get("unit"):
        rows = rows.filter(unit__code=filters["unit"])
    data = rows.order_by("unit__code", "rank").values(
        unit_code=F("unit__code"),
        unit_name=F("unit__name"),
        peer_code=F("peer__code"),
        peer_name=F("peer__name"),
        similarity_rank=F("rank"),
    )
    return _frame(
        data,
        TABLES["peers"],
        {
            "unit_code": pl.String,
            "unit_name": pl.String,
            "peer_code": pl.String,
            "peer_name": pl.String,
            "similarity_rank": pl.Int64,
        },
    )


_BUILDERS = {"values": _values, "judgements": _judgements, "league-table": _league, "peers": _peers}


def table_frame(release: Release, table: str, filters: dict[str, str] | None = None) -> pl.DataFrame:
    """The named public table of ``release``, filtered by unit, indicator or area code."""
    known = TABLES[table].filters
    return _BUILDERS[table](release, {k: v for k, v in (filters or {}).items() if k in known and v})


def encode(frame: pl.DataFrame, fmt: str) -> bytes:
    """The frame as a file: CSV (UTF-8, header, ISO dates), JSON (an array of row objects) or Parquet."""
    if fmt == "csv":
        return frame.write_csv().encode()
    if fmt == "json":
        return frame.write_json().encode()
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    raise ValueError(f"No format {fmt!r}: choose csv, json or parquet.")

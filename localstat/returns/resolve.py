"""From codes to records, every row at once: units, indicators, the collection that asks, the period.

The input is the frame ``files.read_returns_file`` makes (``row, line, unit, indicator, period,
numerator, denominator``). The output adds ``unit_id``, ``indicator_id``, ``collection_id``,
``version_id``, ``statistic``, ``multiplier``, ``period_end`` and ``deadline``; every row that cannot be
placed is a :class:`RowError`. All of it is Polars joins and expressions: no query and no Python
step per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from localstat.chain.access import permitted_organisations
from localstat.chain.models import Organisation
from localstat.framework.models import Indicator, IndicatorVersion, SchoolTerm
from localstat.returns.files import RowError
from localstat.returns.models import Collection, CollectionItem, CollectionUnit

ROW_KEYS = ["unit_id", "indicator_id", "period_start"]
RETURN_KEYS = ["collection_id", "unit_id", "period_start"]


@dataclass
class Items:
    """The items of the collections in play: what is asked, what is derived and from what."""

    frame: pl.DataFrame  # collection_id, indicator_id, code, required, derived, screen_outliers
    derived: pl.DataFrame  # collection_id, indicator_id (derived), component_id
    codes: dict[int, str] = field(default_factory=dict)


@dataclass
class Resolved:
    rows: pl.DataFrame
    items: Items
    collections: dict[int, Collection]
    errors: list[RowError]


def errors_where(
    frame: pl.DataFrame, condition: pl.Expr, field_name: str, reason: pl.Expr | str
) -> list[RowError]:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    bad = frame.filter(condition).select("row", "line", reason_expr.alias("reason"))
    return [RowError(row, line, field_name, why) for row, line, why in bad.iter_rows()]


def _lookup(codes: list[str], pairs: list[tuple[str, int]], name: str) -> pl.DataFrame:
    return pl.DataFrame(pairs, schema={name: pl.String, f"{name}_id": pl.Int64}, orient="row")


def _period_rules(frame: pl.DataFrame, terms: pl.DataFrame) -> pl.DataFrame:
    """Add ``period_ok`` and ``period_end`` for each row's periodicity (half-terms from the calendars)."""
    start = pl.col("period_start")
    one_day = pl.duration(days=1)
    frame = frame.join(terms, on=["service_id", "period_start"], how="left")
    kind = pl.col("periodicity")
    ok = (
        pl.when(kind == "day")
        .then(True)
        .when(kind == "week")
        .then(start.dt.weekday() == 1)
        .when(kind == "month")
        .then(start.dt.day() == 1)
        .when(kind == "quarter")
        .then((start.dt.day() == 1) & (start.dt.month() % 3 == 1))
        .when(kind == "financial_year")
        .then((start.dt.day() == 1) & (start.dt.month() == 4))
        .when(kind == "year")
        .then((start.dt.day() == 1) & (start.dt.month() == 1))
        .otherwise(pl.col("term_end").is_not_null())
    )
    end = (
        pl.when(kind == "day")
        .then(start)
        .when(kind == "week")
        .then(start + pl.duration(days=6))
        .when(kind == "month")
        .then(start.dt.month_end())
        .when(kind == "quarter")
        .then(start.dt.offset_by("3mo") - one_day)
        .when(kind.is_in(["financial_year", "year"]))
        .then(start.dt.offset_by("1y") - one_day)
        .otherwise(pl.col("term_end"))
    )
    return frame.with_columns(period_ok=ok, period_end=end).drop("term_end")


RULE_TEXT = {
    "week": "a week starts on a Monday",
    "month": "a month starts on its 1st",
    "quarter": "a quarter starts on 1 January, April, July or October",
    "financial_year": "a financial year starts on 1 April",
    "year": "a year starts on 1 January",
    "half_term": "a half-term starts on its school calendar's first day",
}


def load_items(collection_ids: list[int]) -> Items:
    rows = list(
        CollectionItem.objects.filter(collection_id__in=collection_ids).values_list(
            "collection_id", "indicator_id", "indicator__code", "required", "derived_from", "screen_outliers"
        )
    )
    frame = pl.DataFrame(
        [(c, i, code, req, bool(d), s) for c, i, code, req, d, s in rows],
        schema={
            "collection_id": pl.Int64,
            "indicator_id": pl.Int64,
            "code": pl.String,
            "required": pl.Boolean,
            "derived": pl.Boolean,
            "screen_outliers": pl.Boolean,
        },
        orient="row",
    )
    by_code = {(c, code): i for c, i, code, *_ in rows}
    pairs = [
        (c, i, by_code[(c, component)])
        for c, i, _code, _req, derived_from, _s in rows
        for component in derived_from
        if (c, component) in by_code
    ]
    derived = pl.DataFrame(
        pairs,
        schema={"collection_id": pl.Int64, "indicator_id": pl.Int64, "component_id": pl.Int64},
        orient="row",
    )
    return Items(frame=frame, derived=derived, codes={i: code for _c, i, code, *_ in rows})


def resolve_rows(
    observations: pl.DataFrame,
    *,
    today: date,
    collection: Collection | None,
    only_unit: Organisation | None,
    acting_user: AbstractBaseUser | AnonymousUser | None,
    approve: bool,
) -> Resolved:
    errors: list[RowError] = []
    # One file row can give several observations (the NHS layout gives two): key them apart.
    frame = observations.rename({"period": "period_start"}).with_row_index("obs")

    unit_codes = frame["unit"].unique().to_list()
    units = _lookup(
        unit_codes, list(Organisation.objects.filter(code__in=unit_codes).values_list("code", "id")), "unit"
    )
    indicator_codes = frame["indicator"].unique().to_list()
    indicators = _lookup(
        indicator_codes,
        list(Indicator.objects.filter(code__in=indicator_codes).values_list("code", "id")),
        "indicator",
    )
    frame = frame.join(units, on="unit", how="left").join(indicators, on="indicator", how="left")
    errors += errors_where(
        frame,
        pl.col("unit_id").is_null(),
        "unit",
        pl.format("'{}' is not the code of a LocalStat organisation", "unit"),
    )
    errors += errors_where(
        frame,
        pl.col("indicator_id").is_null(),
        "indicator",
        pl.format("'{}' is not an indicator code", "indicator"),
    )
    if only_unit is not None:
        errors += errors_where(
            frame,
            pl.col("unit_id").is_not_null() & (pl.col("unit") != only_unit.code),
            "unit",
            f"this token submits returns for {only_unit.code} only",
        )
    if acting_user is not None:
        errors += _refused(frame, acting_user, "returns.submit_return", "may not submit returns for")
        if approve:
            errors += _refused(frame, acting_user, "returns.approve_return", "may not approve returns for")
    frame = frame.filter(pl.col("unit_id").is_not_null() & pl.col("indicator_id").is_not_null())

    # Which collection asks this unit for this indicator.
    items_query = CollectionItem.objects.filter(indicator_id__in=frame["indicator_id"].unique().to_list())
    if collection is not None:
        items_query = items_query.filter(collection=collection)
    collection_ids = sorted(set(items_query.values_list("collection_id", flat=True)))
    collections = {c.pk: c for c in Collection.objects.filter(pk__in=collection_ids)}
    items = load_items(collection_ids)
    asked = pl.DataFrame(
        list(
            CollectionUnit.objects.filter(collection_id__in=collection_ids).values_list(
                "collection_id", "unit_id"
            )
        ),
        schema={"collection_id": pl.Int64, "unit_id": pl.Int64},
        orient="row",
    )
    candidates = (
        frame.select("obs", "unit_id", "indicator_id")
        .join(items.frame.select("collection_id", "indicator_id", "derived"), on="indicator_id")
        .join(asked, on=["collection_id", "unit_id"], how="semi")
    )
    matched = candidates.group_by("obs").agg(
        pl.col("collection_id").min(), pl.len().alias("collections"), pl.col("derived").first()
    )
    frame = frame.join(matched, on="obs", how="left")
    where = f" by collection {collection.code}" if collection is not None else " by any collection"
    errors += errors_where(
        frame,
        pl.col("collection_id").is_null(),
        "indicator",
        pl.format("{} is not asked of {}" + where, "indicator", "unit"),
    )
    errors += errors_where(
        frame,
        pl.col("collections") > 1,
        "indicator",
        pl.format(
            "{} is asked of {} by more than one collection: name one with --collection", "indicator", "unit"
        ),
    )
    errors += errors_where(
        frame,
        pl.col("derived").fill_null(False),
        "indicator",
        pl.format("{} is derived from other items' stored values, so it is not submitted", "indicator"),
    )
    frame = frame.filter(
        pl.col("collection_id").is_not_null() & (pl.col("collections") == 1) & ~pl.col("derived")
    )
    frame = frame.drop("collections", "derived", "obs")

    meta = pl.DataFrame(
        [
            (c.pk, c.code, c.service_id, c.periodicity, c.deadline_days, c.first_period)
            for c in collections.values()
        ],
        schema={
            "collection_id": pl.Int64,
            "collection": pl.String,
            "service_id": pl.Int64,
            "periodicity": pl.String,
            "deadline_days": pl.Int64,
            "first_period": pl.Date,
        },
        orient="row",
    )
    frame = frame.join(meta, on="collection_id")
    terms = pl.DataFrame(
        list(SchoolTerm.objects.values_list("calendar__service_id", "start", "end")),
        schema={"service_id": pl.Int64, "period_start": pl.Date, "term_end": pl.Date},
        orient="row",
    )
    frame = _period_rules(frame, terms)
    errors += errors_where(
        frame,
        ~pl.col("period_ok"),
        "period",
        pl.format(
            "{} does not start a {}: {}",
            pl.col("period_start"),
            pl.col("periodicity").str.replace("_", " ").str.replace("half term", "half-term"),
            pl.col("periodicity").replace_strict(RULE_TEXT, default=""),
        ),
    )
    errors += errors_where(
        frame,
        pl.col("period_ok") & (pl.col("period_start") < pl.col("first_period")),
        "period",
        pl.format(
            "{} is before collection {} starts ({})", pl.col("period_start"), "collection", "first_period"
        ),
    )
    errors += errors_where(
        frame,
        pl.col("period_start") > pl.lit(today),
        "period",
        pl.format("{} has not begun yet (today is " + today.isoformat() + ")", pl.col("period_start")),
    )
    frame = frame.filter(pl.col("period_ok") & (pl.col("period_start") >= pl.col("first_period")))
    frame = frame.filter(pl.col("period_start") <= pl.lit(today))
    frame = frame.with_columns(deadline=pl.col("period_end") + pl.duration(days=pl.col("deadline_days")))

    frame = attach_versions(frame, errors)
    return Resolved(rows=frame, items=items, collections=collections, errors=errors)


def attach_versions(frame: pl.DataFrame, errors: list[RowError]) -> pl.DataFrame:
    """The indicator version in force for each row's period, and what it says a value is."""
    versions = pl.DataFrame(
        list(
            IndicatorVersion.objects.filter(
                indicator_id__in=frame["indicator_id"].unique().to_list()
            ).values_list("indicator_id", "valid_from", "id", "statistic", "multiplier")
        ),
        schema={
            "indicator_id": pl.Int64,
            "valid_from": pl.Date,
            "version_id": pl.Int64,
            "statistic": pl.String,
            "multiplier": pl.Int64,
        },
        orient="row",
    ).sort("valid_from")
    joined = frame.sort("period_start").join_asof(
        versions,
        left_on="period_start",
        right_on="valid_from",
        by="indicator_id",
        strategy="backward",
        check_sortedness=False,
    )
    errors += errors_where(
        joined,
        pl.col("version_id").is_null(),
        "period",
        pl.format("{} has no definition in force for {}", "indicator", pl.col("period_start")),
    )
    return joined.filter(pl.col("version_id").is_not_null()).drop("valid_from").sort("row")


def _refused(
    frame: pl.DataFrame, acting_user: AbstractBaseUser | AnonymousUser, action: str, verb: str
) -> list[RowError]:
    unit_ids = [u for u in frame["unit_id"].unique().to_list() if u is not None]
    allowed = set(
        permitted_organisations(acting_user, action).filter(pk__in=unit_ids).values_list("pk", flat=True)
    )
    who = getattr(acting_user, "username", "") or "an anonymous visitor"
    return errors_where(
        frame,
        pl.col("unit_id").is_not_null() & ~pl.col("unit_id").is_in(list(allowed)),
        "unit",
        pl.format(f"{who} {verb} {{}}", "unit"),
    )

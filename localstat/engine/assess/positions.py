"""Positions and bands of units and intermediate-tier bodies, read off the series frame.

A unit's (or body's) series in one service are summarised as scores and shares
(:data:`~localstat.engine.assess.bands.NUMERIC_METRICS`): the mean absolute score and direction
score, and the share of its judged series in each judgement. The two scores place it on absolute
performance × direction of travel (the position), and the band rules give its band. A body also
gets the share of its units in each band and its record in correcting under-performance.
Everything is a Polars group-by over series rows, with one expression per rule.

A stale series (``stale``: its latest value three or more of the indicator's periods before the
period judged) says nothing about the direction of travel now: its trend and variation count in
neither the direction score nor the shares (nor their denominators, ``judged_trend`` and
``judged_variation``). Its value's comparisons, target and standard still count: they are what the
latest value says, and the value's age is told beside it.
"""

from __future__ import annotations

import polars as pl

from localstat.engine.assess.bands import NUMERIC_METRICS, BandRules, Condition
from localstat.engine.assess.chain import DeliveryChain
from localstat.engine.assess.labels import ABSOLUTES, BANDS, DIRECTIONS, POSITION_GRID, POSITIONS

__all__ = [
    "JUDGED_COLUMNS",
    "POSITION_COLUMNS",
    "SHARE_DENOMINATORS",
    "TIER_COLUMNS",
    "judged_counts",
    "tier_positions",
    "unit_positions",
]

_BETTER = ["better", "significantly_better"]
_WORSE = ["worse", "significantly_worse"]
_COMPARED = [*_BETTER, "similar", *_WORSE]
_TARGET_JUDGED = ["met", "on_track", "at_risk", "off_track", "missed"]

_TRENDS_JUDGED = ["improving", "no_change", "worsening"]
_VARIATION_JUDGED = ["special_cause_improvement", "common_cause", "special_cause_concern"]

#: (denominator, judgement column, the words that make a series judged on it).
_JUDGED: dict[str, tuple[str, list[str]]] = {
    "judged_national": ("vs_national", _COMPARED),
    "judged_peers": ("vs_peers", _COMPARED),
    "judged_targets": ("target_status", _TARGET_JUDGED),
    "judged_standard": ("vs_standard", ["met", "below"]),
    "judged_trend": ("trend", _TRENDS_JUDGED),
    "judged_variation": ("variation", _VARIATION_JUDGED),
}

#: (metric, its denominator in :data:`_JUDGED`, the words counted).
_SHARE_OF: tuple[tuple[str, str, list[str]], ...] = (
    ("share_significantly_better", "judged_national", ["significantly_better"]),
    ("share_better", "judged_national", _BETTER),
    ("share_worse", "judged_national", _WORSE),
    ("share_significantly_worse", "judged_national", ["significantly_worse"]),
    ("share_better_than_peers", "judged_peers", _BETTER),
    ("share_worse_than_peers", "judged_peers", _WORSE),
    ("share_targets_met", "judged_targets", ["met"]),
    ("share_targets_on_track", "judged_targets", ["on_track"]),
    ("share_targets_at_risk", "judged_targets", ["at_risk"]),
    ("share_targets_off_track", "judged_targets", ["off_track"]),
    ("share_targets_missed", "judged_targets", ["missed"]),
    ("share_below_standard", "judged_standard", ["below"]),
    ("share_improving", "judged_trend", ["improving"]),
    ("share_worsening", "judged_trend", ["worsening"]),
    ("share_special_cause_improvement", "judged_variation", ["special_cause_improvement"]),
    ("share_special_cause_concern", "judged_variation", ["special_cause_concern"]),
)
#: Each share's denominator: the series judged on its column (a share is hits / that count).
SHARE_DENOMINATORS: dict[str, str] = {metric: of for metric, of, _ in _SHARE_OF}

#: (metric, judgement column, the words counted, the words that make a series judged).
_SHARES: tuple[tuple[str, str, list[str], list[str]], ...] = tuple(
    (metric, _JUDGED[of][0], counted, _JUDGED[of][1]) for metric, of, counted in _SHARE_OF
)

_SUMMARY = (
    "series",
    "absolute_score",
    "direction_score",
    "absolute",
    "direction",
    "position",
    "band",
    *NUMERIC_METRICS[3:],
)
#: Columns of the positions frame, in order.
POSITION_COLUMNS: tuple[str, ...] = ("unit", "parent", "service", *_SUMMARY)
_BAND_SHARES = tuple(f"share_{band}" for band in BANDS)
_RECORD = ("falls", "recovered", "not_recovered", "recovery_pending", "recovery_rate")
#: Columns of the tiers frame, in order.
TIER_COLUMNS: tuple[str, ...] = ("body", "parent", "service", *_SUMMARY, "units", *_BAND_SHARES, *_RECORD)


#: Columns of :func:`judged_counts`, after ``level``, ``unit`` and ``service``.
JUDGED_COLUMNS: tuple[str, ...] = (*_JUDGED, "listed_series", "valued_series")


#: Judgements of the direction of travel, which a stale series does not give.
_DIRECTION_COLUMNS = ("trend", "variation", "direction_score")


def _fresh(series: pl.DataFrame) -> pl.DataFrame:
    """The series with a stale series' direction judgements (trend, variation, direction score)
    blanked, so that old data does not count towards the direction of travel now.

    >>> series = pl.DataFrame({"trend": ["improving", "worsening"], "variation": None,
    ...     "direction_score": [1.0, -1.0], "stale": [False, True]})
    >>> _fresh(series).select("trend", "direction_score").rows()
    [('improving', 1.0), (None, None)]
    """
    if "stale" not in series.columns:
        return series
    stale = pl.col("stale").fill_null(False)
    return series.with_columns(
        pl.when(stale).then(None).otherwise(pl.col(name)).alias(name)
        for name in _DIRECTION_COLUMNS
        if name in series.columns
    )


def judged_counts(series: pl.DataFrame) -> pl.DataFrame:
    """How many of each unit's (or body's) series in a service were judged on each column: the
    denominators of its shares, so that "2 of its 3 indicators with a target" can be said exactly.
    ``listed_series`` counts every series and ``valued_series`` those with a value at the as-of
    period, so that a unit with no place can say why (no value yet, or nothing to judge it on).

    >>> series = pl.DataFrame({"level": "unit", "unit": ["A", "A", "A"], "service": None,
    ...     "vs_national": ["better", None, "similar"], "vs_peers": None, "target_status": [None, "met", None],
    ...     "vs_standard": None, "trend": "no_change", "variation": None},
    ...     schema_overrides={"service": pl.String, "vs_peers": pl.String, "vs_standard": pl.String,
    ...                       "variation": pl.String})
    >>> judged_counts(series).row(0)
    ('unit', 'A', None, 2, 0, 1, 0, 3, 0, 3, 0)
    """
    valued = pl.col("value").is_not_null().sum() if "value" in series.columns else pl.lit(0)
    return (
        _fresh(series)
        .group_by("level", "unit", "service", maintain_order=True)
        .agg(
            *[
                pl.col(column).cast(pl.String).is_in(judged).sum().cast(pl.Int64).alias(name)
                for name, (column, judged) in _JUDGED.items()
            ],
            pl.len().cast(pl.Int64).alias("listed_series"),
            valued.cast(pl.Int64).alias("valued_series"),
        )
        .with_columns(pl.col("level").cast(pl.String))
        .select("level", "unit", "service", *JUDGED_COLUMNS)
    )


def _share(column: str, counted: list[str], judged: list[str]) -> pl.Expr:
    value = pl.col(column)
    hits = value.is_in(counted).sum()
    of = value.is_in(judged).sum()
    return pl.when(of > 0).then(hits / of).otherwise(None)


def _condition(condition: Condition) -> pl.Expr:
    column = pl.col(condition.metric)
    if condition.metric.startswith("share_"):
        # A share with no judged series counts as none.
        column = column.fill_null(0.0)
    tests: list[pl.Expr] = []
    if condition.at_least is not None:
        tests.append(column >= condition.at_least)
    if condition.at_most is not None:
        tests.append(column <= condition.at_most)
    if condition.among is not None:
        tests.append(column.is_in(list(condition.among)))
    if condition.excluding is not None:
        tests.append(~column.is_in(list(condition.excluding)))
    return pl.all_horizontal(tests).fill_null(False)


def _summarise(series: pl.DataFrame, keys: list[str], rules: BandRules) -> pl.DataFrame:
    thresholds = rules.position
    summary = (
        _fresh(series)
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("parent").drop_nulls().first().alias("parent"),
            pl.col("absolute_score").is_not_null().sum().cast(pl.Int64).alias("series"),
            pl.col("absolute_score").mean().alias("absolute_score"),
            pl.col("direction_score").mean().alias("direction_score"),
            *[_share(column, counted, judged).alias(name) for name, column, counted, judged in _SHARES],
        )
    )
    absolute = (
        pl.when(pl.col("absolute_score") >= thresholds.high)
        .then(pl.lit("high"))
        .when(pl.col("absolute_score") <= thresholds.low)
        .then(pl.lit("low"))
        .when(pl.col("absolute_score").is_not_null())
        .then(pl.lit("middle"))
    )
    # No evidence of change (no trend or SPC judgement) reads as stable.
    direction = (
        pl.when(pl.col("direction_score") >= thresholds.improving)
        .then(pl.lit("improving"))
        .when(pl.col("direction_score") <= thresholds.declining)
        .then(pl.lit("declining"))
        .otherwise(pl.lit("stable"))
    )
    summary = summary.with_columns(
        absolute.cast(pl.Enum(ABSOLUTES)).alias("absolute"),
        direction.cast(pl.Enum(DIRECTIONS)).alias("direction"),
    )
    position = pl.concat_str(
        [pl.col("absolute").cast(pl.String), pl.col("direction").cast(pl.String)], separator="|"
    )
    grid = {f"{a}|{d}": name for (a, d), name in POSITION_GRID.items()}
    summary = summary.with_columns(
        position.replace_strict(grid, default="not_assessed", return_dtype=pl.String)
        .fill_null("not_assessed")
        .cast(pl.Enum(POSITIONS))
        .alias("position")
    )
    # The first rule that holds gives the band: built from the last rule back to the first.
    band: pl.Expr = pl.lit(None, dtype=pl.String)
    for rule in reversed(rules.bands):
        test = (
            pl.all_horizontal([_condition(c) for c in rule.conditions]) if rule.conditions else pl.lit(True)
        )
        band = pl.when(test).then(pl.lit(rule.band)).otherwise(band)
    band = pl.when(pl.col("series") >= rules.min_series).then(band)
    return summary.with_columns(band.cast(pl.Enum(BANDS)).alias("band"))


def unit_positions(series: pl.DataFrame, rules: BandRules) -> pl.DataFrame:
    """One row per front line unit and service: scores, shares, position and band.

    >>> from localstat.engine.assess.bands import DEFAULT_BAND_RULES
    >>> series = pl.DataFrame({"level": "unit", "unit": ["A", "A"], "parent": None, "service": None,
    ...     "absolute_score": [2.0, 1.0], "direction_score": [1.0, 0.0], "vs_national": "better",
    ...     "vs_peers": None, "target_status": None, "vs_standard": None, "trend": "improving",
    ...     "variation": "common_cause"}, schema_overrides={"parent": pl.String, "service": pl.String})
    >>> unit_positions(series, DEFAULT_BAND_RULES).select("unit", "absolute", "position", "band").rows()
    [('A', 'high', 'high_and_improving', 'excellent')]
    """
    units = series.filter(pl.col("level") == "unit")
    summary = _summarise(units, ["unit", "service"], rules)
    return summary.select(POSITION_COLUMNS).sort("unit", "service", nulls_last=True)


def tier_positions(
    series: pl.DataFrame, positions: pl.DataFrame, chain: DeliveryChain | None, rules: BandRules
) -> pl.DataFrame:
    """One row per intermediate-tier body and service: its own position and band on pooled values,
    the share of its units in each band, and its record in correcting under-performance."""
    bodies = series.filter(pl.col("level") == "tier")
    summary = _summarise(bodies, ["unit", "service"], rules).rename({"unit": "body"})
    record = bodies.group_by("unit", "service").agg(
        pl.col("falls").sum(),
        pl.col("recovered").sum(),
        pl.col("not_recovered").sum(),
        pl.col("recovery_pending").sum(),
    )
    record = record.rename({"unit": "body"}).with_columns(
        pl.when(pl.col("recovered") + pl.col("not_recovered") > 0)
        .then(pl.col("recovered") / (pl.col("recovered") + pl.col("not_recovered")))
        .alias("recovery_rate")
    )
    summary = summary.join(record, on=["body", "service"], how="left", nulls_equal=True)
    shares = _band_shares(positions, chain)
    summary = summary.join(shares, on=["body", "service"], how="left", nulls_equal=True).with_columns(
        pl.col("units").fill_null(0)
    )
    return summary.select(TIER_COLUMNS).sort("body", "service", nulls_last=True)


def _band_shares(positions: pl.DataFrame, chain: DeliveryChain | None) -> pl.DataFrame:
    schema = {
        "body": pl.String,
        "service": pl.String,
        "units": pl.Int64,
        **dict.fromkeys(_BAND_SHARES, pl.Float64),
    }
    if chain is None or positions.height == 0:
        return pl.DataFrame(schema=schema)
    parts = []
    for service in positions["service"].unique(maintain_order=True).sort(nulls_last=True).to_list():
        edges = chain.edges(service).with_columns(pl.lit(service, dtype=pl.String).alias("service"))
        parts.append(
            edges.join(positions.select("unit", "service", "band"), on=["unit", "service"], nulls_equal=True)
        )
    pairs = pl.concat(parts)
    banded = pl.col("band").is_not_null().sum()
    return (
        pairs.group_by("body", "service")
        .agg(
            pl.len().cast(pl.Int64).alias("units"),
            *[
                pl.when(banded > 0).then((pl.col("band") == band).sum() / banded).alias(f"share_{band}")
                for band in BANDS
            ],
        )
        .select(list(schema))
    )

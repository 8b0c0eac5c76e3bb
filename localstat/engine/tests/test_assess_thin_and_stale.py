"""Two rules on what a judgement may rest on: a body is compared with England only when its value
pools at least half of its units, and a stale series does not feed its unit's direction of travel."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from localstat.engine.assess import assess, judged_counts

OBSERVATION_COLUMNS = ["unit", "indicator", "period", "numerator", "denominator"]


def area_of_nine(reporting: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Area Q of nine units (Q1-Q9, each at 95%) and area R of nine (R1-R9, at 50%) over three
    periods, where only the first ``reporting`` of Q's units have the last period."""
    q_units = [f"Q{i}" for i in range(1, 10)]
    r_units = [f"R{i}" for i in range(1, 10)]
    rows = [(u, "X", p, 950, 1000) for u in q_units for p in (1, 2)]
    rows += [(u, "X", 3, 950, 1000) for u in q_units[:reporting]]
    rows += [(u, "X", p, 500, 1000) for u in r_units for p in (1, 2, 3)]
    hierarchy = pl.DataFrame({"unit": q_units + r_units, "parent": ["Q"] * 9 + ["R"] * 9})
    return pl.DataFrame(rows, schema=OBSERVATION_COLUMNS, orient="row"), hierarchy


def bodies(series: pl.DataFrame) -> pl.DataFrame:
    return (
        series.filter(pl.col("level") != "unit")
        .select("unit", "units", "units_total", pl.col("vs_national").cast(pl.String), "absolute_score")
        .sort("unit", nulls_last=True)
    )


def test_a_body_whose_value_pools_fewer_than_half_its_units_is_not_compared_with_england():
    """Rule (schemas.py, vs_national): a body's value is compared with the national value only
    when it pools at least half of its units (2K >= N); otherwise not_compared, and no score from it.
    In the demo Q70's value, pooled from 1 of its 9 units, was 'significantly better' than England."""
    observations, hierarchy = area_of_nine(reporting=1)
    series = assess(observations, hierarchy=hierarchy).series
    expected = pl.DataFrame(
        {
            "unit": ["Q", "R", None],
            "units": [1, 9, 10],
            "units_total": [9, 9, 18],
            "vs_national": ["not_compared", "significantly_worse", None],
            "absolute_score": [None, -2.0, 0.0],
        },
        schema_overrides={"unit": pl.String, "absolute_score": pl.Float64},
    )
    assert_frame_equal(bodies(series), expected)
    # and its one reporting unit is still compared with England on its own value
    q1 = series.filter(pl.col("unit") == "Q1")
    assert q1["vs_national"].cast(pl.String).to_list() == ["significantly_better"]


def test_a_body_whose_value_pools_half_its_units_or_more_is_compared_with_england():
    """Rule (schemas.py, vs_national): 2K >= N compares; 5 of 9 is more than half."""
    observations, hierarchy = area_of_nine(reporting=5)
    table = bodies(assess(observations, hierarchy=hierarchy).series)
    assert table.filter(pl.col("unit") == "Q").select("units", "vs_national").row(0) == (
        5,
        "significantly_better",
    )


def stale_and_fresh() -> pl.DataFrame:
    """Units A and B over ten periods of X (flat) and Y, where A's Y falls steeply to period 6 and
    has no value since (four periods behind: stale), and B's Y is flat to period 10."""
    rows = [(u, "X", p, 500, 1000) for u in ("A", "B") for p in range(1, 11)]
    rows += [("B", "Y", p, 500, 1000) for p in range(1, 11)]
    rows += [("A", "Y", p, 900 - 100 * p, 1000) for p in range(1, 7)]
    return pl.DataFrame(rows, schema=OBSERVATION_COLUMNS, orient="row")


def test_a_stale_series_does_not_feed_its_units_direction_score_or_trend_shares():
    """Rule (schemas.py, stale; positions docs): a series whose latest value is 3 or more periods
    before the period judged says nothing about the direction of travel now: its trend and
    variation count in neither the unit's direction score nor its shares (nor their denominators)."""
    result = assess(stale_and_fresh())
    # The stale series keeps its own judgements as evidence, but has no direction score
    a_y = result.series.filter((pl.col("unit") == "A") & (pl.col("indicator") == "Y"))
    assert_frame_equal(
        a_y.select("last_period", "periods_without_value", "stale", pl.col("trend").cast(pl.String)),
        pl.DataFrame(
            {"last_period": [6], "periods_without_value": [4], "stale": [True], "trend": ["worsening"]}
        ),
    )
    assert a_y["direction_score"].to_list() == [None]
    # A's direction rests on X alone: stable, with no share worsening
    expected = pl.DataFrame(
        {
            "unit": ["A", "B"],
            "direction_score": [0.0, 0.0],
            "direction": ["stable", "stable"],
            "share_worsening": [0.0, 0.0],
        }
    )
    assert_frame_equal(
        result.positions.select(
            "unit", "direction_score", pl.col("direction").cast(pl.String), "share_worsening"
        ),
        expected,
    )
    # and the shares' denominators count only X for A
    counts = judged_counts(result.series.filter(pl.col("level") == "unit"))
    assert dict(counts.select("unit", "judged_trend").iter_rows()) == {"A": 1, "B": 2}

"""Properties every assessment must have, whatever the data (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.assess import assess
from localstat.engine.assess.judge import recovery_record
from localstat.engine.comparison import Polarity
from localstat.engine.intervals import value_with_intervals
from localstat.engine.spc import spc_table
from localstat.engine.trend import recent_trend

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def chains(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Observations of 2–5 units under 1–2 bodies, 1–2 indicators, 3–12 periods, some missing."""
    units = [f"U{i}" for i in range(draw(st.integers(2, 5)))]
    periods = draw(st.integers(3, 12))
    rows = []
    for indicator in ("I1", "I2")[: draw(st.integers(1, 2))]:
        for unit in units:
            for period in range(1, periods + 1):
                if period > 1 and draw(st.integers(0, 9)) == 0:
                    continue  # a missing return
                denominator = draw(st.integers(1, 500))
                rows.append((unit, indicator, period, draw(st.integers(0, denominator)), denominator))
    frame = pl.DataFrame(
        rows, schema=["unit", "indicator", "period", "numerator", "denominator"], orient="row"
    )
    hierarchy = pl.DataFrame({"unit": units, "parent": [f"B{draw(st.integers(0, 1))}" for _ in units]})
    return frame, hierarchy


@SETTINGS
@given(chain=chains(), seed=st.integers(0, 2**32 - 1))
def test_a_units_band_never_depends_on_the_order_of_input_rows(chain, seed):
    observations, hierarchy = chain
    shuffled = observations.sample(fraction=1.0, shuffle=True, seed=seed)
    first = assess(observations, hierarchy=hierarchy, workers=1)
    second = assess(shuffled, hierarchy=hierarchy.reverse(), workers=2)
    assert first.positions.equals(second.positions)
    assert first.tiers.equals(second.tiers)
    assert first.series.equals(second.series)


@SETTINGS
@given(chain=chains())
def test_each_series_spc_is_the_spc_verbs_for_the_same_points(chain):
    observations, _ = chain
    result = assess(observations)
    units = result.series.filter(pl.col("level") == "unit")
    # The same points through spc_table, one series per unit and indicator
    values = observations.with_columns(
        series=pl.concat_str("indicator", "unit", separator="|"),
        value=pl.col("numerator") / pl.col("denominator"),
    )
    points, summary = spc_table(values.select("series", "period", "value"))
    latest = points.sort("period").group_by("series", maintain_order=True).last()
    expected = summary.join(latest.select("series", "mean", "lpl", "upl", "rule"), on="series")
    got = units.select(
        series=pl.concat_str("indicator", "unit", separator="|"),
        variation=pl.col("variation").cast(pl.String),
        rule=pl.col("spc_rule").cast(pl.String),
        mean=pl.col("spc_mean"),
        lpl=pl.col("spc_lpl"),
        upl=pl.col("spc_upl"),
        points=pl.col("spc_points"),
    ).sort("series")
    expected = expected.select("series", "variation", "rule", "mean", "lpl", "upl", "points").sort("series")
    assert got.select("series", "variation", "rule", "points").equals(
        expected.select("series", "variation", "rule", "points")
    )
    for column in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(
            got[column].to_numpy(), expected[column].to_numpy(), rtol=1e-12, atol=1e-12
        )


@SETTINGS
@given(chain=chains())
def test_each_series_trend_is_the_trend_verbs_on_its_wilson_intervals(chain):
    observations, _ = chain
    result = assess(observations)
    intervals = value_with_intervals(
        observations["numerator"], observations["denominator"], statistic="proportion"
    )
    frame = pl.concat([observations, intervals], how="horizontal").with_columns(
        series=pl.concat_str("indicator", "unit", separator="|")
    )
    expected = recent_trend(frame.select("series", "period", "value", "lower_95", "upper_95"))
    readings = {"increasing": "improving", "decreasing": "worsening"}
    expected = expected.with_columns(pl.col("trend").replace(readings)).sort("series")
    got = (
        result.series.filter(pl.col("level") == "unit")
        .select(
            series=pl.concat_str("indicator", "unit", separator="|"),
            trend=pl.col("trend").cast(pl.String),
            chi2=pl.col("trend_chi2"),
        )
        .sort("series")
    )
    assert got["trend"].to_list() == expected["trend"].to_list()
    np.testing.assert_allclose(got["chi2"].to_numpy(), expected["chi2"].to_numpy(), rtol=1e-9)


@SETTINGS
@given(chain=chains())
def test_the_national_and_body_values_are_the_sums_of_their_units_at_the_period(chain):
    observations, hierarchy = chain
    result = assess(observations, hierarchy=hierarchy)
    latest = observations.group_by("indicator").agg(pl.col("period").max().alias("last"))
    at_end = observations.join(latest, on="indicator").filter(pl.col("period") == pl.col("last"))
    national = at_end.group_by("indicator").agg(value=pl.col("numerator").sum() / pl.col("denominator").sum())
    got = result.series.filter(pl.col("level") == "national").select("indicator", "value")
    assert dict(got.iter_rows()) == dict(national.iter_rows())
    bodies = (
        at_end.join(hierarchy, on="unit")
        .group_by("indicator", "parent")
        .agg(value=pl.col("numerator").sum() / pl.col("denominator").sum())
    )
    # A body none of whose units reported at the period has no value there
    got = result.series.filter((pl.col("level") == "tier") & pl.col("value").is_not_null())
    assert sorted(got.select("indicator", "unit", "value").rows()) == sorted(bodies.rows())


def plain_record(values: list[float], threshold: float, within: int) -> tuple[int, int, int, int]:
    """The record by its definition, point by point (NaN: no point)."""
    points = [(column, value) for column, value in enumerate(values) if not np.isnan(value)]
    last = len(values) - 1
    falls = recovered = missed = pending = 0
    for i in range(1, len(points)):
        column, value = points[i]
        if value < threshold <= points[i - 1][1]:
            falls += 1
            if any(c - column <= within and v >= threshold for c, v in points[i + 1 :]):
                recovered += 1
            elif column + within > last:
                pending += 1
            else:
                missed += 1
    return falls, recovered, missed, pending


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.just(float("nan")), st.integers(0, 10).map(float)), min_size=1, max_size=20),
    threshold=st.integers(1, 9).map(float),
    within=st.integers(1, 4),
)
def test_the_record_of_falls_is_its_definition(values, threshold, within):
    got = recovery_record(np.array([values]), np.array([threshold]), np.array([0]), Polarity.HIGHER, within)
    assert tuple(int(a[0]) for a in got) == plain_record(values, threshold, within)

"""Properties every SPC judgement must have, whatever the data (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.spc import spc_table
from localstat.engine.spc.limits import _column_sum

PROFILES = st.sampled_from(["nhsr", "mdc2023", "powerbi"])
CHARTS_SETTINGS = settings(max_examples=80, deadline=None)

# Whole numbers keep sums exact, so a property cannot fail on rounding alone.
series_values = st.lists(st.integers(-10_000, 10_000).map(float), min_size=2, max_size=40)


def frame_of(*series: list[float]) -> pl.DataFrame:
    return pl.concat(
        [
            pl.DataFrame({"series": f"s{i}", "period": list(range(len(values))), "value": values})
            for i, values in enumerate(series)
        ]
    )


@CHARTS_SETTINGS
@given(values=st.lists(series_values, min_size=1, max_size=4), profile=PROFILES, screen=st.booleans())
def test_the_limits_contain_the_mean(values, profile, screen):
    # Given any series
    points, _ = spc_table(frame_of(*values), profile=profile, screen=screen)

    # Then every point's process limits lie either side of its mean
    assert (points["lpl"] <= points["mean"]).all()
    assert (points["mean"] <= points["upl"]).all()


@CHARTS_SETTINGS
@given(
    constant=st.floats(-1e9, 1e9, allow_nan=False),
    length=st.integers(1, 40),
    profile=PROFILES,
    screen=st.booleans(),
    improvement=st.sampled_from(["increase", "decrease", "neutral"]),
)
def test_a_constant_series_never_signals(constant, length, profile, screen, improvement):
    # Given a series that never moves
    frame = frame_of([constant] * length)

    # When charted any way
    points, summary = spc_table(frame, profile=profile, screen=screen, improvement=improvement)

    # Then every point is common cause
    assert points["point_type"].to_list() == ["common_cause"] * length
    assert summary["variation"].to_list() == ["common_cause"]


@CHARTS_SETTINGS
@given(values=series_values, shift=st.integers(-1_000_000, 1_000_000), profile=PROFILES)
def test_adding_a_constant_shifts_the_limits_by_that_constant(values, shift, profile):
    # Given a series and the same series moved by a constant
    before, _ = spc_table(frame_of(values), profile=profile)
    after, _ = spc_table(frame_of([v + shift for v in values]), profile=profile)

    # Then the mean and both limits move by exactly that much (to rounding)
    for column in ("mean", "lpl", "upl"):
        moved = after[column].to_numpy() - before[column].to_numpy()
        np.testing.assert_allclose(moved, shift, rtol=0, atol=1e-9 * (1 + abs(shift) + max(map(abs, values))))


SWAP = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "common_cause": "common_cause",
}


@CHARTS_SETTINGS
@given(
    values=st.lists(series_values, min_size=1, max_size=3),
    profile=PROFILES,
    baseline=st.sampled_from([None, 12]),
)
def test_reversing_the_improvement_direction_swaps_improvement_and_concern(values, profile, baseline):
    # Given any series charted with higher as better and with lower as better
    frame = frame_of(*values)
    up, up_summary = spc_table(frame, profile=profile, baseline=baseline, improvement="increase")
    down, down_summary = spc_table(frame, profile=profile, baseline=baseline, improvement="decrease")

    # Then every improvement becomes a concern and every concern an improvement, rules unchanged
    assert down["point_type"].to_list() == [SWAP[t] for t in up["point_type"].to_list()]
    assert down["rule"].to_list() == up["rule"].to_list()
    assert down_summary["variation"].to_list() == [SWAP[t] for t in up_summary["variation"].to_list()]


@CHARTS_SETTINGS
@given(values=st.lists(series_values, min_size=2, max_size=4), profile=PROFILES)
def test_a_series_is_judged_the_same_alone_or_among_others(values, profile):
    # Given several series charted together, and the first of them alone
    together, _ = spc_table(frame_of(*values), profile=profile)
    alone, _ = spc_table(frame_of(values[0]), profile=profile)

    # Then the first series' rows are identical either way
    first = together.filter(pl.col("series") == "s0")
    assert first.select("mean", "lpl", "upl", "point_type", "rule").equals(
        alone.select("mean", "lpl", "upl", "point_type", "rule")
    )


@CHARTS_SETTINGS
@given(
    counts=st.lists(
        st.tuples(st.integers(1, 500), st.integers(0, 500)).map(lambda pair: (min(pair), max(pair))),
        min_size=2,
        max_size=30,
    ),
    chart=st.sampled_from(["p_prime", "u_prime"]),
)
def test_prime_chart_limits_contain_the_centre_and_stay_in_range(counts, chart):
    # Given counts with varying denominators (numerator ≤ denominator, denominator > 0)
    numerators = [x for x, _ in counts]
    denominators = [max(n, 1) for _, n in counts]
    frame = pl.DataFrame(
        {
            "series": "s",
            "period": list(range(len(counts))),
            "numerator": numerators,
            "denominator": denominators,
        }
    )

    # When charted
    points, _ = spc_table(frame, chart=chart)

    # Then the limits straddle the centre and never go below 0 (nor above 1 for p′)
    assert (points["lpl"] <= points["mean"]).all()
    assert (points["mean"] <= points["upl"]).all()
    assert (points["lpl"] >= 0).all()
    if chart == "p_prime":
        assert (points["upl"] <= 1).all()


@settings(max_examples=200, deadline=None)
@given(
    grid=st.integers(1, 6).flatmap(
        lambda groups: st.lists(
            st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=groups, max_size=groups),
            min_size=0,
            max_size=40,
        )
    )
)
def test_baseline_sums_add_each_series_first_to_last(grid):
    # Given series laid out in columns (any number of them, of any length)
    columns = np.array(grid, dtype=np.float64).reshape(len(grid), -1) if grid else np.zeros((0, 1))
    mask = np.ones(columns.shape, dtype=np.bool_)

    # When the baseline sums are taken
    totals = _column_sum(columns, mask)

    # Then each is the plain left-to-right sum of its series, to the last bit, whatever its neighbours
    for column in range(columns.shape[1]):
        expected = 0.0
        for value in columns[:, column]:
            expected += value
        assert totals[column] == expected

"""Dense series panels and the left-packed view the series rules walk."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from localstat.engine.panels import pack, series_panel


def test_it_lays_series_out_by_sorted_key_and_period():
    # Given rows of two series out of order, with a gap
    frame = pl.DataFrame(
        {"series": ["b", "a", "b", "a"], "period": [3, 1, 1, 3], "value": [6.0, 1.0, 4.0, 3.0]}
    )

    # When indexed and the values scattered
    panel = series_panel(frame)
    grid = panel.dense(frame["value"])

    # Then series and periods are sorted, missing cells NaN, and gathering restores row order
    assert panel.keys.to_list() == ["a", "b"]
    assert panel.periods.to_list() == [1, 3]
    np.testing.assert_array_equal(grid, [[1.0, 3.0], [4.0, 6.0]])
    assert panel.rows(grid).tolist() == [6.0, 1.0, 4.0, 3.0]


def test_it_orders_iso_date_strings_and_dates_as_dates():
    # Given the same months as strings and as dates
    months = ["2024-10-01", "2024-09-01", "2025-01-01"]
    as_strings = series_panel(pl.DataFrame({"series": 1, "period": months}))
    as_dates = series_panel(pl.DataFrame({"series": 1, "period": [dt.date.fromisoformat(m) for m in months]}))

    # Then both sort by date, not by text
    expected = [dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2025, 1, 1)]
    assert as_strings.periods.to_list() == as_dates.periods.to_list() == expected
    assert as_strings.row_period.tolist() == [1, 0, 2]


def test_a_missing_period_is_refused_with_its_row():
    frame = pl.DataFrame({"series": ["a", "a"], "period": [1, None]})
    with pytest.raises(ValueError, match=r"^row 2, column 'period': missing period$"):
        series_panel(frame)


def test_a_missing_value_and_a_missing_row_look_the_same():
    # Given one series with a null value in period 2 and no row at all for period 3 (another series has one)
    frame = pl.DataFrame(
        {"series": ["a", "a", "a", "b"], "period": [1, 2, 4, 3], "value": [1.0, None, 4.0, 0.0]}
    )

    # When scattered
    grid = series_panel(frame).dense(frame["value"])

    # Then both are NaN
    np.testing.assert_array_equal(grid[0], [1.0, np.nan, np.nan, 4.0])


def test_packing_skips_missing_periods_rather_than_breaking_the_series():
    # Given a series with gaps
    grid = np.array([[np.nan, 1.0, np.nan, np.nan, 2.0, 3.0]])

    # When packed
    packed = pack(grid)

    # Then its points sit side by side, with the period column of each
    np.testing.assert_array_equal(packed.values, [[1.0, 2.0, 3.0]])
    assert packed.columns.tolist() == [[1, 4, 5]]
    assert packed.counts.tolist() == [3]


def test_a_segment_start_on_an_empty_period_takes_effect_at_the_next_point():
    # Given points in periods 0, 1, 3, 4 and a new segment declared at the empty period 2
    grid = np.array([[1.0, 2.0, np.nan, 3.0, 4.0]])
    starts = np.array([[False, False, True, False, False]])

    # When packed by segment
    packed = pack(grid, starts=starts)

    # Then the second segment begins with the point of period 3
    np.testing.assert_array_equal(packed.values, [[1.0, 2.0], [3.0, 4.0]])
    assert packed.group_series.tolist() == [0, 0]


def test_tail_gives_each_series_last_points_right_aligned():
    # Given series of 1, 3 and 0 points
    grid = np.array([[np.nan, 5.0, np.nan], [1.0, 2.0, 3.0], [np.nan, np.nan, np.nan]])

    # When the last two points are taken
    tail = pack(grid).tail(2)

    # Then short series are padded on the left and an empty series has no row
    np.testing.assert_array_equal(tail, [[np.nan, 5.0], [2.0, 3.0]])


def test_another_column_packs_into_the_same_layout():
    # Given values with gaps and a denominator for every period
    grid = np.array([[1.0, np.nan, 3.0]])
    packed = pack(grid)

    # When the denominators are taken into the values' layout
    taken = packed.take(np.array([[10.0, 20.0, 30.0]]))

    # Then they line up with the values' points
    np.testing.assert_array_equal(taken, [[10.0, 30.0]])


grids = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.one_of(st.just(np.nan), st.floats(-1e6, 1e6)),
)


@settings(max_examples=150, deadline=None)
@given(grid=grids, data=st.data())
def test_packing_then_unpacking_gives_back_the_grid(grid, data):
    # Given any grid and any segment starts
    starts = data.draw(hnp.arrays(np.bool_, grid.shape))

    # When packed and unpacked
    packed = pack(grid, starts=starts)
    restored = packed.unpack(packed.values)

    # Then nothing moved, and every row of the packed view is in period order
    np.testing.assert_array_equal(restored, grid)
    assert packed.counts.sum() == np.count_nonzero(~np.isnan(grid))
    both_filled = packed.filled[:, 1:]
    assert (np.diff(packed.columns, axis=1)[both_filled] > 0).all()


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 8)), min_size=1, max_size=30, unique=True),
)
def test_scattering_then_gathering_returns_each_rows_value(cells):
    # Given rows with distinct (series, period) cells in any order
    frame = pl.DataFrame(
        {
            "series": [f"s{s}" for s, _ in cells],
            "period": [p for _, p in cells],
            "value": [float(i) for i in range(len(cells))],
        }
    )

    # When scattered into a panel and gathered back
    panel = series_panel(frame)
    gathered = panel.rows(panel.dense(frame["value"]))

    # Then each row gets its own value
    assert gathered.tolist() == frame["value"].to_list()

"""SPC input handling: what a user's file may hold, and the errors that name a row and column."""

from __future__ import annotations

import polars as pl
import pytest

from localstat.engine.spc import spc_table

COMMON = "common_cause"


def test_a_row_with_no_value_is_skipped_and_its_neighbours_are_consecutive():
    # Given six noisy months (wide limits), then a gentle rise of 7 values with an empty month (row 10)
    values = [0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 4.0, 4.1, 4.2, None, 4.3, 4.4, 4.5, 4.6]
    frame = pl.DataFrame({"series": "s", "period": list(range(1, 15)), "value": values})

    # When charted
    points, summary = spc_table(frame)

    # Then the empty row has no outputs, the seven around it are a trend, and 13 points were judged
    assert points.row(9)[3:] == (None, None, None, None, None)
    assert points["rule"].to_list() == [None] * 6 + ["trend"] * 3 + [None] + ["trend"] * 4
    assert summary["points"].to_list() == [13]


def test_it_keeps_every_input_column_and_row_order_with_iso_date_strings():
    # Given rows out of order, ISO dates as strings, and an extra column
    frame = pl.DataFrame(
        {
            "note": ["b", "a", "c"],
            "series": ["x", "x", "x"],
            "period": ["2024-03-01", "2024-01-01", "2024-02-01"],
            "value": [3.0, 1.0, 2.0],
        }
    )

    # When charted
    points, _ = spc_table(frame)

    # Then the rows and columns come back as given, with the outputs added, limits from period order
    assert points.columns == ["note", "series", "period", "value", "mean", "lpl", "upl", "point_type", "rule"]
    assert points["note"].to_list() == ["b", "a", "c"]
    assert points["mean"].to_list() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("frame", "options", "message"),
    [
        (pl.DataFrame({"series": ["a"], "period": [1]}), {}, "column 'value' is missing"),
        (
            pl.DataFrame({"series": ["a", "a"], "period": [1, 2], "value": ["1", "x"]}),
            {},
            "row 2, column 'value': 'x' is not a number",
        ),
        (
            pl.DataFrame({"series": ["a", "a", "a"], "period": [1, 2, 2], "value": [1.0, 2.0, 3.0]}),
            {},
            "row 3, column 'period': period 2 occurs twice for series 'a' (first at row 2)",
        ),
        (
            pl.DataFrame({"series": ["a", "a"], "period": ["2024-01-01", "01/02/2024"], "value": [1.0, 2.0]}),
            {},
            "row 2, column 'period': '01/02/2024' is not an integer or an ISO date (YYYY-MM-DD)",
        ),
        (
            pl.DataFrame({"series": ["a", None], "period": [1, 2], "value": [1.0, 2.0]}),
            {},
            "row 2, column 'series': missing series",
        ),
        (
            pl.DataFrame({"series": ["a", "a"], "period": [1, 2], "value": [1.0, float("inf")]}),
            {},
            "row 2, column 'value': inf is not a finite number",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "numerator": [5], "denominator": [4]}),
            {"chart": "p_prime"},
            "row 1, column 'numerator': 5 must not exceed the denominator",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "numerator": [5], "denominator": [0]}),
            {"chart": "u_prime"},
            "row 1, column 'denominator': 0 must be greater than zero",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "value": [1.0]}),
            {"baseline": 11},
            "baseline must be at least 12 points (got 11)",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "value": [1.0]}),
            {"rebase": pl.DataFrame({"series": ["b"], "period": [1]})},
            "rebase: row 1, column 'series': 'b' is not in the data",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "value": [1.0]}),
            {"profile": "excel"},
            "profile must be one of nhsr, mdc2023, powerbi (got 'excel')",
        ),
        (
            pl.DataFrame({"series": ["a"], "period": [1], "value": [1.0], "mean": [0.0]}),
            {},
            "column 'mean' is an output of spc; rename it in the input",
        ),
    ],
)
def test_bad_input_is_refused_with_the_row_and_column_named(frame, options, message):
    # Given bad input, when charted, then a ValueError says where
    with pytest.raises(ValueError) as raised:
        spc_table(frame, **options)
    assert str(raised.value) == message

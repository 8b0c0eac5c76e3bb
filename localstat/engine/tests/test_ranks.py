"""League-table ranks with uncertainty (METHODS.md, "League tables"; issue 12).

Best rank = 1 + the units whose 95% lower limit exceeds this unit's upper limit; worst rank = n − the
units whose upper limit is below its lower limit; mirrored for "lower is better". The worked cases
are counted by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from localstat.engine.ranks import rank_with_uncertainty
from localstat.engine.schemas import DataError


def table(rows: list[tuple[str, float | None, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"unit": pl.String, "value": pl.Float64, "lower_95": pl.Float64, "upper_95": pl.Float64},
        orient="row",
    )


FOUR = table(
    [
        ("A", 95.0, 94.0, 96.0),  # certainly above C and D
        ("B", 93.0, 90.0, 95.5),  # overlaps A and C
        ("C", 91.0, 89.0, 92.0),  # overlaps B; above D (D's upper 88.5 < C's lower 89)
        ("D", 85.0, 81.5, 88.5),
    ]
)


def ranks_of(frame: pl.DataFrame, polarity: str) -> list[tuple[str, int | None, int | None, int | None]]:
    ranked = rank_with_uncertainty(frame, polarity=polarity)  # type: ignore[arg-type]
    return list(ranked.select("unit", "rank", "best_rank", "worst_rank").iter_rows())


def test_higher_is_better_gives_each_unit_the_ranks_its_interval_allows() -> None:
    # A: nobody's lower limit exceeds 96 → best 1; C, D have upper limits below 94 → worst 4 − 2 = 2.
    # B: nobody's lower limit exceeds 95.5 → best 1; D's upper 88.5 < 90 → worst 3.
    # C: A's lower 94 > 92 → best 2; D below 89 → worst 3.  D: A, B, C above 88.5 → best 4, worst 4.
    assert ranks_of(FOUR, "higher") == [
        ("A", 1, 1, 2),
        ("B", 2, 1, 3),
        ("C", 3, 2, 3),
        ("D", 4, 4, 4),
    ]


def test_lower_is_better_mirrors_the_order_and_the_counts() -> None:
    # Now D is best: nobody's upper limit is below D's lower 81.5 → best 1; A, B, C lie wholly above
    # D's upper 88.5 → worst 4 − 3 = 1.  A: C's and D's upper limits (92, 88.5) are below 94 → best 3;
    # nobody's lower limit is above 96 → worst 4.
    assert ranks_of(FOUR, "lower") == [
        ("A", 4, 3, 4),
        ("B", 3, 2, 4),
        ("C", 2, 2, 3),
        ("D", 1, 1, 1),
    ]


def test_units_whose_intervals_all_overlap_may_each_be_anywhere() -> None:
    frame = table([("A", 50.0, 40.0, 60.0), ("B", 52.0, 41.0, 61.0), ("C", 49.0, 39.0, 59.0)])
    assert [(best, worst) for _, _, best, worst in ranks_of(frame, "higher")] == [(1, 3)] * 3


def test_equal_values_share_the_better_point_rank() -> None:
    frame = table([("A", 50.0, 49.0, 51.0), ("B", 50.0, 49.0, 51.0), ("C", 40.0, 39.0, 41.0)])
    assert [rank for _, rank, _, _ in ranks_of(frame, "higher")] == [1, 1, 3]


def test_a_limit_equal_to_another_units_limit_is_not_certainly_better() -> None:
    # B's lower limit equals A's upper limit: they touch, so neither is certainly ahead.
    frame = table([("A", 10.0, 9.0, 11.0), ("B", 12.0, 11.0, 13.0)])
    assert ranks_of(frame, "higher") == [("A", 2, 1, 2), ("B", 1, 1, 2)]


def test_a_unit_without_a_value_or_interval_is_not_ranked_and_not_counted() -> None:
    frame = table([("A", 95.0, 94.0, 96.0), ("B", None, None, None), ("C", 80.0, 79.0, 81.0)])
    ranked = rank_with_uncertainty(frame, polarity="higher")
    assert ranked["ranked"].to_list() == [2, None, 2]
    assert ranks_of(frame, "higher") == [("A", 1, 1, 1), ("B", None, None, None), ("C", 2, 2, 2)]


def test_input_order_and_columns_are_kept() -> None:
    frame = FOUR.reverse().with_columns(pl.lit("x").alias("note"))
    ranked = rank_with_uncertainty(frame, polarity="higher")
    assert ranked.columns == [*frame.columns, "rank", "best_rank", "worst_rank", "ranked"]
    assert_frame_equal(ranked.select(frame.columns), frame)
    assert ranked["unit"].to_list() == ["D", "C", "B", "A"]
    assert ranked["best_rank"].to_list() == [4, 2, 1, 1]


def test_bad_input_is_refused_naming_the_row() -> None:
    with pytest.raises(DataError, match="row 2, column 'lower_95': the lower limit is above the upper"):
        rank_with_uncertainty(table([("A", 1.0, 0.0, 2.0), ("B", 1.0, 3.0, 2.0)]), polarity="higher")
    with pytest.raises(DataError, match="row 1, column 'value': the value is outside its own interval"):
        rank_with_uncertainty(table([("A", 5.0, 0.0, 2.0)]), polarity="higher")
    with pytest.raises(DataError, match="column 'upper_95': is missing"):
        rank_with_uncertainty(FOUR.drop("upper_95"), polarity="higher")
    with pytest.raises(ValueError, match="polarity of 'higher' or 'lower', not 'neutral'"):
        rank_with_uncertainty(FOUR, polarity="neutral")  # type: ignore[arg-type]


def brute_force(frame: pl.DataFrame, polarity: str) -> list[tuple[int, int, int]]:
    """The definition, unit by unit: the reference the vectorised counts must equal."""
    rows = list(frame.select("value", "lower_95", "upper_95").iter_rows())
    out = []
    for v, lo, hi in rows:
        if polarity == "higher":
            better = sum(1 for _, olo, _ in rows if olo > hi)
            worse = sum(1 for _, _, ohi in rows if ohi < lo)
            ahead = sum(1 for ov, _, _ in rows if ov > v)
        else:
            better = sum(1 for _, _, ohi in rows if ohi < lo)
            worse = sum(1 for _, olo, _ in rows if olo > hi)
            ahead = sum(1 for ov, _, _ in rows if ov < v)
        out.append((1 + ahead, 1 + better, len(rows) - worse))
    return out


intervals = st.lists(
    st.tuples(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.floats(min_value=0, max_value=1e4, allow_nan=False),
        st.floats(min_value=0, max_value=1e4, allow_nan=False),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(intervals, st.sampled_from(["higher", "lower"]))
def test_ranks_equal_the_definition_counted_unit_by_unit(rows, polarity) -> None:
    frame = table([(f"U{i}", v, v - below, v + above) for i, (v, below, above) in enumerate(rows)])
    ranked = rank_with_uncertainty(frame, polarity=polarity)
    assert list(ranked.select("rank", "best_rank", "worst_rank").iter_rows()) == brute_force(frame, polarity)
    # The point rank lies within the range, and the range within 1..n.
    assert (ranked["best_rank"] <= ranked["rank"]).all()
    assert (ranked["rank"] <= ranked["worst_rank"]).all()
    assert ranked["best_rank"].min() >= 1
    assert ranked["worst_rank"].max() <= len(rows)


@settings(max_examples=100, deadline=None)
@given(intervals)
def test_reversing_the_polarity_is_ranking_the_negated_values(rows) -> None:
    frame = table([(f"U{i}", v, v - below, v + above) for i, (v, below, above) in enumerate(rows)])
    negated = frame.with_columns(
        (-pl.col("value")).alias("value"),
        (-pl.col("upper_95")).alias("lower_95"),
        (-pl.col("lower_95")).alias("upper_95"),
    )
    lower = rank_with_uncertainty(frame, polarity="lower").select("rank", "best_rank", "worst_rank")
    higher = rank_with_uncertainty(negated, polarity="higher").select("rank", "best_rank", "worst_rank")
    assert_frame_equal(lower, higher)


def test_ten_thousand_units_are_ranked_without_a_loop_over_units() -> None:
    rng = np.random.default_rng(2004)
    value = rng.uniform(50, 100, 10_000)
    frame = pl.DataFrame({"value": value, "lower_95": value - 1.5, "upper_95": value + 1.5})
    ranked = rank_with_uncertainty(frame, polarity="higher")
    # Sorted by value, best ranks never go down: a unit further down cannot be certainly ahead of more.
    ordered = ranked.sort("value", descending=True)
    assert (ordered["best_rank"].diff().drop_nulls() >= 0).all()
    assert ordered["rank"].to_list() == list(range(1, 10_001))

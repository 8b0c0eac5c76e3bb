"""Checks on proposed local targets, trajectory status and the Local PSA reward.

The limits are METHODS.md's XmR limits (profile ``nhsr``: mean ± 2.66 × AMR, NHSRplotthedots 0.2.0);
the trajectory rule is METHODS.md's "Against a target", read against the milestone in force.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.agreements import (
    RewardFormula,
    check_proposed_levels,
    linear_milestones,
    reward_earned,
    trajectory_statuses,
)

# Mean 62, moving ranges 2, 1, 2, 1, 2 → AMR 1.6; 2.66 × 1.6 = 4.256 (none screened: 3.267 × 1.6 = 5.23).
VALUES = [60.0, 62, 61, 63, 62, 64]


def _series(values: list[float], item: str = "a") -> pl.DataFrame:
    return pl.DataFrame({"item": item, "period": list(range(len(values))), "value": values})


def test_a_level_inside_the_upper_process_limit_is_not_stretching() -> None:
    # Given the series above and higher is better (upper limit 62 + 4.256 = 66.256)
    # When 66 and 61 (below the mean) are proposed
    checks = check_proposed_levels(
        _series(VALUES), pl.DataFrame({"item": ["a", "a"], "level": [66.0, 61.0], "polarity": "higher"})
    )
    # Then both are not stretching, with the limits that say so
    assert checks["verdict"].to_list() == ["not_stretching", "not_stretching"]
    row = checks.row(0, named=True)
    assert row["mean"] == pytest.approx(62.0)
    assert row["amr"] == pytest.approx(1.6)
    assert row["process_limit"] == pytest.approx(66.256)
    assert row["best"] == 64.0
    assert row["reach_limit"] == pytest.approx(68.256)
    assert row["trial_limits"] is True
    assert "common-cause variation alone" in row["reason"]
    assert "does not improve on the mean" in checks["reason"][1]


def test_a_level_beyond_the_best_by_more_than_the_limit_width_needs_a_plan() -> None:
    # Given the best value 64 and a limit width of 4.256 (reach 68.256)
    checks = check_proposed_levels(
        _series(VALUES), pl.DataFrame({"item": ["a"] * 3, "level": [66.3, 68.25, 68.3], "polarity": "higher"})
    )
    # Then just past the process limit and just inside the reach are stretching; past the reach is not achievable
    assert checks["verdict"].to_list() == ["stretching", "stretching", "not_achievable_without_plan"]


def test_lower_is_better_mirrors_the_checks() -> None:
    # Given the same shape mirrored: 40, 38, 39, 37, 38, 36 (mean 38, AMR 1.6, best 36)
    mirrored = [100 - v for v in VALUES]
    checks = check_proposed_levels(
        _series(mirrored),
        pl.DataFrame({"item": ["a"] * 3, "level": [34.0, 33.0, 31.0], "polarity": "lower"}),
    )
    # Then the lower limit is 33.744 and the reach 31.744
    assert checks["process_limit"][0] == pytest.approx(33.744)
    assert checks["reach_limit"][0] == pytest.approx(31.744)
    assert checks["verdict"].to_list() == ["not_stretching", "stretching", "not_achievable_without_plan"]


def test_a_moving_range_of_3267_times_the_average_is_screened_out() -> None:
    # Given a jump of 20 among ranges of 1 (AMR 4.8 before screening; 20 ≥ 3.267 × 4.8, so 1 after)
    values = [50.0, 51, 50, 51, 71, 72]
    checks = check_proposed_levels(
        _series(values), pl.DataFrame({"item": ["a"], "level": [60.0], "polarity": "higher"})
    )
    # Then the limits rest on the screened AMR (NHSRplotthedots screen_outliers)
    assert checks["amr"][0] == pytest.approx(1.0)


def test_it_cannot_check_a_neutral_indicator_or_a_single_point() -> None:
    series = pl.concat([_series(VALUES, "a"), _series([5.0], "b")])
    checks = check_proposed_levels(
        series,
        pl.DataFrame(
            {"item": ["a", "b", "c"], "level": [70.0, 6.0, 1.0], "polarity": ["neutral", "higher", "higher"]}
        ),
    )
    assert checks["verdict"].to_list() == ["cannot_check"] * 3
    assert checks["points"].to_list() == [6, 1, 0]
    assert "Neither direction" in checks["reason"][0]
    assert checks["process_limit"].null_count() == 3


def test_it_checks_many_series_at_once_whatever_their_order() -> None:
    # Given two series given shuffled, and proposals in another order
    series = pl.concat([_series(VALUES, "a"), _series([100 - v for v in VALUES], "b")]).sample(
        fraction=1.0, shuffle=True, seed=3
    )
    checks = check_proposed_levels(
        series, pl.DataFrame({"item": ["b", "a"], "level": [31.0, 67.0], "polarity": ["lower", "higher"]})
    )
    assert checks["item"].to_list() == ["b", "a"]
    assert checks["verdict"].to_list() == ["not_achievable_without_plan", "stretching"]


def test_it_refuses_bad_input_clearly() -> None:
    with pytest.raises(ValueError, match="polarity must be higher, lower or neutral"):
        check_proposed_levels(
            _series(VALUES), pl.DataFrame({"item": ["a"], "level": [1.0], "polarity": "up"})
        )
    with pytest.raises(ValueError, match="finite"):
        check_proposed_levels(
            _series(VALUES), pl.DataFrame({"item": ["a"], "level": [float("nan")], "polarity": "higher"})
        )
    with pytest.raises(ValueError, match="needs the column"):
        check_proposed_levels(_series(VALUES), pl.DataFrame({"item": ["a"], "level": [1.0]}))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=30),
    levels=st.lists(st.floats(-50, 150, allow_nan=False), min_size=2, max_size=8),
)
def test_the_verdict_never_goes_back_as_the_level_rises(values: list[float], levels: list[float]) -> None:
    # Property: for higher-is-better, raising the level moves not stretching → stretching → needs a plan.
    ordered = sorted(levels)
    checks = check_proposed_levels(
        _series(values), pl.DataFrame({"item": "a", "level": ordered, "polarity": "higher"})
    )
    rank = {"not_stretching": 0, "stretching": 1, "not_achievable_without_plan": 2}
    ranks = [rank[v] for v in checks["verdict"].to_list()]
    assert ranks == sorted(ranks)


def test_trajectory_status_reads_the_interval_against_the_milestone() -> None:
    frame = pl.DataFrame(
        {
            "key": ["on", "risk", "off", "none", "neutral", "low"],
            "value": [70.0, 66, 60, None, 50, 9],
            "lower_95": [65.0, 61, 55, None, 45, 7],
            "upper_95": [75.0, 71, 65, None, 55, 11],
            "milestone": [68.0, 68, 68, 68, 68, 10],
            "polarity": ["higher", "higher", "higher", "higher", "neutral", "lower"],
        }
    )
    assert trajectory_statuses(frame)["status"].to_list() == [
        "on_track",
        "at_risk",
        "off_track",
        "no_value",
        "not_compared",
        "on_track",
    ]


def test_the_reward_counts_the_stretch_achieved_with_a_sixty_percent_floor_and_a_cap() -> None:
    # Given no-stretch 50 and stretch 60 (higher is better), and a lower-is-better 20 → 10
    frame = pl.DataFrame(
        {
            "target": ["full", "part", "under", "beyond", "lower", "none"],
            "no_stretch": [50.0, 50, 50, 50, 20, 50],
            "stretch": [60.0, 60, 60, 60, 10, 60],
            "achieved": [60.0, 56, 55.9, 65, 14, None],
            "share": [1000.0, 1000, 1000, 1000, 500, 1000],
        }
    )
    out = reward_earned(frame)
    # Then 100% earns all, 60% earns 60%, 59% earns nothing, 150% is capped at 1, (20−14)/(20−10) = 60%
    assert out["earned"].to_list() == pytest.approx([1000.0, 600.0, 0.0, 1000.0, 300.0, 0.0])
    assert out["reason"][2].startswith("59.0% of the stretch, below the 60% threshold")
    assert out["reason"][5] == "No approved value yet: nothing earned."
    assert out["stretch_fraction"][5] is None


def test_a_target_outside_the_reward_grant_says_so_rather_than_blaming_the_threshold() -> None:
    # Given a target with no share of the grant that achieved 20% of its stretch, and one that achieved it all
    frame = pl.DataFrame(
        {
            "target": ["planning", "planning-met"],
            "no_stretch": [50.0, 50],
            "stretch": [60.0, 60],
            "achieved": [52.0, 60],
            "share": [0.0, 0.0],
        }
    )
    out = reward_earned(frame)
    # Then both earn nothing, and the reason is the grant, not the 60% threshold
    assert out["earned"].to_list() == [0.0, 0.0]
    assert out["reason"].to_list() == ["Outside the reward grant (no share of it): nothing earned."] * 2


def test_the_reward_formula_is_configurable_and_says_what_it_is() -> None:
    formula = RewardFormula(threshold=0.5, cap=1.2)
    frame = pl.DataFrame(
        {
            "target": ["a", "b"],
            "no_stretch": [0.0, 0],
            "stretch": [10.0, 10],
            "achieved": [5.0, 15],
            "share": [100.0, 100],
        }
    )
    assert reward_earned(frame, formula)["earned"].to_list() == pytest.approx([50.0, 120.0])
    assert "up to 1.2" in formula.text()
    assert "below 50%" in formula.text()
    with pytest.raises(ValueError, match="threshold"):
        RewardFormula(threshold=1.5)
    with pytest.raises(ValueError, match="differ"):
        reward_earned(frame.with_columns(stretch=pl.lit(0.0)))


def test_linear_milestones_end_at_the_level() -> None:
    assert linear_milestones(80.0, 95.0, 5) == pytest.approx([83.0, 86.0, 89.0, 92.0, 95.0])
    assert math.isclose(linear_milestones(10.0, 4.0, 1)[0], 4.0)
    with pytest.raises(ValueError, match="at least one period"):
        linear_milestones(1.0, 2.0, 0)

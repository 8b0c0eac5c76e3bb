"""SPC conformance: expected values are literals from the references, each cited beside it.

Sources:
- NHSRplotthedots (nhs-r-community/NHSRplotthedots), tests/testthat/_snaps/integration_tests.md:
  the serialised ``ptd_spc`` results of test-integration_tests.R on NHSRdatasets' ``ae_attendances``
  summed by month (April 2016 to March 2019). The doubles below were read out of those snapshots
  (R's XDR serialisation, base64) digit for digit, not recomputed.
- NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R, test-ptd_spc_standard.R,
  test-ptd_calculate_assurance_type.R, test-ptd_add_short_group_warnings.R.
- PowerBI-SPC and Laney's p′/u′ charts: test_spc_charts.py; input handling: test_spc_inputs.py.
- METHODS.md, "Statistical process control", where a case is LocalStat's own rule.
Hand-derived expectations show their arithmetic in a comment.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from localstat.engine.spc import (
    ASSURANCES,
    RULES,
    ProcessLimits,
    assurance,
    spc_table,
    special_cause_rules,
)

# NHSRdatasets ae_attendances, all trusts and types summed by month, 2016-04 to 2019-03, as held in
# the NHSRplotthedots integration snapshot "ae_all attendances spc returns expected values" (column y).
AE_ATTENDANCES = [
    1867781.0, 2070340.0, 1958802.0, 2079034.0, 1932901.0, 1952464.0, 2001816.0, 1907871.0, 1944567.0,
    1895272.0, 1735619.0, 2015834.0, 1949762.0, 2066789.0, 1994056.0, 2073944.0, 1924663.0, 1925961.0,
    2044137.0, 1976971.0, 2003954.0, 2000086.0, 1820012.0, 2049785.0, 1984369.0, 2164458.0, 2093942.0,
    2179896.0, 1997854.0, 2005695.0, 2079492.0, 2037847.0, 2047518.0, 2113413.0, 1954947.0, 2167550.0,
]  # fmt: skip
# The same months' 4-hour performance, 1 - breaches / attendances, from the snapshot
# "ae_all performance spc returns expected values" (column y).
AE_PERFORMANCE = [
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435, 0.909763097023593,
    0.9064786853944554, 0.8905308979446662, 0.8837903610883545, 0.8617594559611471, 0.851413411900772,
    0.8753090395991286, 0.9000949482943537, 0.9051525263083392, 0.8970035160821932, 0.9072518525056468,
    0.9034785895858326, 0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311, 0.8857248828216929,
    0.9039011151983545, 0.9076297242234981, 0.8931949047110505, 0.8972702710007838, 0.8894368286304747,
    0.8900933497219513, 0.8760446687116353, 0.8644632183941728, 0.843525141560121, 0.8422525009629417,
    0.8660427671795345,
]  # fmt: skip
MONTHS = pl.date_range(dt.date(2016, 4, 1), dt.date(2019, 3, 1), "1mo", eager=True)

COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"


def series_frame(name: str, values: list[float], periods: object = None) -> pl.DataFrame:
    periods = MONTHS if periods is None else periods
    return pl.DataFrame({"series": name, "period": periods, "value": values})


def limits_by_row(points: pl.DataFrame) -> np.ndarray:
    return points.select("mean", "lpl", "upl").to_numpy()


def hand_limits(mean: float, half_width: float) -> ProcessLimits:
    """Limits stated outright, so a rule can be tried against exact boundaries."""
    near = half_width * 2 / 3
    return ProcessLimits(
        mean=np.array([[mean]]),
        lpl=np.array([[mean - half_width]]),
        upl=np.array([[mean + half_width]]),
        lnl=np.array([[mean - near]]),
        unl=np.array([[mean + near]]),
        amr=np.array([half_width / 2.66]),
        baseline_points=np.array([99]),
    )


def rule_names(values: list[float], limits: ProcessLimits, profile: str = "nhsr") -> list[str]:
    causes = special_cause_rules(np.array([values]), limits, profile=profile)
    return [RULES[code] for code in causes.rule[0]]


# --- NHSRplotthedots integration snapshots ----------------------------------------------------


def test_it_reproduces_nhsrplotthedots_limits_for_all_ae_attendances():
    # Given England's monthly A&E attendances
    frame = series_frame("england", AE_ATTENDANCES)

    # When it is charted with the defaults (nhsr, screening on, improvement increase)
    points, summary = spc_table(frame)

    # Then the limits and point types are the snapshot's: mean 2000538.9444444445,
    # lpl 1731844.3644444444, upl 2269233.5244444446, every point common cause.
    assert limits_by_row(points) == pytest.approx(
        np.array([(2000538.9444444445, 1731844.3644444444, 2269233.5244444446)] * 36), rel=1e-14
    )
    assert points["point_type"].to_list() == [COMMON] * 36
    assert points["rule"].to_list() == [None] * 36
    assert_frame_equal(
        summary,
        pl.DataFrame(
            {
                "series": ["england"],
                "variation": [COMMON],
                "assurance": [None],
                "points": [36],
                "trial_limits": [False],
            }
        ),
        check_dtypes=False,
    )


def test_it_reproduces_nhsrplotthedots_limits_when_rebased_in_april_2017():
    # Given the same attendances, rebased at 2017-04-01 (test-integration_tests.R: rebase = as.Date("2017-04-01"))
    frame = series_frame("england", AE_ATTENDANCES)
    rebase = pl.DataFrame({"series": ["england"], "period": [dt.date(2017, 4, 1)]})

    # When it is charted
    points, _ = spc_table(frame, rebase=rebase)

    # Then the first 12 months and the last 24 have the snapshot's separate limits
    before = (1946858.4166666667, 1639947.374848485, 2253769.4584848485)
    after = (2027379.2083333333, 1772921.0639855072, 2281837.3526811595)
    assert limits_by_row(points) == pytest.approx(np.array([before] * 12 + [after] * 24), rel=1e-14)
    assert points["point_type"].to_list() == [COMMON] * 36


def test_it_reproduces_nhsrplotthedots_signals_with_a_baseline_fixed_after_12_points():
    # Given England's 4-hour performance (test-integration_tests.R: fix_after_n_points = 12)
    frame = series_frame("england", AE_PERFORMANCE)

    # When the limits are fixed on the first 12 points
    points, summary = spc_table(frame, baseline=12)

    # Then limits and every point type match the snapshot
    assert limits_by_row(points) == pytest.approx(
        np.array([(0.8908915564349236, 0.8614049789074258, 0.9203781339624213)] * 36), rel=1e-14
    )
    assert points["point_type"].to_list() == (
        [COMMON] * 9
        + [CONCERN]
        + [COMMON]
        + [IMPROVEMENT] * 8
        + [COMMON]
        + [CONCERN] * 4
        + [COMMON] * 5
        + [CONCERN] * 7
    )
    # And the latest point's type is the variation; 12 baseline points are trial limits (METHODS.md: < 13)
    assert summary.row(0) == ("england", CONCERN, None, 36, True)


def test_it_judges_several_series_independently_in_one_frame():
    # Given two series in one frame, interleaved, one of them rebased
    frame = pl.concat([series_frame("plain", AE_ATTENDANCES), series_frame("rebased", AE_ATTENDANCES)]).sort(
        "period"
    )
    rebase = pl.DataFrame({"series": ["rebased"], "period": ["2017-04-01"]})

    # When both are charted at once
    points, summary = spc_table(frame, rebase=rebase)

    # Then each series carries its own snapshot limits, rows keep their input order
    plain = points.filter(pl.col("series") == "plain")
    rebased = points.filter(pl.col("series") == "rebased")
    assert plain["upl"].to_list() == pytest.approx([2269233.5244444446] * 36, rel=1e-14)
    assert rebased["upl"].to_list() == pytest.approx(
        [2253769.4584848485] * 12 + [2281837.3526811595] * 24, rel=1e-14
    )
    assert points["period"].to_list() == frame["period"].to_list()
    assert summary["series"].to_list() == ["plain", "rebased"]


def test_reversing_the_improvement_direction_swaps_the_reference_improvements_and_concerns():
    # Given the fixed-baseline performance case, where improvement is an increase in the snapshot
    frame = series_frame("england", AE_PERFORMANCE)

    # When lower is better instead
    points, _ = spc_table(frame, baseline=12, improvement="decrease")

    # Then the snapshot's improvements are concerns and its concerns improvements
    assert points["point_type"].to_list() == (
        [COMMON] * 9
        + [IMPROVEMENT]
        + [COMMON]
        + [CONCERN] * 8
        + [COMMON]
        + [IMPROVEMENT] * 4
        + [COMMON] * 5
        + [IMPROVEMENT] * 7
    )


def test_a_neutral_direction_calls_signals_high_or_low_and_judges_no_assurance():
    # Given the fixed-baseline performance case with a target
    frame = series_frame("england", AE_PERFORMANCE).with_columns(target=pl.lit(0.95))

    # When neither direction is better
    points, summary = spc_table(frame, baseline=12, improvement="neutral")

    # Then the snapshot's signals above the mean are high and below it low, and no assurance is given
    # (ptd_calculate_assurance_type: NA when improvement_direction is neutral)
    high, low = "special_cause_neutral_high", "special_cause_neutral_low"
    assert points["point_type"].to_list() == (
        [COMMON] * 9 + [low] + [COMMON] + [high] * 8 + [COMMON] + [low] * 4 + [COMMON] * 5 + [low] * 7
    )
    assert summary["assurance"].to_list() == [None]


# --- NHSRplotthedots unit tests of the rules -------------------------------------------------


@pytest.mark.parametrize(
    ("sides", "flagged"),
    [
        # test-ptd_calculate_point_type.R, ptd_seven_point_one_side_mean then ptd_part_of_seven_trend
        ([1] * 6, [False] * 6),
        ([1] * 6 + [-1], [False] * 7),
        ([1] * 8 + [-1], [True] * 8 + [False]),
        ([-1] * 8 + [1], [True] * 8 + [False]),
    ],
)
def test_a_shift_needs_seven_points_on_one_side_of_the_mean(sides, flagged):
    # Given points one unit either side of a mean of 0, well inside wide limits
    limits = hand_limits(0.0, 100.0)

    # When the rules run
    names = rule_names([float(s) for s in sides], limits)

    # Then exactly the points of a run of 7 or more are a shift
    assert [name == "shift" for name in names] == flagged


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        # test-ptd_calculate_point_type.R, ptd_seven_point_trend then ptd_part_of_seven_trend
        ([1, 2, 3, 4, 5, 6], [False] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [False] * 7),  # c(1:3, 3:6): a tie breaks the trend
        ([1, 2, 3, 4, 5, 6, 7], [True] * 7),
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], [False] + [True] * 7 + [False]),
        ([7, 6, 5, 4, 3, 2, 1], [True] * 7),
        ([2, 7, 6, 5, 4, 3, 2, 1, 3], [False] + [True] * 7 + [False]),
    ],
)
def test_a_trend_needs_seven_points_each_beyond_the_one_before(values, flagged):
    # Given values around a mean of 4 inside wide limits
    limits = hand_limits(4.0, 100.0)

    # When the rules run
    names = rule_names([float(v) for v in values], limits)

    # Then the points of a strictly monotone run of 7 are a trend
    assert [name == "trend" for name in names] == flagged


@pytest.mark.parametrize(
    ("close", "sides", "flagged"),
    [
        # test-ptd_calculate_point_type.R, ptd_two_in_three then ptd_part_of_two_in_three
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
        # "when points are on opposite sides of the mean"
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
    ],
)
def test_two_of_three_near_a_limit_need_all_three_on_one_side_under_nhsr(close, sides, flagged):
    # Given limits at 0 ± 3 (2σ at ± 2): a "close" point sits at ±2.5, any other at ±0.5
    limits = hand_limits(0.0, 3.0)
    values = [side * (2.5 if near else 0.5) for near, side in zip(close, sides, strict=True)]

    # When the nhsr rules run
    names = rule_names(values, limits)

    # Then only the close points of a qualifying window are flagged two_of_three
    assert [int(name == "two_of_three") for name in names] == flagged


def test_two_close_points_on_opposite_sides_of_the_mean_stay_common_cause():
    # Given test-ptd_spc_standard.R: symmetrical data 1, -1, ... (16 points), the last two 5.5 and -5.5
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5

    # When charted with ptd_spc's defaults
    points, _ = spc_table(series_frame("s", values, periods=list(range(1, 17))))

    # Then both stay common cause
    assert points["point_type"].tail(2).to_list() == [COMMON, COMMON]


# --- Edge cases of METHODS.md -----------------------------------------------------------------


def test_a_point_on_the_mean_breaks_a_shift():
    # Given six points above the mean, one exactly on it, six more above (mean 10, limits 10 ± 100)
    limits = hand_limits(10.0, 100.0)
    tied = [11.0] * 6 + [10.0] + [11.0] * 6

    # When the rules run, and again with the tie nudged just above the mean
    on_the_mean = rule_names(tied, limits)
    above_it = rule_names([11.0] * 6 + [10.5] + [11.0] * 6, limits)

    # Then the tie leaves two runs of six, no shift; without it all 13 are a shift
    assert on_the_mean == [""] * 13
    assert above_it == ["shift"] * 13


def test_a_point_exactly_on_a_process_limit_is_not_outside_it():
    # Given a baseline of 10, 11 repeated six times: mean 10.5, every moving range 1, so AMR 1 and
    # upl = 10.5 + 2.66 = 13.16 (NHSRplotthedots: outside_limits is y > upl, strictly)
    baseline = [10.0, 11.0] * 6
    frame = series_frame("s", [*baseline, 13.16, 13.17], periods=list(range(1, 15)))

    # When the limits are fixed on the baseline
    points, _ = spc_table(frame, baseline=12)

    # Then the point on the limit is common cause and the one past it is outside
    assert points["upl"][12] == 13.16
    assert points["point_type"].tail(2).to_list() == [COMMON, IMPROVEMENT]
    assert points["rule"].tail(2).to_list() == [None, "outside_limits"]


def test_two_of_three_with_one_point_beyond_the_process_limit_depends_on_the_profile():
    # Given limits 0 ± 3 (2σ at ± 2) and points 2.5 (between 2σ and 3σ) then 3.5 (beyond 3σ)
    limits = hand_limits(0.0, 3.0)
    values = [0.5, 2.5, 3.5, 0.5]

    # When judged by nhsr, which counts only points strictly between 2σ and 3σ, and by mdc2023 and
    # powerbi, which count any point beyond 2σ (METHODS.md profile table; PowerBI-SPC twoInThree.ts)
    nhsr = rule_names(values, limits, "nhsr")
    mdc = rule_names(values, limits, "mdc2023")
    powerbi = rule_names(values, limits, "powerbi")

    # Then nhsr leaves the 2.5 alone; the others flag it as two_of_three
    assert nhsr == ["", "", "outside_limits", ""]
    assert mdc == powerbi == ["", "two_of_three", "outside_limits", ""]


def test_two_beyond_two_sigma_at_the_end_of_a_series_need_a_whole_window_of_three():
    # Given limits 0 ± 3 (2σ at ± 2) and a series ending 2.5, -2.5, -2.5: PowerBI-SPC twoInThree.ts sums
    # the signs of each window of three ending at a point (here 0 + 1 - 1 = 0, then 1 - 1 - 1 = -1)
    limits = hand_limits(0.0, 3.0)

    # When judged by powerbi, alone and beside a longer series (wider packed arrays)
    alone = special_cause_rules(np.array([[0.5, 2.5, -2.5, -2.5]]), limits, profile="powerbi")
    beside = special_cause_rules(
        np.array([[0.5, 2.5, -2.5, -2.5, np.nan, np.nan], [0.0] * 6]), limits, profile="powerbi"
    )

    # Then no window reaches ±2, so nothing is flagged, whatever the padding after the last point
    assert alone.rule[0].tolist() == [0, 0, 0, 0]
    assert beside.rule[0, :4].tolist() == [0, 0, 0, 0]


def test_screening_drops_a_big_moving_range_from_the_limits():
    # Given 10, 11 six times then 30: mean 156/13 = 12; moving ranges eleven 1s and one 19, AMR 30/12 = 2.5;
    # 19 ≥ 3.267 × 2.5 = 8.1675 is screened, leaving AMR 1 (hand arithmetic)
    frame = series_frame("s", [10.0, 11.0] * 6 + [30.0], periods=list(range(1, 14)))

    # When charted with screening (nhsr default) and without (mdc2023 default, or screen=False)
    screened, _ = spc_table(frame)
    unscreened, _ = spc_table(frame, screen=False)
    mdc, _ = spc_table(frame, profile="mdc2023")

    # Then the limits are 12 ± 2.66 screened and 12 ± 2.66 × 2.5 = 12 ± 6.65 unscreened
    assert limits_by_row(screened)[0] == pytest.approx((12.0, 9.34, 14.66), rel=1e-14)
    assert limits_by_row(unscreened)[0] == pytest.approx((12.0, 5.35, 18.65), rel=1e-14)
    assert (limits_by_row(mdc) == limits_by_row(unscreened)).all()
    assert screened["rule"][-1] == "outside_limits"


@pytest.mark.parametrize(
    ("n_points", "trial"),
    [
        (11, True),  # test-ptd_add_short_group_warnings.R: 11 points warn (trial limits)
        (12, True),  # METHODS.md: fewer than 13 points are trial limits (NHSRplotthedots warns below 12)
        (13, False),
        (20, False),  # test-ptd_add_short_group_warnings.R: groups of 20 do not warn
    ],
)
def test_limits_from_fewer_than_13_points_are_trial_limits(n_points, trial):
    # Given a series of n points
    frame = series_frame("s", AE_ATTENDANCES[:n_points], periods=list(range(n_points)))

    # When charted
    _, summary = spc_table(frame)

    # Then the summary says whether its limits are trial limits
    assert summary["trial_limits"].to_list() == [trial]
    assert summary["points"].to_list() == [n_points]


def test_only_the_latest_segment_decides_trial_limits():
    # Given 20 points rebased at the 15th: the latest segment has 6 points
    frame = series_frame("s", AE_ATTENDANCES[:20], periods=list(range(1, 21)))

    # When rebased there
    _, summary = spc_table(frame, rebase=pl.DataFrame({"series": ["s"], "period": [15]}))

    # Then its limits are trial limits
    assert summary["trial_limits"].to_list() == [True]


def test_runs_do_not_cross_a_rebase():
    # Given ten rising points, rebased at the fifth: segments of 4 and 6 rising points. NHSRplotthedots
    # groups by facet and rebase_group before looking for runs (ptd_calculate_point_type).
    frame = series_frame("s", [float(v) for v in range(1, 11)], periods=list(range(1, 11)))

    # When charted with and without the rebase
    whole, _ = spc_table(frame)
    rebased, _ = spc_table(frame, rebase=pl.DataFrame({"series": ["s"], "period": [5]}))

    # Then the unbroken series trends (or is outside its limits) at every point, the rebased one
    # has no run of 7 and each segment sits inside its own limits (2.5 ± 2.66 and 7.5 ± 2.66)
    assert whole["rule"].to_list() == ["outside_limits"] * 2 + ["trend"] * 6 + ["outside_limits"] * 2
    assert rebased["point_type"].to_list() == [COMMON] * 10


def test_a_series_without_values_is_listed_with_nothing_to_say():
    # Given a series whose every value is missing, beside one with values
    frame = pl.DataFrame({"series": ["a", "a", "b"], "period": [1, 2, 1], "value": [None, None, 4.0]})

    # When charted
    points, summary = spc_table(frame)

    # Then its rows have null outputs and its summary has no variation, no points, no limits
    assert points["point_type"].to_list() == [None, None, COMMON]
    assert summary.row(0) == ("a", None, None, 0, None)


# --- Assurance --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        # test-ptd_calculate_assurance_type.R: lpl (1, 5, 1), upl (3, 7, 5), target 4
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", ["", "", ""]),
    ],
)
def test_assurance_compares_the_target_with_the_process_limits(improvement, expected):
    # Given three processes and a target of 4
    lpl, upl = [1.0, 5.0, 1.0], [3.0, 7.0, 5.0]

    # When assurance is judged
    codes = assurance([4.0, 4.0, 4.0], lpl, upl, improvement=improvement)

    # Then the target beyond the limits is a consistent pass or fail by direction
    assert [ASSURANCES[c] for c in codes] == expected


def test_assurance_uses_the_latest_segment_of_a_rebased_series():
    # Given the rebased attendances and a target of 1700000: inside the first segment's limits
    # (lpl 1639947.37) but below the latest segment's lpl 1772921.06 (snapshot values above)
    frame = series_frame("england", AE_ATTENDANCES).with_columns(target=pl.lit(1700000.0))
    rebase = pl.DataFrame({"series": ["england"], "period": [dt.date(2017, 4, 1)]})

    # When charted with higher attendances counting as improvement
    _, summary = spc_table(frame, rebase=rebase)

    # Then the target is beneath the latest limits: consistently passed
    assert summary["assurance"].to_list() == ["consistent_pass"]


def test_there_is_no_assurance_without_a_target():
    # Given a series with no target column (ptd_calculate_assurance_type: NA without a target)
    _, summary = spc_table(series_frame("s", AE_ATTENDANCES))

    # Then assurance is empty
    assert summary["assurance"].to_list() == [None]

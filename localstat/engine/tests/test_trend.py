"""Recent trend: conformance with Fingertips' trend-marker tests, edge cases and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.trend import read_trend, recent_trend

FT_TEST = (
    "ukhsa-collaboration/fingertips-open PholioVisualisationWS/AnalysisTest/TrendMarkerCalculatorTest.cs"
)
FTN_DATA = (
    "dhsc-govuk/FingertipsNext trend-analysis/TrendAnalysisApp.UnitTests/Calculator/IndicatorTestData.cs"
)
FTN_TESTS = (
    "dhsc-govuk/FingertipsNext trend-analysis/TrendAnalysisApp.UnitTests/Calculator/TrendCalculatorTests.cs"
)


def series(name: str, rows: list[tuple[int, float, float, float]]) -> pl.DataFrame:
    """A long frame of (period, value, lower_95, upper_95) rows for one series."""
    return pl.DataFrame(
        [(name, *row) for row in rows],
        schema=["series", "period", "value", "lower_95", "upper_95"],
        orient="row",
    )


# FT_TEST GetTrendData_Set1 (given newest first): significant, χ² = 46.77 to 2 dp, values rising.
SET1 = [
    (2018, 30.6, 28.98, 32.25),
    (2017, 30.2, 28.63, 31.9),
    (2016, 28.0, 26.44, 29.64),
    (2015, 24.6, 23.15, 26.19),
    (2014, 24.67, 23.16, 26.25),
]
# FT_TEST GetTrendData_Set2: not significant.
SET2 = [
    (2014, 20.5506, 18.1803, 23.1427),
    (2015, 19.5952, 17.3444, 22.0602),
    (2016, 19.0349, 16.8421, 21.4394),
    (2017, 21.3966, 19.0918, 23.8975),
    (2018, 18.4372, 16.2925, 20.7941),
]
# FTN_DATA YorkshireMmrCoverageHealthMeasurePoints: FTN_TESTS expects Decreasing.
MMR = [
    (2024, 90.1013, 89.8578, 90.3396),
    (2023, 90.017, 89.7694, 90.2594),
    (2022, 90.8708, 90.6358, 91.1004),
    (2021, 92.3221, 92.1072, 92.5315),
    (2020, 92.6254, 92.4168, 92.8288),
]
# FTN_DATA DiabeticEyeDiseaseHealthMeasurePoints: FTN_TESTS expects Increasing.
EYE = [
    (2024, 3.0121, 2.8616, 3.1683),
    (2023, 2.8701, 2.7225, 3.0237),
    (2022, 2.7567, 2.6113, 2.9082),
    (2021, 1.93028, 1.8085, 2.058),
    (2020, 2.935, 2.7841, 3.0919),
]
# FTN_DATA Under75CancerMortalityHealthMeasurePoints: FTN_TESTS expects Decreasing. The 2023 value
# is written "120/7742" there, a typo for 120.7742 (C# integer division would make it 0; the
# series decreases either way).
CANCER = [
    (2023, 120.7742, 119.8035, 121.7507),
    (2022, 122.3782, 121.4012, 123.361),
    (2021, 121.5234, 120.5533, 122.4993),
    (2020, 125.829, 124.8371, 126.8268),
    (2019, 126.9341, 125.9343, 127.94),
]


def test_it_reproduces_fingertips_chi_squared_for_a_significant_rise():
    # Given Fingertips' significant data set
    result = recent_trend(series("set1", SET1))
    # Then χ² is 46.77 to two places and the trend increasing
    assert result["chi2"][0] == pytest.approx(46.77, abs=0.005)
    assert result["trend"].to_list() == ["increasing"]


@pytest.mark.parametrize(
    ("name", "rows", "expected"),
    [
        pytest.param(
            "set2", SET2, "no_change", id="ft-set2-not-significant"
        ),  # FT_TEST TestIsSignificantReturnsFalse
        pytest.param(
            "mmr", MMR, "decreasing", id="ftn-yorkshire-mmr"
        ),  # FTN_TESTS TestYorkshireMmrCoverage...
        pytest.param("eye", EYE, "increasing", id="ftn-diabetic-eye"),  # FTN_TESTS TestDiabeticEyeDisease...
        pytest.param("cancer", CANCER, "decreasing", id="ftn-u75-cancer"),  # FTN_TESTS TestCancerMortality...
    ],
)
def test_it_marks_the_trends_fingertips_marks(name, rows, expected):
    # Given five years of published values with 95% intervals
    # When the recent trend is tested
    result = recent_trend(series(name, rows))
    # Then the marker is the one Fingertips shows
    assert result["trend"].to_list() == [expected]


def test_fewer_than_five_points_cannot_be_calculated():
    # Given four points (FTN_TESTS TestTrendCannotBeCalculatedWhenInsufficientDataPointsProvided
    # drops the newest of five)
    result = recent_trend(series("cancer", CANCER[1:]))
    # Then no trend is calculated and no statistic reported
    assert result.row(0) == ("cancer", "cannot_be_calculated", None, None)


def test_points_with_zero_width_intervals_do_not_count():
    # Given FTN_DATA's emergency readmissions, two of whose five intervals have no width (rounded
    # to one decimal place); FTN_TESTS expects CannotBeCalculated there
    rows = [
        (2024, 14.8, 14.8, 14.8),
        (2023, 14.2, 14.1, 14.2),
        (2022, 14.3, 14.3, 14.4),
        (2021, 15.4, 15.4, 15.5),
        (2020, 14.3, 14.3, 14.3),
    ]
    # Then with only three usable points the trend cannot be calculated
    assert recent_trend(series("readmissions", rows))["trend"].to_list() == ["cannot_be_calculated"]


def test_only_the_latest_five_points_are_used():
    # Given Fingertips' rising Set1 preceded by a much higher, very precise old point
    rows = [(2010, 90.0, 89.99, 90.01), *SET1]
    # Then the old point is ignored and the result is Set1's
    result = recent_trend(series("set1", rows))
    assert result["chi2"][0] == pytest.approx(46.77, abs=0.005)
    assert result["trend"][0] == "increasing"


def test_missing_periods_are_skipped_not_treated_as_breaks():
    # Given Set1 with 2016 missing and the gap filled by an older point
    rows = [row for row in SET1 if row[0] != 2016] + [(2012, 24.0, 22.5, 25.5)]
    # Then five usable points remain and a trend is calculated over them
    assert recent_trend(series("gappy", rows))["trend"][0] in {"increasing", "no_change"}
    # and a missing value counts as a missing period
    with_gap = [*SET1[:2], (2016, None, None, None), *SET1[3:]]
    assert recent_trend(series("gap", with_gap))["trend"][0] == "cannot_be_calculated"


def test_a_significant_slope_that_flips_sign_when_a_point_is_left_out_is_no_change():
    # Given v = 10, 1, 2, 3, 4 with equal, narrow intervals (σ = 0.1 for every point):
    # by hand, with equal weights the slope is Σ(t − 3)(v − 4)/Σ(t − 3)² = −10/10 = −1 and
    # χ² = slope²·Σw(t − 3)² = 1·100·10 = 1000 > 9.55, but leaving out the first point the
    # remaining 1, 2, 3, 4 rise with slope +1
    width = 0.1 * 3.92 / 2
    rows = [
        (t, v, v - width, v + width) for t, v in zip(range(1, 6), [10.0, 1.0, 2.0, 3.0, 4.0], strict=True)
    ]
    result = recent_trend(series("flip", rows))
    # Then the trend is no change, with χ² and slope still reported
    assert result["trend"][0] == "no_change"
    assert result["chi2"][0] == pytest.approx(1000.0, rel=1e-9)
    assert result["slope"][0] == pytest.approx(-1.0, rel=1e-9)


def test_series_are_judged_together_and_returned_sorted():
    frame = pl.concat([series("b-set2", SET2), series("a-set1", SET1), series("c-short", SET1[:3])])
    result = recent_trend(frame)
    assert result.select("series", "trend").rows() == [
        ("a-set1", "increasing"),
        ("b-set2", "no_change"),
        ("c-short", "cannot_be_calculated"),
    ]


def test_a_period_given_twice_is_refused_naming_the_row():
    with pytest.raises(ValueError, match="row 2, column 'period'"):
        recent_trend(series("dup", [SET1[0], SET1[0], *SET1[1:]]))


def test_iso_date_periods_order_the_series():
    rows = [(f"{year}-04-01", v, lo, hi) for year, v, lo, hi in SET1]
    frame = pl.DataFrame(
        [("s", *row) for row in rows],
        schema=["series", "period", "value", "lower_95", "upper_95"],
        orient="row",
    )
    assert recent_trend(frame)["chi2"][0] == pytest.approx(46.77, abs=0.005)


@pytest.mark.parametrize(
    ("trend", "polarity", "expected"),
    [
        pytest.param(
            "increasing", "higher", "improving", id="up-high-good"
        ),  # FTN_TESTS IncreasingAndGettingBetter
        pytest.param(
            "increasing", "lower", "worsening", id="up-low-good"
        ),  # FTN_TESTS IncreasingAndGettingWorse
        pytest.param(
            "decreasing", "higher", "worsening", id="down-high-good"
        ),  # FTN_TESTS DecreasingAndGettingWorse
        pytest.param(
            "decreasing", "lower", "improving", id="down-low-good"
        ),  # FTN_TESTS DecreasingAndGettingBetter
        pytest.param(
            "increasing", "neutral", "increasing", id="neutral"
        ),  # FTN_TESTS NotApplicable unchanged
        pytest.param("no_change", "higher", "no_change", id="no-change"),  # FTN_TESTS NoChange unchanged
        pytest.param(
            "cannot_be_calculated", "lower", "cannot_be_calculated", id="cannot"
        ),  # FTN_TESTS unchanged
    ],
)
def test_a_trend_is_read_through_polarity_as_fingertips_next_does(trend, polarity, expected):
    assert read_trend([trend], polarity=polarity).tolist() == [expected]


# --- properties ----------------------------------------------------------------------------------


@settings(deadline=None, max_examples=100)
@given(
    values=st.lists(st.floats(min_value=-100, max_value=100), min_size=5, max_size=8),
    width=st.floats(min_value=0.01, max_value=50),
    scale=st.sampled_from([0.001, 2.0, 1000.0]),
)
def test_changing_the_units_of_measurement_leaves_the_trend_and_chi2_unchanged(values, width, scale):
    # χ² is (slope/SE)²: scaling values and intervals together scales both alike. (Reversing time
    # is no such symmetry: Fingertips counts a leave-one-out slope of exactly 0 as positive.)
    base = recent_trend(series("s", [(t, v, v - width, v + width) for t, v in enumerate(values)])).row(0)
    scaled_rows = [(t, v * scale, (v - width) * scale, (v + width) * scale) for t, v in enumerate(values)]
    scaled = recent_trend(series("s", scaled_rows)).row(0)
    assert scaled[2] == pytest.approx(base[2], rel=1e-6, abs=1e-9)
    if base[2] is not None and abs(base[2] - 9.54953570608324) > 1e-6:
        assert scaled[1] == base[1]


@settings(deadline=None, max_examples=100)
@given(
    values=st.lists(st.floats(min_value=-100, max_value=100), min_size=5, max_size=5),
    shift=st.floats(min_value=-1000, max_value=1000),
)
def test_adding_a_constant_leaves_the_trend_unchanged(values, shift):
    base = recent_trend(series("s", [(t, v, v - 1, v + 1) for t, v in enumerate(values)])).row(0)
    moved = recent_trend(
        series("s", [(t, v + shift, v + shift - 1, v + shift + 1) for t, v in enumerate(values)])
    )
    assert moved.row(0)[2] == pytest.approx(base[2], rel=1e-6, abs=1e-6)

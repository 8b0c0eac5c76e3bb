"""Values with confidence intervals: conformance with the published references, and properties.

Expected values are literals transcribed from the reference packages' own tests and data, cited
beside each case. Published figures are rounded; each case allows half a unit of the last digit
published (PHE's exact-Poisson table comes from a bisection stopped at 1e-7, hence its tolerance).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.intervals import (
    byars_interval,
    count_interval,
    exact_poisson_interval,
    value_with_intervals,
    wilson_interval,
    z_value,
)
from localstat.engine.schemas import DataError

FT_TREND_TEST = (
    "ukhsa-collaboration/fingertips-open PholioVisualisationWS/AnalysisTest/TrendMarkerCalculatorTest.cs"
)
FTN_TEST_DATA = (
    "dhsc-govuk/FingertipsNext trend-analysis/TrendAnalysisApp.UnitTests/Calculator/IndicatorTestData.cs"
)
PHE_RATIO_TABLE = "ukhsa-collaboration/PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv"
FPR_POISSON = "nhs-r-community/FunnelPlotR tests/testthat/test-poisson_limits.R"
DHSC_WILSON = "DataS-DHSC/PHStatsMethods ph_statistical_methods/tests/test.wilsons.py"

# --- Wilson score (proportions) ------------------------------------------------------------------

# (numerator, denominator, lower_95 %, upper_95 %), published to 4 decimal places.
WILSON_PERCENT_CASES = [
    pytest.param(209, 1017, 18.1803, 23.1427, id="ft-set2-2014"),  # FT_TREND_TEST, GetTrendData_Set2
    pytest.param(213, 1087, 17.3444, 22.0602, id="ft-set2-2015"),  # FT_TREND_TEST, GetTrendData_Set2
    pytest.param(213, 1119, 16.8421, 21.4394, id="ft-set2-2016"),  # FT_TREND_TEST, GetTrendData_Set2
    pytest.param(239, 1117, 19.0918, 23.8975, id="ft-set2-2017"),  # FT_TREND_TEST, GetTrendData_Set2
    pytest.param(210, 1139, 16.2925, 20.7941, id="ft-set2-2018"),  # FT_TREND_TEST, GetTrendData_Set2
    pytest.param(53185, 59028, 89.8578, 90.3396, id="mmr-2024"),  # FTN_TEST_DATA, YorkshireMmrCoverage
    pytest.param(51767, 57508, 89.7694, 90.2594, id="mmr-2023"),  # FTN_TEST_DATA, YorkshireMmrCoverage
    pytest.param(53681, 59074, 90.6358, 91.1004, id="mmr-2022"),  # FTN_TEST_DATA, YorkshireMmrCoverage
    pytest.param(55865, 60511, 92.1072, 92.5315, id="mmr-2021"),  # FTN_TEST_DATA, YorkshireMmrCoverage
    pytest.param(57274, 61834, 92.4168, 92.8288, id="mmr-2020"),  # FTN_TEST_DATA, YorkshireMmrCoverage
]


@pytest.mark.parametrize(("numerator", "denominator", "lower", "upper"), WILSON_PERCENT_CASES)
def test_it_reproduces_fingertips_published_wilson_intervals(numerator, denominator, lower, upper):
    # Given a proportion published by Fingertips with its 95% interval, as a percentage
    # When LocalStat computes the interval
    table = value_with_intervals([numerator], [denominator], statistic="proportion", multiplier=100)
    # Then both limits agree to the published 4 decimal places, by Wilson's method
    assert table["lower_95"][0] == pytest.approx(lower, abs=5e-5)
    assert table["upper_95"][0] == pytest.approx(upper, abs=5e-5)
    assert table["method"][0] == "wilson"


# (numerator, denominator, confidence, which limit, expected): DHSC's Python port of
# PHEindicatormethods asserts these exactly (DHSC_WILSON); float rounding allows 1e-12.
WILSON_FULL_PRECISION_CASES = [
    pytest.param(20, 360, 0.95, 0, 0.036248204600072345, id="20/360-lower-95"),  # DHSC_WILSON
    pytest.param(550, 2400, 0.998, 0, 0.20375892211705743, id="550/2400-lower-998"),  # DHSC_WILSON
    pytest.param(30, 400, 0.95, 1, 0.10504770626130437, id="30/400-upper-95"),  # DHSC_WILSON
    pytest.param(76, 238, 0.998, 1, 0.418131030603369, id="76/238-upper-998"),  # DHSC_WILSON
]


@pytest.mark.parametrize(
    ("numerator", "denominator", "confidence", "side", "expected"), WILSON_FULL_PRECISION_CASES
)
def test_it_matches_the_dhsc_port_of_phe_wilson_to_full_precision(
    numerator, denominator, confidence, side, expected
):
    # Given a proportion and a confidence level
    # When the Wilson interval is computed
    limits = wilson_interval([numerator], [denominator], confidence)
    # Then the limit matches the reference to floating-point rounding
    assert limits[side][0] == pytest.approx(expected, rel=1e-12)


def test_a_zero_numerator_has_a_lower_limit_of_exactly_zero():
    # Given 0 events out of 50 (the Wilson lower limit (z² − z·√z²)/(2(n + z²)) is 0 by definition)
    # When the interval is computed
    lower, upper = wilson_interval([0], [50])
    # Then the lower limit is exactly 0 and the upper z²/(n + z²)
    z = z_value(0.95)
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(z * z / (50 + z * z), rel=1e-12)


def test_a_numerator_equal_to_the_denominator_has_an_upper_limit_of_exactly_one():
    # Given 50 events out of 50
    # When the interval is computed at both levels
    table = value_with_intervals([50], [50], statistic="proportion")
    # Then the value and both upper limits are exactly 1
    assert (table["value"][0], table["upper_95"][0], table["upper_998"][0]) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("numerator", "denominator", "column", "message"),
    [
        # PHE testWilson.R / testProportions.R refuse these three inputs.
        pytest.param([65, -4], [100, 100], "numerator", "must be zero or more", id="negative-numerator"),
        pytest.param([65, 80], [100, 0], "denominator", "must be greater than zero", id="zero-denominator"),
        pytest.param(
            [65, 80], [100, 50], "numerator", "must not be greater than the denominator", id="x-above-n"
        ),
    ],
)
def test_it_refuses_impossible_proportions_naming_row_and_column(numerator, denominator, column, message):
    # Given a second row that no proportion can have
    # When intervals are requested
    with pytest.raises(DataError, match=message) as raised:
        value_with_intervals(numerator, denominator, statistic="proportion")
    # Then the error names row 2 and the offending column
    assert (raised.value.row, raised.value.column) == (2, column)


# --- Byar's (counts of 10 or more) ---------------------------------------------------------------

# (count, denominator, multiplier, lower_95, upper_95) as Fingertips publishes crude rates.
BYARS_RATE_CASES = [
    pytest.param(1367, 44701, 1000, 28.98, 32.25, 0.005, id="ft-set1-2018"),  # FT_TREND_TEST, Set1
    pytest.param(1332, 44064, 1000, 28.63, 31.9, 0.005, id="ft-set1-2017"),  # FT_TREND_TEST, Set1
    pytest.param(1199, 42811, 1000, 26.44, 29.64, 0.005, id="ft-set1-2016"),  # FT_TREND_TEST, Set1
    pytest.param(1023, 41527, 1000, 23.15, 26.19, 0.005, id="ft-set1-2015"),  # FT_TREND_TEST, Set1
    pytest.param(994, 40299, 1000, 23.16, 26.25, 0.005, id="ft-set1-2014"),  # FT_TREND_TEST, Set1
    pytest.param(
        1502, 49866388, 1e5, 2.8616, 3.1683, 5e-5, id="eye-2024"
    ),  # FTN_TEST_DATA, DiabeticEyeDisease
    pytest.param(
        1415, 49300918, 1e5, 2.7225, 3.0237, 5e-5, id="eye-2023"
    ),  # FTN_TEST_DATA, DiabeticEyeDisease
    pytest.param(
        1344, 48753376, 1e5, 2.6113, 2.9082, 5e-5, id="eye-2022"
    ),  # FTN_TEST_DATA, DiabeticEyeDisease
    # Published 1.8085 for 1.8084469: Fingertips rounded half a unit up here, hence 6e-5.
    pytest.param(935, 48440507, 1e5, 1.8085, 2.058, 6e-5, id="eye-2021"),  # FTN_TEST_DATA, DiabeticEyeDisease
    pytest.param(
        1416, 48246126, 1e5, 2.7841, 3.0919, 5e-5, id="eye-2020"
    ),  # FTN_TEST_DATA, DiabeticEyeDisease
]


@pytest.mark.parametrize(
    ("count", "denominator", "multiplier", "lower", "upper", "tolerance"), BYARS_RATE_CASES
)
def test_it_reproduces_fingertips_published_byars_rate_intervals(
    count, denominator, multiplier, lower, upper, tolerance
):
    # Given a crude rate of 10 or more events published with its 95% interval
    # When LocalStat computes the rate's interval
    table = value_with_intervals([count], [denominator], statistic="rate", multiplier=multiplier)
    # Then it uses Byar's method and agrees to the published digits
    assert table["method"][0] == "byars"
    assert table["lower_95"][0] == pytest.approx(lower, abs=tolerance)
    assert table["upper_95"][0] == pytest.approx(upper, abs=tolerance)


def test_byars_lower_limit_is_undefined_for_zero_events_as_in_phe():
    # Given no events (Byar's lower formula divides by zero; PHE's byars_lower returns NA)
    # When Byar's limits are computed directly
    lower, upper = byars_interval([0])
    # Then the lower limit is NaN and the upper limit still defined
    assert math.isnan(lower[0])
    assert upper[0] > 0


# --- Exact Poisson (counts below 10) -------------------------------------------------------------

# (count, lower_95, upper_95, lower_998, upper_998): PHE's exact Poisson funnel table gives, for
# each observed count O, the expected counts at which O sits on a limit, i.e. O's exact interval
# (upper_2s_exp_events = lower 95%, lower_2s_exp_events = upper 95%, and the 3s columns at 99.8%).
EXACT_CASES = [
    pytest.param(1, 0.025317898, 5.571644585, 0.001000547, 9.233410143, id="O=1"),  # PHE_RATIO_TABLE
    pytest.param(2, 0.242209467, 7.224687515, 0.04540199, 11.22886836, id="O=2"),  # PHE_RATIO_TABLE
    pytest.param(3, 0.618671905, 8.767273828, 0.190533306, 13.06224507, id="O=3"),  # PHE_RATIO_TABLE
    pytest.param(4, 1.089865762, 10.24158653, 0.42855244, 14.79414916, id="O=4"),  # PHE_RATIO_TABLE
    pytest.param(5, 1.623486324, 11.6683331, 0.739371928, 16.45474478, id="O=5"),  # PHE_RATIO_TABLE
    pytest.param(6, 2.201894435, 13.0594765, 1.107104434, 18.0616374, id="O=6"),  # PHE_RATIO_TABLE
    pytest.param(7, 2.814363736, 14.42267712, 1.520336178, 19.62617867, id="O=7"),  # PHE_RATIO_TABLE
    pytest.param(8, 3.453831154, 15.76318696, 1.970813969, 21.15619716, id="O=8"),  # PHE_RATIO_TABLE
    pytest.param(9, 4.11537405, 17.08479966, 2.452425215, 22.65737951, id="O=9"),  # PHE_RATIO_TABLE
]


@pytest.mark.parametrize(("count", "lower_95", "upper_95", "lower_998", "upper_998"), EXACT_CASES)
def test_small_counts_get_phes_exact_poisson_interval(count, lower_95, upper_95, lower_998, upper_998):
    # Given fewer than 10 events over a denominator of 1 (so the rate is the count)
    # When a rate's intervals are computed
    table = value_with_intervals([count], [1.0], statistic="rate", multiplier=1)
    # Then the exact method is used and all four limits match PHE's table
    assert table["method"][0] == "exact"
    got = table.select("lower_95", "upper_95", "lower_998", "upper_998").row(0)
    assert got == pytest.approx((lower_95, upper_95, lower_998, upper_998), rel=1e-5, abs=1e-6)


# (count, lower_95/count, upper_95/count, lower_998/count, upper_998/count): FunnelPlotR's Poisson
# limit test, rounded there to 7 and 6 decimal places (FPR_POISSON).
@pytest.mark.parametrize(
    ("count", "lower_95", "upper_95", "lower_998", "upper_998"),
    [
        pytest.param(15, 0.5596924, 1.649348, 0.3862650, 2.082907, id="15"),  # FPR_POISSON
        pytest.param(20, 0.6108260, 1.544419, 0.4479107, 1.902094, id="20"),  # FPR_POISSON
        pytest.param(30, 0.6746958, 1.427562, 0.5289724, 1.702771, id="30"),  # FPR_POISSON
    ],
)
def test_exact_poisson_limits_match_funnelplotr(count, lower_95, upper_95, lower_998, upper_998):
    # Given a count
    # When its exact interval is computed at both levels
    (lo95, hi95), (lo998, hi998) = (
        exact_poisson_interval([count], 0.95),
        exact_poisson_interval([count], 0.998),
    )
    # Then each limit divided by the count matches FunnelPlotR's rounded values
    assert lo95[0] / count == pytest.approx(lower_95, abs=5e-8)
    assert hi95[0] / count == pytest.approx(upper_95, abs=5e-7)
    assert lo998[0] / count == pytest.approx(lower_998, abs=5e-8)
    assert hi998[0] / count == pytest.approx(upper_998, abs=5e-7)


def test_zero_events_have_an_exact_interval_from_zero():
    # Given no events: χ²(·; 0)/2 is 0 and the upper limit is −ln((1 − c)/2) in closed form
    # When the exact interval is computed
    lower, upper = exact_poisson_interval([0], 0.95)
    # Then it runs from 0 to −ln(0.025)
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025), rel=1e-12)


def test_the_method_switches_from_exact_to_byars_at_ten_events():
    # Given 9 and 10 events (PHE: exact below 10, Byar's from 10)
    # When the count intervals are computed
    _, _, method = count_interval([9, 10])
    # Then the first is exact and the second Byar's
    assert method.tolist() == ["exact", "byars"]


def test_ratios_divide_the_count_limits_by_the_expected_count():
    # Given 3 observed against 1.5 expected
    # When the ratio's interval is computed
    table = value_with_intervals([3], [1.5], statistic="ratio")
    # Then value and limits are PHE's exact limits for O = 3 over E (PHE_RATIO_TABLE)
    assert table["value"][0] == 2.0
    assert table["upper_95"][0] == pytest.approx(8.767273828 / 1.5, rel=1e-5)


def test_rates_default_to_per_100000():
    # Given 12 events in 100,000 people and no multiplier
    table = value_with_intervals([12], [100_000], statistic="rate")
    # Then the rate is per 100,000
    assert table["value"][0] == pytest.approx(12.0)


def test_missing_inputs_give_null_outputs_without_error():
    # Given a row with no numerator
    table = value_with_intervals([np.nan, 5], [10, 10], statistic="proportion")
    # Then that row's outputs are all null and the next row is computed
    assert table.row(0) == (None, None, None, None, None, None)
    assert table["method"][1] == "wilson"


# --- properties ----------------------------------------------------------------------------------


@st.composite
def proportions(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=10**7))
    return draw(st.integers(min_value=0, max_value=n)), n


@settings(deadline=None, max_examples=200)
@given(case=proportions(), multiplier=st.sampled_from([1.0, 100.0]))
def test_proportion_intervals_contain_the_value_and_nest(case, multiplier):
    numerator, denominator = case
    row = value_with_intervals([numerator], [denominator], statistic="proportion", multiplier=multiplier).row(
        0
    )
    value, lo95, hi95, lo998, hi998, _ = row
    assert lo998 <= lo95 <= value <= hi95 <= hi998


@settings(deadline=None, max_examples=200)
@given(
    count=st.integers(min_value=0, max_value=10**6),
    denominator=st.floats(min_value=0.01, max_value=1e8),
    statistic=st.sampled_from(["rate", "ratio"]),
)
def test_count_based_intervals_contain_the_value_and_nest(count, denominator, statistic):
    row = value_with_intervals([count], [denominator], statistic=statistic).row(0)
    value, lo95, hi95, lo998, hi998, _ = row
    assert lo998 <= lo95 <= value <= hi95 <= hi998

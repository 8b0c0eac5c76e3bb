"""Funnel limits, significance and overdispersion: conformance with PHEindicatormethods and FunnelPlotR.

PHE's test data give the limits at a grid of denominators around the pooled proportion
80.642448% (published to 6 decimal places) and, for ratios, the exact-Poisson funnel as pairs
(observed events, expected count at which they sit on a limit) from a bisection stopped at 1e-7.
No reference publishes φ or τ² for a small data set, so the overdispersion cases are worked by hand
from FunnelPlotR's formulas (``R/od_adjustment.R``), the working shown beside each.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.funnel import (
    adjusted_funnel_limits,
    funnel_limits,
    funnel_significance,
    overdispersion,
    proportion_funnel_limits,
    ratio_funnel_limits,
    ratio_significance,
)
from localstat.engine.schemas import DataError

PHE = "ukhsa-collaboration/PHEindicatormethods tests/testthat/"
PROP_OUT = PHE + "testdata_funnel_prop_outputs.csv"
PROP_IN = PHE + "testdata_funnel_prop_inputs.csv"
RATIO_OUT = PHE + "testdata_funnel_ratio_outputs.csv"
RATIO_IN = PHE + "testdata_funnel_ratio_inputs.csv (commit b79d644, with significance)"
FPR_TEST = "nhs-r-community/FunnelPlotR tests/testthat/test-funnel_plot.R"

PHE_AVERAGE = 0.80642448  # PROP_OUT "Baseline" column, 80.642448%

# (population, lower 95%, upper 95%, lower 99.8%, upper 99.8%) in percent, from PROP_OUT.
PROPORTION_LIMIT_CASES = [
    pytest.param(1, 3.204264, 100, 0, 100, id="n=1-clipped"),
    pytest.param(2, 25.885383, 100, 0, 100, id="n=2-clipped"),
    pytest.param(3, 35.933491, 100, 10.150815, 100, id="n=3"),
    pytest.param(18, 62.390093, 98.894803, 51.864359, 100, id="n=18"),
    pytest.param(41, 68.548635, 92.73626, 61.574398, 99.710497, id="n=41"),
    pytest.param(50, 69.691035, 91.593861, 63.375595, 97.909301, id="n=50"),
    pytest.param(289, 76.087261, 85.197635, 73.460384, 87.824512, id="n=289"),
    pytest.param(1008, 78.203374, 83.081521, 76.796814, 84.488082, id="n=1008"),
    pytest.param(9998, 79.867989, 81.416907, 79.421375, 81.863521, id="n=9998"),
    pytest.param(110000, 80.408963, 80.875933, 80.274317, 81.010578, id="n=110000"),
]


@pytest.mark.parametrize(
    ("population", "lower_95", "upper_95", "lower_998", "upper_998"), PROPORTION_LIMIT_CASES
)
def test_proportion_limits_match_phes_funnel_table(population, lower_95, upper_95, lower_998, upper_998):
    # Given PHE's pooled proportion and a denominator from its axis grid
    # When the unadjusted limits are computed at 95% and 99.8%
    (lo95, hi95), (lo998, hi998) = (
        proportion_funnel_limits([population], PHE_AVERAGE, 0.95),
        proportion_funnel_limits([population], PHE_AVERAGE, 0.998),
    )
    # Then they match PHE's table (in percent, clipped to 0–100 as PHE clips them)
    got = (lo95[0] * 100, hi95[0] * 100, lo998[0] * 100, hi998[0] * 100)
    assert got == pytest.approx((lower_95, upper_95, lower_998, upper_998), abs=2e-6)


# (area, numerator, denominator, significance) from PROP_IN, judged against PHE_AVERAGE.
PROPORTION_SIGNIFICANCE_CASES = [
    pytest.param(35078.4880, 41980, "high_998", id="New Forest PCT"),
    pytest.param(24803.6256, 31824, "low_998", id="Norwich PCT"),
    pytest.param(50050.7443, 61921, "none", id="South Gloucestershire PCT"),
    pytest.param(35795.6324, 45449, "low_998", id="Kingston PCT"),
    pytest.param(18986.0, 22000, "high_998", id="Mansfield District PCT"),
    pytest.param(24648.7596, 30521, "none", id="Central Derby PCT"),
    pytest.param(18550.7595, 22905, "none", id="Hertsmere PCT"),
    pytest.param(26789.2380, 33012, "high_95", id="West Norfolk PCT"),
    pytest.param(36850.0492, 45449, "high_95", id="North Tees PCT"),
    pytest.param(34502.0685, 42485, "high_95", id="Mid-Hampshire PCT"),
    pytest.param(30277.5312, 37828, "low_95", id="North Devon PCT"),
]


@pytest.mark.parametrize(("numerator", "denominator", "expected"), PROPORTION_SIGNIFICANCE_CASES)
def test_proportion_significance_matches_phe(numerator, denominator, expected):
    # Given an area's proportion and the limits at its denominator around PHE's pooled value
    limits = [
        proportion_funnel_limits([denominator], PHE_AVERAGE, confidence)[side]
        for confidence in (0.95, 0.998)
        for side in (0, 1)
    ]
    # When it is judged against them
    result = funnel_significance([numerator / denominator], limits[0], limits[1], limits[2], limits[3])
    # Then the label is PHE's (High (0.001) = high_998, High (0.025) = high_95, ...)
    assert result.tolist() == [expected]


# (observed O, expected E at which O is on the limit, limit ratio O/E, which limit) from RATIO_OUT:
# lower_2s_exp_events pairs with lower_2s_isr/100, and so on.
RATIO_LIMIT_CASES = [
    pytest.param(5.571644585, 0.95, 0, 0.1794802207, id="O=1-lower-95"),
    pytest.param(0.025317898, 0.95, 1, 39.49774946, id="O=1-upper-95"),
    pytest.param(9.233410143, 0.998, 0, 0.1083023482, id="O=1-lower-998"),
    pytest.param(0.001000547, 0.998, 1, 999.4532721, id="O=1-upper-998"),
    pytest.param(11.6683331, 0.95, 0, 0.4285102213, id="O=5-lower-95"),
    pytest.param(1.623486324, 0.95, 1, 3.07979188, id="O=5-upper-95"),
    pytest.param(18.39035799, 0.95, 0, 0.543763205, id="O=10-lower-95"),
    pytest.param(2.960519925, 0.998, 1, 3.37778507, id="O=10-upper-998"),
    pytest.param(121.6268111, 0.95, 0, 0.8221871402, id="O=100-lower-95"),
    pytest.param(71.92139974, 0.998, 1, 1.390406755, id="O=100-upper-998"),
    pytest.param(802.60414, 0.998, 0, 0.8920960712, id="O=716-lower-998"),
    pytest.param(664.5083011, 0.95, 1, 1.077488421, id="O=716-upper-95"),
]


@pytest.mark.parametrize(("expected_count", "confidence", "side", "limit"), RATIO_LIMIT_CASES)
def test_ratio_limits_follow_phes_exact_poisson_funnel(expected_count, confidence, side, limit):
    # Given an expected count from PHE's ratio funnel table
    # When the limit around 1 is computed there
    got = ratio_funnel_limits([expected_count], confidence)[side][0]
    # Then it is PHE's ratio (to the precision of PHE's bisection)
    assert got == pytest.approx(limit, rel=2e-5)


# (observed, expected, significance) from RATIO_IN; below 10 events the exact interval decides.
RATIO_SIGNIFICANCE_CASES = [
    pytest.param(8, 6.239860227, "none", id="8/6.24-exact"),
    pytest.param(6, 4.293052052, "none", id="6/4.29-exact"),
    pytest.param(0, 240.6273499, "low_998", id="0/240.6-zero-events"),
    pytest.param(151, 106.4429719, "high_998", id="151/106.4"),
    pytest.param(159, 232.9329036, "low_998", id="159/232.9"),
    pytest.param(150, 119.5695496, "high_95", id="150/119.6"),
    pytest.param(101, 126.2973615, "low_95", id="101/126.3"),
    pytest.param(16, 36.38844667, "low_998", id="16/36.4"),
    pytest.param(27, 26.73002673, "none", id="27/26.7"),
    pytest.param(48, 64, "low_95", id="48/64"),
    pytest.param(74, 52.09066592, "high_95", id="74/52.1"),
    pytest.param(87, 45.27241505, "high_998", id="87/45.3"),
]


@pytest.mark.parametrize(("observed", "expected_count", "significance"), RATIO_SIGNIFICANCE_CASES)
def test_ratio_significance_matches_phe(observed, expected_count, significance):
    # Given an observed and an expected count
    # When the ratio is judged as PHE judges it (1 against the ratio's exact/Byar's interval)
    labels = ratio_significance([observed], [expected_count])
    table = funnel_limits([observed], [expected_count], statistic="ratio")
    # Then the label is PHE's, both directly and through funnel_limits
    assert labels.tolist() == [significance]
    assert table["significance"].to_list() == [significance]


def test_a_unit_with_no_events_or_all_events_is_judged_like_any_other():
    # Given proportions of 0/500 and 500/500 among middling units
    table = funnel_limits([0, 250, 260, 240, 500], [500, 500, 500, 500, 500], statistic="proportion")
    # Then they are significantly low and high, with limits inside [0, 1]
    assert table["significance"].to_list() == ["low_998", "none", "none", "none", "high_998"]
    assert table["lower_998"].min() >= 0.0
    assert table["upper_998"].max() <= 1.0


def test_the_proportion_funnel_centres_on_the_pooled_proportion_not_the_mean_of_proportions():
    # Given 1/10 and 50/100: pooled 51/110, mean of proportions 0.3
    table = funnel_limits([1, 50], [10, 100], statistic="proportion")
    # Then at n = 100 the limits surround 51/110 as PHE's sigma_adjustment does
    lower, upper = proportion_funnel_limits([100], 51 / 110, 0.95)
    assert (table["lower_95"][1], table["upper_95"][1]) == (lower[0], upper[0])


def test_impossible_funnel_inputs_are_refused_naming_the_row():
    with pytest.raises(DataError, match="must not be greater than the denominator") as raised:
        funnel_limits([5, 12], [10, 10], statistic="proportion")
    assert (raised.value.row, raised.value.column) == (2, "numerator")
    with pytest.raises(DataError, match="must be greater than zero") as raised:
        funnel_limits([5, 1], [10, 0], statistic="ratio")
    assert (raised.value.row, raised.value.column) == (2, "denominator")


def test_rows_with_missing_numbers_are_left_out_and_get_nulls():
    table = funnel_limits([10, np.nan, 30], [100, 100, 100], statistic="proportion")
    assert table.row(1) == (None, None, None, None, None, None)
    # The pooled value is 40/200 = 0.2: the other rows are judged around it.
    lower, _ = proportion_funnel_limits([100], 0.2, 0.95)
    assert table["lower_95"][0] == lower[0]


# --- overdispersion ------------------------------------------------------------------------------


def test_overdispersion_of_proportions_is_fitted_as_funnelplotr_does():
    # Given 10, 20, 30, 40 events out of 100 each (pooled p̄ = 0.25)
    # Hand-worked: z = (asin √p − asin √0.25)·2√100 = −4.036964, −1.199023, 1.120819, 3.222409;
    # R type-7 quantiles 10% / 90%: −3.185582, 2.591932; Winsorised z² sum 19.559936 / 4 = φ;
    # τ² = (4φ − 3) / (1600 − 4·400²/1600) = 16.559936 / 1200.
    result = overdispersion([10, 20, 30, 40], [100, 100, 100, 100], statistic="proportion")
    assert result.phi == pytest.approx(4.889984112060247, rel=1e-12)
    assert result.tau2 == pytest.approx(0.013799947040200825, rel=1e-12)
    assert result.units == 4


def test_overdispersion_of_ratios_uses_the_shmi_log_scale():
    # Given FunnelPlotR's own test data (FPR_TEST): O = 100, 150, 180, 80, 120, 225 and
    # E = 108, 112, 165, 95, 100, 220. Hand-worked: z = √E·ln(O/E); with six units every
    # truncation group ⌊rank·10/7⌋ is 1..8, so all are kept; φ = Σz²/6, w = E,
    # τ² = (6φ − 5)/(Σw − Σw²/Σw).
    result = overdispersion([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220], statistic="ratio")
    assert result.phi == pytest.approx(2.948033175102358, rel=1e-12)
    assert result.tau2 == pytest.approx(0.01947753057802157, rel=1e-12)
    assert result.units == 6


def test_overdispersion_of_ratios_truncates_the_outer_tenths():
    # Given twelve units: the lowest z (rank 1 → group ⌊10/13⌋ = 0) and the highest (rank 12 →
    # group ⌊120/13⌋ = 9) are truncated, leaving ten, whose φ = 0.920497 ≤ 1
    observed = [30, 45, 52, 61, 70, 88, 95, 120, 131, 150, 171, 240]
    expected = [40, 40, 50, 60, 60, 90, 100, 100, 120, 150, 150, 200]
    result = overdispersion(observed, expected, statistic="ratio")
    assert result.units == 10
    assert result.phi == pytest.approx(0.9204966888789589, rel=1e-12)
    # τ² is a sliver above zero (10φ > 9) but φ ≤ 1: no adjustment
    assert result.tau2 == pytest.approx(0.00025223319647728906, rel=1e-9)
    assert not result.adjusts


def test_phi_at_or_below_one_falls_back_to_the_unadjusted_limits():
    # Given the twelve units above, whose φ ≤ 1
    observed = [30, 45, 52, 61, 70, 88, 95, 120, 131, 150, 171, 240]
    expected = [40, 40, 50, 60, 60, 90, 100, 100, 120, 150, 150, 200]
    # When Spiegelhalter's adjustment is asked for
    adjusted = funnel_limits(observed, expected, statistic="ratio", overdispersion_method="spiegelhalter")
    plain = funnel_limits(observed, expected, statistic="ratio")
    # Then the limits and judgements are PHE's unadjusted ones, and τ² applied is 0
    assert adjusted.drop("phi", "tau2").equals(plain)
    assert adjusted["tau2"].unique().to_list() == [0.0]
    assert adjusted["phi"][0] == pytest.approx(0.9204966888789589, rel=1e-12)


def test_identical_proportions_show_no_overdispersion():
    result = overdispersion([20, 40, 60], [100, 200, 300], statistic="proportion")
    assert (result.phi, result.tau2) == (0.0, 0.0)


def test_overdispersed_limits_widen_by_tau2_on_the_transformed_scale():
    # Given τ² = 0.01 at E = 100: FunnelPlotR's SHMI limits exp(±1.959964·√(1/100 + 0.01)),
    # by hand exp(±0.277181) = 0.757917, 1.319405
    lower, upper = adjusted_funnel_limits([100.0], statistic="ratio", target=1.0, tau2=0.01, confidence=0.95)
    assert (lower[0], upper[0]) == pytest.approx((0.757917, 1.319405), abs=1e-6)
    # and for a proportion 0.25 at n = 100: sin²(π/6 ∓ 1.959964·√(1/400 + 0.01)) = 0.089872, 0.457383
    lower, upper = adjusted_funnel_limits(
        [100.0], statistic="proportion", target=0.25, tau2=0.01, confidence=0.95
    )
    assert (lower[0], upper[0]) == pytest.approx((0.089872, 0.457383), abs=1e-6)


def test_overdispersion_adjustment_judges_against_the_widened_limits():
    # Given the four overdispersed proportions of the φ = 4.89 case
    table = funnel_limits(
        [10, 20, 30, 40], [100, 100, 100, 100], statistic="proportion", overdispersion_method="spiegelhalter"
    )
    # Then φ and τ² are reported on every row and the wider limits leave every unit within 99.8%
    assert table["phi"].to_list() == pytest.approx([4.889984112060247] * 4)
    assert table["tau2"].to_list() == pytest.approx([0.013799947040200825] * 4)
    assert set(table["significance"].to_list()) <= {"low_95", "none", "high_95"}
    plain = funnel_limits([10, 20, 30, 40], [100, 100, 100, 100], statistic="proportion")
    assert plain["significance"].to_list() == ["low_998", "none", "none", "high_998"]


# --- properties ----------------------------------------------------------------------------------


@settings(deadline=None, max_examples=200)
@given(
    denominator=st.integers(min_value=1, max_value=10**7),
    average=st.floats(min_value=0.0, max_value=1.0),
)
def test_proportion_limits_nest_and_contain_the_pooled_value(denominator, average):
    lo95, hi95 = proportion_funnel_limits([denominator], average, 0.95)
    lo998, hi998 = proportion_funnel_limits([denominator], average, 0.998)
    assert 0.0 <= lo998[0] <= lo95[0] <= average + 1e-12
    assert average - 1e-12 <= hi95[0] <= hi998[0] <= 1.0


@settings(deadline=None, max_examples=200)
@given(expected=st.floats(min_value=0.01, max_value=1e6))
def test_ratio_limits_nest_around_one(expected):
    lo95, hi95 = ratio_funnel_limits([expected], 0.95)
    lo998, hi998 = ratio_funnel_limits([expected], 0.998)
    assert 0.0 <= lo998[0] <= lo95[0] <= 1.0 <= hi95[0] <= hi998[0]

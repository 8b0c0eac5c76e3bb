"""Comparison with benchmarks and targets: conformance with Fingertips' comparer tests, and properties.

Fingertips' tests use PolarityIds.RagLowIsGood (0) and RagHighIsGood (1); Significance Best/Better/
Same/Worse/Worst/None map to significantly_better/better/similar/worse/significantly_worse/
not_compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localstat.engine.comparison import (
    Comparison,
    compare_with_benchmark,
    compare_with_target,
    swap_polarity,
)
from localstat.engine.schemas import DataError

FT = "ukhsa-collaboration/fingertips-open PholioVisualisationWS/AnalysisTest/"
ONE_LEVEL = FT + "SingleOverlappingCIsComparatorTest.cs"
TWO_LEVELS = FT + "SingleOverlappingCIsForTwoCILevelsComparerTest.cs"
TARGET = FT + "SingleValueTargetComparerTest.cs"
NAN = math.nan

# (benchmark, value, lower_95, upper_95, polarity, expected)
ONE_LEVEL_CASES = [
    pytest.param(11, 11, 10, 12, "lower", "similar", id="same-exactly-low"),  # ONE_LEVEL TestSameExactly
    pytest.param(11, 11, 10, 12, "higher", "similar", id="same-exactly-high"),  # ONE_LEVEL TestSameExactly
    pytest.param(3.0, 3.05, 2.7, 3.1, "lower", "similar", id="same"),  # ONE_LEVEL TestSame
    pytest.param(3.0, 3.3, 3.2, 3.5, "lower", "worse", id="higher-low-good"),  # ONE_LEVEL TestHigher
    pytest.param(3.0, 3.3, 3.2, 3.5, "higher", "better", id="higher-high-good"),  # ONE_LEVEL TestHigher
    pytest.param(3.0, 2.5, 2.2, 2.8, "lower", "better", id="lower-low-good"),  # ONE_LEVEL TestLower
    pytest.param(3.0, 2.5, 2.2, 2.8, "higher", "worse", id="lower-high-good"),  # ONE_LEVEL TestLower
    pytest.param(3.0, NAN, NAN, NAN, "lower", "not_compared", id="no-data"),  # ONE_LEVEL TestMinusOneData
    pytest.param(
        NAN, 2.5, 2.2, 2.8, "higher", "not_compared", id="no-benchmark"
    ),  # ONE_LEVEL TestMinusOneParent
    pytest.param(3.0, 4.0, NAN, 4.1, "lower", "not_compared", id="no-lower-ci"),  # ONE_LEVEL TestNoCIs...
    pytest.param(3.0, 4.0, 4.0, NAN, "lower", "not_compared", id="no-upper-ci"),  # ONE_LEVEL TestNoCIs...
]


@pytest.mark.parametrize(("benchmark", "value", "lower", "upper", "polarity", "expected"), ONE_LEVEL_CASES)
def test_it_judges_against_a_benchmark_as_fingertips_does_at_one_level(
    benchmark, value, lower, upper, polarity, expected
):
    # Given a value with its 95% interval and a benchmark
    # When it is compared at one level
    result = compare_with_benchmark([value], [lower], [upper], [benchmark], polarity=polarity)
    # Then the judgement is Fingertips'
    assert result.tolist() == [expected]


# Data 2.6 (95%: 2.5–2.7, 99.8%: 2.3–2.9) against benchmarks around it (TWO_LEVELS).
TWO_LEVEL_CASES = [
    pytest.param(3.0, "lower", "significantly_better", id="above-998-low-good"),  # Higher_Than_Upper_99_8
    pytest.param(3.0, "higher", "significantly_worse", id="above-998-high-good"),  # Higher_Than_Upper_99_8
    pytest.param(2.8, "lower", "better", id="between-upper-cis-low-good"),  # Between_Upper_CIs
    pytest.param(2.8, "higher", "worse", id="between-upper-cis-high-good"),  # Between_Upper_CIs
    pytest.param(2.6, "lower", "similar", id="same-low-good"),  # TestSame
    pytest.param(2.6, "higher", "similar", id="same-high-good"),  # TestSame
    pytest.param(2.4, "lower", "worse", id="between-lower-cis-low-good"),  # Between_Lower_CIs
    pytest.param(2.4, "higher", "better", id="between-lower-cis-high-good"),  # Between_Lower_CIs
    pytest.param(2.2, "lower", "significantly_worse", id="below-998-low-good"),  # Lower_Than_Upper_99_8
    pytest.param(2.2, "higher", "significantly_better", id="below-998-high-good"),  # Lower_Than_Upper_99_8
]


@pytest.mark.parametrize(("benchmark", "polarity", "expected"), TWO_LEVEL_CASES)
def test_it_judges_against_a_benchmark_as_fingertips_does_at_two_levels(benchmark, polarity, expected):
    # Given the value 2.6 with its 95% and 99.8% intervals
    # When it is compared with a benchmark at two levels
    result = compare_with_benchmark(
        [2.6], [2.5], [2.7], [benchmark], polarity=polarity, lower_998=[2.3], upper_998=[2.9]
    )
    # Then the judgement is Fingertips' two-level one
    assert result.tolist() == [expected]


def test_a_benchmark_on_a_95_limit_is_similar_and_on_a_998_limit_not_significant():
    # Given benchmarks exactly on the 95% and on the 99.8% lower limits (Fingertips' bounds are
    # inclusive: 2.5 ≤ b ≤ 2.7 is the same, 2.3 ≤ b ≤ 2.5 is better/worse, not best/worst)
    result = compare_with_benchmark(
        [2.6, 2.6],
        [2.5, 2.5],
        [2.7, 2.7],
        [2.5, 2.3],
        polarity="higher",
        lower_998=[2.3] * 2,
        upper_998=[2.9] * 2,
    )
    # Then the first is similar and the second only better
    assert result.tolist() == ["similar", "better"]


def test_neutral_polarity_is_not_compared():
    # Given a value clearly above its benchmark but an indicator with no better direction
    # (Fingertips IndicatorComparer.IsPolarityValid refuses PolarityIds.NotApplicable)
    result = compare_with_benchmark(
        [5.0], [4.0], [6.0], [1.0], polarity="neutral", lower_998=[3.0], upper_998=[7.0]
    )
    # Then nothing is judged
    assert result.tolist() == ["not_compared"]


def test_a_row_without_998_limits_is_judged_at_one_level():
    # Given 99.8% limits missing on one row
    result = compare_with_benchmark(
        [3.3, 3.3],
        [3.2, 3.2],
        [3.5, 3.5],
        [1.0, 1.0],
        polarity="higher",
        lower_998=[3.0, NAN],
        upper_998=[3.7, NAN],
    )
    # Then that row is better rather than significantly better
    assert result.tolist() == ["significantly_better", "better"]


def test_limits_out_of_order_are_refused_naming_the_row():
    # Given an upper limit below the lower on row 2
    with pytest.raises(DataError) as raised:
        compare_with_benchmark([1.0, 1.0], [0.5, 0.9], [1.5, 0.8], [1.0, 1.0], polarity="higher")
    # Then the error names row 2 and upper_95
    assert (raised.value.row, raised.value.column) == (2, "upper_95")


# (value or interval, polarity, expected) against the target 10 (TARGET).
TARGET_VALUE_CASES = [
    pytest.param(9.0, "lower", "better", id="9-low-good"),  # TestCompareRagLowIsGood
    pytest.param(10.0, "lower", "better", id="10-low-good"),  # TestCompareRagLowIsGood
    pytest.param(11.0, "lower", "worse", id="11-low-good"),  # TestCompareRagLowIsGood
    pytest.param(9.0, "higher", "worse", id="9-high-good"),  # TestCompareRagHighIsGood
    pytest.param(10.0, "higher", "better", id="10-high-good"),  # TestCompareRagHighIsGood
    pytest.param(11.0, "higher", "better", id="11-high-good"),  # TestCompareRagHighIsGood
]


@pytest.mark.parametrize(("value", "polarity", "expected"), TARGET_VALUE_CASES)
def test_a_value_meets_or_misses_its_target_as_fingertips_judges(value, polarity, expected):
    # Given a value and the target 10
    result = compare_with_target([value], [10.0], polarity=polarity)
    # Then met is better and missed worse, a value on the target meeting it either way
    assert result.tolist() == [expected]


TARGET_INTERVAL_CASES = [
    pytest.param(8.0, 9.0, "lower", "better", id="8-9-low-good"),  # TestCompareRagLowIsGoodForCIsComparison
    pytest.param(
        9.0, 11.0, "lower", "similar", id="9-11-low-good"
    ),  # TestCompareRagLowIsGoodForCIsComparison
    pytest.param(
        11.0, 12.0, "lower", "worse", id="11-12-low-good"
    ),  # TestCompareRagLowIsGoodForCIsComparison
    pytest.param(8.0, 9.0, "higher", "worse", id="8-9-high-good"),  # TestCompareRagHighIsGoodForCIsComparison
    pytest.param(
        9.0, 11.0, "higher", "similar", id="9-11-high-good"
    ),  # TestCompareRagHighIsGoodForCIsComparison
    pytest.param(
        11.0, 12.0, "higher", "better", id="11-12-high-good"
    ),  # TestCompareRagHighIsGoodForCIsComparison
    pytest.param(
        10.0, 10.0, "lower", "worse", id="on-target-low-good"
    ),  # TestUseCIsComparisonWhenCIsEqualLimit
    pytest.param(NAN, NAN, "lower", "not_compared", id="no-cis"),  # TestUseCIsComparisonWhenNoCIs
]


@pytest.mark.parametrize(("lower", "upper", "polarity", "expected"), TARGET_INTERVAL_CASES)
def test_an_interval_meets_misses_or_straddles_its_target_as_fingertips_judges(
    lower, upper, polarity, expected
):
    # Given an interval and the target 10
    result = compare_with_target([NAN], [10.0], polarity=polarity, lower=[lower], upper=[upper])
    # Then lower limit ≥ target and upper limit < target decide, read through polarity
    assert result.tolist() == [expected]


def test_a_neutral_indicator_is_not_compared_with_its_target():
    # Given a neutral indicator
    result = compare_with_target([12.0], [10.0], polarity="neutral")
    # Then there is no judgement
    assert result.tolist() == ["not_compared"]


def test_an_unknown_polarity_is_refused():
    with pytest.raises(ValueError, match="polarity must be higher, lower or neutral"):
        compare_with_benchmark([1.0], [0.0], [2.0], [1.0], polarity="up")


# --- properties ----------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
width = st.floats(min_value=0.0, max_value=1e3, allow_nan=False)


@settings(deadline=None, max_examples=300)
@given(value=finite, w95=width, extra=width, benchmark=finite)
def test_reversing_polarity_swaps_better_and_worse(value, w95, extra, benchmark):
    lower, upper = value - w95, value + w95
    lower_998, upper_998 = lower - extra, upper + extra
    args = ([value], [lower], [upper], [benchmark])
    higher = compare_with_benchmark(*args, polarity="higher", lower_998=[lower_998], upper_998=[upper_998])
    lower_is_better = compare_with_benchmark(
        *args, polarity="lower", lower_998=[lower_998], upper_998=[upper_998]
    )
    assert swap_polarity(higher).tolist() == lower_is_better.tolist()


@settings(deadline=None, max_examples=300)
@given(lower=finite, w=width, target=finite)
def test_reversing_polarity_swaps_met_and_missed_for_intervals(lower, w, target):
    upper = lower + w
    higher = compare_with_target([NAN], [target], polarity="higher", lower=[lower], upper=[upper])
    lower_is_better = compare_with_target([NAN], [target], polarity="lower", lower=[lower], upper=[upper])
    assert swap_polarity(higher).tolist() == lower_is_better.tolist()


@settings(deadline=None, max_examples=200)
@given(value=finite, w95=width, extra=width, benchmark=finite)
def test_a_significant_judgement_implies_the_one_level_judgement(value, w95, extra, benchmark):
    one = compare_with_benchmark([value], [value - w95], [value + w95], [benchmark], polarity="higher")
    two = compare_with_benchmark(
        [value],
        [value - w95],
        [value + w95],
        [benchmark],
        polarity="higher",
        lower_998=[value - w95 - extra],
        upper_998=[value + w95 + extra],
    )
    assert two[0].replace("significantly_", "") == one[0]


def test_every_label_is_a_comparison_value():
    labels = compare_with_benchmark(
        np.arange(5.0), np.arange(5.0) - 1, np.arange(5.0) + 1, [2.0] * 5, polarity="lower"
    )
    assert set(labels.tolist()) <= {c.value for c in Comparison}

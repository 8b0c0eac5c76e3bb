"""Data quality: outlier scores and validation rules as METHODS.md ("Data quality (DHIS2)") defines them.

References: DHIS2 Documentation, "Data quality" (outlier detection: z score with the population standard
deviation, threshold 3; modified z score 0.6745·|x − median|/MAD, threshold 3.5, after Iglewicz and
Hoaglin 1993) and "Validation rules" (left side, operator, right side, importance, missing value
strategy per side: SKIP_IF_ANY_VALUE_MISSING, SKIP_IF_ALL_VALUES_MISSING, NEVER_SKIP).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from localstat.engine.quality import (
    ExpressionError,
    Operator,
    ValidationRule,
    expression_items,
    outlier_scores,
    validation_failures,
)


def test_z_uses_the_population_standard_deviation_of_each_series_on_its_own() -> None:
    # given two series, one with a spike
    a = [10.0, 11.0, 12.0] * 4 + [50.0]
    b = [100.0, 101.0, 99.0, 100.0]
    frame = pl.DataFrame({"series": ["a"] * len(a) + ["b"] * len(b), "value": a + b})
    # when they are scored
    scored = outlier_scores(frame)
    # then each z is |x − mean| / SD (ddof 0) within its own series
    for name, values in (("a", a), ("b", b)):
        x = np.array(values)
        expected = np.abs(x - x.mean()) / x.std(ddof=0)
        got = scored.filter(pl.col("series") == name)["z"].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    # and only the spike reaches z ≥ 3
    assert scored.filter("z_outlier")["value"].to_list() == [50.0]


def test_modified_z_is_0_6745_times_the_distance_from_the_median_over_the_mad() -> None:
    x = np.array([2.0, 3.0, 3.0, 4.0, 5.0, 5.0, 30.0])
    scored = outlier_scores(pl.DataFrame({"series": "s", "value": x}))
    median = np.median(x)
    mad = np.median(np.abs(x - median))
    np.testing.assert_allclose(scored["modified_z"].to_numpy(), 0.6745 * np.abs(x - median) / mad)
    # 30 is 26 from the median 4 with MAD 1: Mz = 17.537 ≥ 3.5; 2 gives 1.349, not an outlier
    assert scored.filter("modified_z_outlier")["value"].to_list() == [30.0]


def test_a_series_with_no_spread_is_excluded_not_flagged() -> None:
    # SD 0 → no z; MAD 0 → modified z never flags (DHIS2)
    scored = outlier_scores(pl.DataFrame({"series": "s", "value": [7.0, 7.0, 7.0, 7.0, 9.0]}))
    assert scored["modified_z"].to_list() == [None] * 5
    assert not scored["modified_z_outlier"].any()
    flat = outlier_scores(pl.DataFrame({"series": "s", "value": [3.0, 3.0]}))
    assert flat["z"].to_list() == [None, None]
    assert not flat["z_outlier"].any()


def test_missing_values_are_left_out_of_the_statistics_and_never_flagged() -> None:
    frame = pl.DataFrame({"series": "s", "value": [1.0, None, 2.0, 3.0]})
    scored = outlier_scores(frame)
    assert scored["z"][1] is None
    assert scored["z_outlier"][1] is False
    np.testing.assert_allclose(scored["z"][0], abs(1.0 - 2.0) / np.std([1.0, 2.0, 3.0]))


def test_several_key_columns_name_a_series() -> None:
    frame = pl.DataFrame(
        {"unit": ["U1", "U1", "U2", "U2"], "indicator": "X", "value": [1.0, 3.0, 10.0, 30.0]}
    )
    scored = outlier_scores(frame, series=["unit", "indicator"])
    assert scored["z"].to_list() == [1.0, 1.0, 1.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40),
    shift=st.floats(-1e3, 1e3, allow_nan=False),
    scale=st.floats(0.5, 20.0),
)
def test_scores_do_not_change_when_a_series_is_shifted_or_rescaled(values, shift, scale) -> None:
    # A spread lost in floating-point rounding after the shift cannot keep its scores: neither the
    # range (which scales z) nor the median absolute deviation (which scales the modified z) may be
    # that small next to the values' size (hypothesis found [0, 1, 1e-9] shifted by 32: a MAD of 1e-9).
    size = max(abs(v) for v in values) * scale + abs(shift) + 1
    mad = float(np.median(np.abs(np.asarray(values) - np.median(values))))
    assume(max(values) - min(values) > 1e-6 * size and mad > 1e-6 * size)
    base = outlier_scores(pl.DataFrame({"series": "s", "value": values}))
    moved = outlier_scores(pl.DataFrame({"series": "s", "value": [v * scale + shift for v in values]}))
    for column in ("z", "modified_z"):
        a, b = base[column].to_numpy(), moved[column].to_numpy()
        both = ~np.isnan(a.astype(float)) & ~np.isnan(b.astype(float))
        np.testing.assert_allclose(a[both].astype(float), b[both].astype(float), rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(value=st.floats(-1e6, 1e6, allow_nan=False), n=st.integers(1, 30))
def test_a_constant_series_never_flags(value, n) -> None:
    scored = outlier_scores(pl.DataFrame({"series": "s", "value": [value] * n}))
    assert not scored["z_outlier"].any()
    assert not scored["modified_z_outlier"].any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=10))
def test_ten_points_or_fewer_can_never_reach_z_3(values) -> None:
    # The largest z in n points with the population SD is (n − 1)/√n: below 3 until n = 11.
    scored = outlier_scores(pl.DataFrame({"series": "s", "value": values}))
    assert not scored["z_outlier"].any()


# Validation rules


RETURNS = pl.DataFrame(
    {
        "unit": ["A", "B", "C", "D"],
        "ADM.numerator": [150.0, 20.0, None, None],
        "ATT.numerator": [80.0, 90.0, 70.0, None],
        "ATT.denominator": [100.0, 100.0, 100.0, None],
    }
)


def _broken(rule: ValidationRule) -> list[str]:
    return validation_failures(RETURNS, [rule], keys=["unit"])["unit"].to_list()


@pytest.mark.parametrize(
    ("operator", "broken"),
    [
        ("<=", ["A"]),
        ("less_than_or_equal_to", ["A"]),
        ("<", ["A"]),
        (">", ["B"]),
        (">=", ["B"]),
        ("==", ["A", "B"]),
        ("!=", []),
    ],
)
def test_each_operator_compares_the_left_side_with_the_right(operator, broken) -> None:
    assert _broken(ValidationRule("r", "ADM", operator, "ATT.denominator")) == broken


def test_skip_if_any_value_missing_skips_a_side_with_one_item_missing() -> None:
    rule = ValidationRule("r", "ADM + ATT", "<=", "100", left_missing="skip_if_any_value_missing")
    # A: 230 > 100 broken; B: 110 broken; C and D have ADM missing: skipped
    assert _broken(rule) == ["A", "B"]


def test_skip_if_all_values_missing_counts_a_missing_item_as_zero_until_all_are_missing() -> None:
    rule = ValidationRule("r", "ADM + ATT", ">=", "75", left_missing="skip_if_all_values_missing")
    # C: 0 + 70 < 75 broken; D: all missing, skipped
    assert _broken(rule) == ["C"]


def test_never_skip_counts_every_missing_item_as_zero() -> None:
    rule = ValidationRule("r", "ADM + ATT", ">=", "75", left_missing="never_skip")
    assert _broken(rule) == ["C", "D"]


def test_a_rule_naming_an_item_no_return_has_counts_it_as_missing() -> None:
    rule = ValidationRule("r", "GHOST", ">=", "1", left_missing="never_skip")
    assert _broken(rule) == ["A", "B", "C", "D"]
    assert _broken(ValidationRule("r", "GHOST", ">=", "1")) == []


def test_a_failure_carries_the_evidence_a_page_shows() -> None:
    rule = ValidationRule("adm_le_att", "ADM", "<=", "ATT.denominator", importance="high")
    row = validation_failures(RETURNS, [rule], keys=["unit"]).row(0, named=True)
    assert row == {
        "unit": "A",
        "rule": "adm_le_att",
        "importance": "high",
        "left": 150.0,
        "operator": "≤",
        "right": 100.0,
    }


def test_no_rules_give_an_empty_frame_with_the_keys() -> None:
    assert validation_failures(RETURNS, [], keys=["unit"]).columns == [
        "unit",
        "rule",
        "importance",
        "left",
        "operator",
        "right",
    ]


def test_expressions_read_numerators_by_default_and_keep_arithmetic() -> None:
    assert expression_items("(A.denominator - B) / 2 * C") == ["A.denominator", "B.numerator", "C.numerator"]
    values = pl.DataFrame({"k": [1], "A.denominator": [10.0], "B.numerator": [4.0], "C.numerator": [3.0]})
    rule = ValidationRule("r", "(A.denominator - B) / 2 * C", "==", "-(-9)")
    assert validation_failures(values, [rule], keys=["k"]).height == 0


@pytest.mark.parametrize(
    "bad", ["ADM ** 2", "import os", "adm", "ADM.value", "__import__('os')", "ADM +", "'text'"]
)
def test_an_expression_outside_the_small_language_is_refused(bad) -> None:
    with pytest.raises(ExpressionError):
        ValidationRule("r", bad, "<=", "1")


def test_an_unknown_operator_or_strategy_is_refused() -> None:
    with pytest.raises(ExpressionError, match="not an operator"):
        Operator.parse("≈")
    with pytest.raises(ValueError):
        ValidationRule("r", "A", "<", "B", left_missing="sometimes")

"""Values with confidence intervals (METHODS.md, "Values and confidence intervals").

The methods and thresholds are those of Public Health England / OHID's PHEindicatormethods and the
APHO technical guide: Wilson score intervals for proportions; for counts, rates and indirectly
standardised ratios the exact Poisson (chi-squared) interval below 10 events and Byar's
approximation from 10. Every function works on whole arrays at once.

z = Φ⁻¹(c + (1 − c)/2) for confidence level c; LocalStat reports both 95% and 99.8%.

>>> table = value_with_intervals([65, 3], [100, 1000], statistic="rate", multiplier=1000)
>>> table["method"].to_list()
['byars', 'exact']
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.special import gammaincinv, ndtri

from localstat.engine.schemas import check_rows

__all__ = [
    "CONFIDENCE_LEVELS",
    "EXACT_BELOW",
    "Statistic",
    "byars_interval",
    "count_interval",
    "exact_poisson_interval",
    "value_with_intervals",
    "wilson_interval",
    "z_value",
]

FloatArray = npt.NDArray[np.float64]
Statistic = Literal["proportion", "rate", "ratio"]

#: The two levels every interval is reported at, with the suffix of their column names.
CONFIDENCE_LEVELS: tuple[tuple[float, str], ...] = ((0.95, "95"), (0.998, "998"))

#: Counts below this use the exact Poisson interval, counts at or above it Byar's (PHE guidance).
EXACT_BELOW = 10

_DEFAULT_MULTIPLIER: dict[str, float] = {"proportion": 1.0, "rate": 100_000.0, "ratio": 1.0}


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level between 0 and 1.

    >>> round(z_value(0.95), 6), round(z_value(0.998), 6)
    (1.959964, 3.090232)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), not {confidence}")
    return float(ndtri(confidence + (1.0 - confidence) / 2.0))


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def wilson_interval(
    numerator: npt.ArrayLike, denominator: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for proportions x / n, as fractions.

    lower/upper = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)). Refuses x < 0, n ≤ 0 and x > n,
    naming the 1-based row; NaN in gives NaN out.

    >>> lower, upper = wilson_interval([65, 0, 10], [100, 10, 10])
    >>> np.round(lower, 6).tolist(), np.round(upper, 6).tolist()
    ([0.552544, 0.0, 0.722467], [0.736358, 0.277533, 1.0])
    """
    x, n = _floats(numerator), _floats(denominator)
    _check_proportion(x, n)
    z = z_value(confidence)
    centre = 2.0 * x + z * z
    # x/n is undefined only where n is NaN, and NaN already propagates.
    spread = z * np.sqrt(z * z + 4.0 * x * (1.0 - x / n))
    scale = 2.0 * (n + z * z)
    lower, upper = (centre - spread) / scale, (centre + spread) / scale
    # At x = 0 and x = n the limits are exactly 0 and 1; √(z²) need not round back to z exactly.
    return np.where(x == 0, 0.0, lower), np.where(x == n, 1.0, upper)


def byars_interval(count: npt.ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Byar's approximation to the Poisson interval for an observed count.

    lower = x·(1 − 1/(9x) − z/(3√x))³, upper = (x+1)·(1 − 1/(9(x+1)) + z/(3√(x+1)))³. As in
    PHEindicatormethods, the lower limit is NaN where it is undefined (x = 0) or negative (tiny
    counts at high confidence): use :func:`count_interval`, which switches to the exact interval
    below 10 events.

    >>> lower, upper = byars_interval([65, 0])
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4), bool(np.isnan(lower[1]))
    (50.1632, 82.8491, True)
    """
    x = _floats(count)
    check_rows(x < 0, "numerator", "must be zero or more", x)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3
    lower = np.where((x > 0) & (lower >= 0), lower, np.nan)
    above = x + 1.0
    upper = above * (1.0 - 1.0 / (9.0 * above) + z / (3.0 * np.sqrt(above))) ** 3
    return lower, upper


def exact_poisson_interval(count: npt.ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (chi-squared) Poisson interval for an observed count.

    lower = χ²((1−c)/2; 2x)/2 (0 when x = 0), upper = χ²(c + (1−c)/2; 2x + 2)/2, computed as
    inverse regularised incomplete gamma functions (χ²(p; 2a)/2 is the p-quantile of Gamma(a)).

    >>> lower, upper = exact_poisson_interval([0, 1, 9])
    >>> np.round(lower, 6).tolist(), np.round(upper, 6).tolist()
    ([0.0, 0.025318, 4.115373], [3.688879, 5.571643, 17.084803])
    """
    x = _floats(count)
    check_rows(x < 0, "numerator", "must be zero or more", x)
    alpha = 1.0 - confidence
    z_value(confidence)  # validates the level
    positive = x > 0
    # Gamma(0) is degenerate at zero: the lower limit of a zero count is zero by definition.
    lower = np.where(positive, gammaincinv(np.where(positive, x, 1.0), alpha / 2.0), 0.0)
    upper = gammaincinv(x + 1.0, 1.0 - alpha / 2.0)
    lower = np.where(np.isnan(x), np.nan, lower)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def count_interval(
    count: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.str_]]:
    """Interval for an observed count: exact below 10 events, Byar's from 10 (PHE guidance).

    Returns ``(lower, upper, method)`` with method ``"exact"`` or ``"byars"`` per element.

    >>> lower, upper, method = count_interval([9, 10])
    >>> method.tolist(), round(float(upper[0]), 4), round(float(upper[1]), 4)
    (['exact', 'byars'], 17.0848, 18.3915)
    """
    x = _floats(count)
    exact_lower, exact_upper = exact_poisson_interval(x, confidence)
    byars_lower, byars_upper = byars_interval(x, confidence)
    exact = x < EXACT_BELOW
    method = np.where(exact, "exact", "byars")
    return np.where(exact, exact_lower, byars_lower), np.where(exact, exact_upper, byars_upper), method


def _check_proportion(x: FloatArray, n: FloatArray) -> None:
    check_rows(x < 0, "numerator", "must be zero or more", x)
    check_rows(n <= 0, "denominator", "must be greater than zero", n)
    check_rows(x > n, "numerator", "must not be greater than the denominator for a proportion", x)


def value_with_intervals(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    statistic: Statistic,
    multiplier: float | None = None,
) -> pl.DataFrame:
    """Value and 95% / 99.8% intervals for every row, by the statistic's published method.

    - ``proportion``: x / n by Wilson score (``method`` = ``wilson``);
    - ``rate``: x / n (crude rate) and ``ratio``: observed / expected (indirectly standardised
      ratio), by the exact Poisson interval when x < 10 and Byar's from 10 (``exact``, ``byars``),
      limits on the count divided by n.

    Everything is multiplied by ``multiplier`` (default 1 for proportions and ratios, 100,000 for
    rates). A row with a missing numerator or denominator gets nulls. Returns the columns
    ``value, lower_95, upper_95, lower_998, upper_998, method`` in input order.

    >>> value_with_intervals([65, 0], [100, 100], statistic="proportion", multiplier=100).row(0)
    (65.0, 55.2544..., 73.6357..., 49.5494..., 77.8354..., 'wilson')
    >>> value_with_intervals([3], [2.5], statistic="ratio")["upper_95"].round(6).to_list()
    [3.506909]
    """
    if statistic not in _DEFAULT_MULTIPLIER:
        raise ValueError(f"statistic must be proportion, rate or ratio, not {statistic!r}")
    x, n = _floats(numerator), _floats(denominator)
    if x.shape != n.shape:
        raise ValueError(f"numerator has {x.size} values but denominator has {n.size}")
    scale = _DEFAULT_MULTIPLIER[statistic] if multiplier is None else float(multiplier)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"multiplier must be a positive number, not {multiplier}")
    present = ~(np.isnan(x) | np.isnan(n))
    check_rows(present & (x < 0), "numerator", "must be zero or more", x)
    check_rows(present & (n <= 0), "denominator", "must be greater than zero", n)
    columns: dict[str, FloatArray | npt.NDArray[np.str_]] = {}
    with np.errstate(invalid="ignore"):
        columns["value"] = np.where(present, x / np.where(present, n, 1.0) * scale, np.nan)
    method: npt.NDArray[np.str_] = np.full(x.shape, "wilson")
    for confidence, suffix in CONFIDENCE_LEVELS:
        if statistic == "proportion":
            lower, upper = wilson_interval(x, n, confidence)
        else:
            lower_count, upper_count, method = count_interval(x, confidence)
            lower, upper = lower_count / n, upper_count / n
        columns[f"lower_{suffix}"] = lower * scale
        columns[f"upper_{suffix}"] = upper * scale
    frame = pl.DataFrame(
        {name: pl.Series(name, values).fill_nan(None) for name, values in columns.items()}
    ).with_columns(method=pl.Series("method", method).cast(pl.String))
    return frame.with_columns(pl.when(pl.Series(present)).then(pl.col("method")).alias("method"))

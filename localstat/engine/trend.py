"""Direction of travel: Fingertips' recent trend (METHODS.md, "Direction of travel: recent trend").

Each series' last five usable points (t = 1..5, oldest first; missing periods are skipped) are fitted
by weighted least squares with wᵢ = 1/σᵢ², σᵢ = (upper₉₅ − lower₉₅)/3.92:
S1 = Σw, S2 = Σw·v·t, S3 = Σw·t, S4 = Σw·v, S5 = Σw·t²; slope = (S1·S2 − S3·S4)/(S1·S5 − S3²),
SE = √(S1/(S1·S5 − S3²)), χ² = (slope/SE)². The trend is significant when χ² > 9.54953570608324
(χ²₁ at 99.8%) and the slope keeps its sign in every fit that leaves one of the five points out;
then it is increasing or decreasing by the slope's sign, otherwise no change. Fewer than five points:
cannot be calculated. This follows Fingertips' ``TrendMarkerCalculator`` (interval-weighted form),
including its sign rule (a slope of exactly zero counts as positive).

A point is usable when its value and both limits are present and the interval has width (a
zero-width interval has no weight to give).

>>> frame = pl.DataFrame({"series": "s", "period": [1, 2, 3, 4, 5], "value": [1.0, 2, 3, 4, 5],
...                       "lower_95": [0.9, 1.9, 2.9, 3.9, 4.9], "upper_95": [1.1, 2.1, 3.1, 4.1, 5.1]})
>>> recent_trend(frame)["trend"].to_list()
['increasing']
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import polars as pl

from localstat.engine.comparison import Polarity
from localstat.engine.panels import pack, series_panel
from localstat.engine.schemas import check_rows, float_column, require_columns

__all__ = ["CHI2_998", "POINTS", "Trend", "read_trend", "recent_trend", "trend_of_points"]

FloatArray = npt.NDArray[np.float64]

#: χ²₁ at 99.8% (Excel ``CHIINV(0.002, 1)``), Fingertips' significance threshold.
CHI2_998 = 9.54953570608324
#: How many of the latest points the test uses.
POINTS = 5
#: 2 × 1.96: converts a 95% interval's width into a standard error, as Fingertips does.
_WIDTH_TO_SE = 3.92


class Trend(StrEnum):
    """The recent-trend marker, and its reading through polarity."""

    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_CHANGE = "no_change"
    CANNOT_BE_CALCULATED = "cannot_be_calculated"
    IMPROVING = "improving"
    WORSENING = "worsening"


def _weighted_slope(
    w: FloatArray, v: FloatArray, t: FloatArray, axis: int = -1
) -> tuple[FloatArray, FloatArray]:
    s1 = w.sum(axis=axis)
    s2 = (w * v * t).sum(axis=axis)
    s3 = (w * t).sum(axis=axis)
    s4 = (w * v).sum(axis=axis)
    s5 = (w * t * t).sum(axis=axis)
    det = s1 * s5 - s3 * s3
    return (s1 * s2 - s3 * s4) / det, np.sqrt(s1 / det)


def _last(packed_values: FloatArray, counts: npt.NDArray[np.int64]) -> FloatArray:
    """Each row's last ``POINTS`` packed slots, oldest first (rows have at least that many)."""
    offsets = counts[:, None] - POINTS + np.arange(POINTS)
    return np.take_along_axis(packed_values, offsets, axis=1)


def trend_of_points(
    values: npt.ArrayLike, widths: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """The trend test on rows of exactly five points (oldest first) and their 95% interval widths.

    Returns ``(slope, chi2, significant)`` per row; a significant trend is increasing when its
    slope is above 0 and decreasing otherwise (as :func:`recent_trend` labels it). Rows are
    independent, so any number of series are tested in the same few array passes.

    >>> slope, chi2, significant = trend_of_points([[1.0, 2, 3, 4, 5]], [[0.2] * 5])
    >>> float(slope[0]), bool(significant[0])
    (1.0, True)
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    widths = np.atleast_2d(np.asarray(widths, dtype=np.float64))
    if values.shape[1] != POINTS or values.shape != widths.shape:
        raise ValueError(f"the trend needs rows of {POINTS} values and {POINTS} widths")
    weights = 1.0 / (widths / _WIDTH_TO_SE) ** 2
    t = np.broadcast_to(np.arange(1.0, POINTS + 1.0), values.shape)
    full_slope, se = _weighted_slope(weights, values, t)
    # Leaving point j out is the same fit with its weight set to zero.
    left_out = np.broadcast_to(weights[:, None, :], (len(values), POINTS, POINTS)) * (1.0 - np.eye(POINTS))
    loo_slope, _ = _weighted_slope(left_out, values[:, None, :], t[:, None, :])
    # Fingertips counts a slope of 0 as positive. A slope that is 0 but for rounding (e.g. a
    # run of equal values left behind) must count the same, whatever units the values are in.
    noise = 1e-12 * np.max(np.abs(values), axis=1) if values.size else np.zeros(0)
    positive = full_slope >= -noise
    keeps_sign = np.all((loo_slope >= -noise[:, None]) == positive[:, None], axis=1)
    chi2 = (full_slope / se) ** 2
    return full_slope, chi2, keeps_sign & (chi2 > CHI2_998)


def recent_trend(
    frame: pl.DataFrame,
    *,
    series: str = "series",
    period: str = "period",
    value: str = "value",
    lower: str = "lower_95",
    upper: str = "upper_95",
) -> pl.DataFrame:
    """The recent trend of every series at once: one row per series, sorted by series.

    Columns: the series, ``trend`` (``increasing``, ``decreasing``, ``no_change``,
    ``cannot_be_calculated``), ``chi2`` and ``slope`` (per period; null when not calculated).
    Periods are integers or ISO dates; a period given twice in a series, or limits out of order,
    raise ``ValueError`` naming the 1-based row and the column.

    >>> frame = pl.DataFrame({"series": ["a"] * 4 + ["b"] * 5, "period": [1, 2, 3, 4, 1, 2, 3, 4, 5],
    ...                       "value": [5.0, 4, 3, 2, 5, 5, 6, 5, 5], "lower_95": 0.0, "upper_95": 10.0})
    >>> recent_trend(frame).select("series", "trend", "chi2").rows()
    [('a', 'cannot_be_calculated', None), ('b', 'no_change', 0.0)]
    """
    require_columns(frame, [series, period, value, lower, upper])
    v = float_column(frame, value)
    lo = float_column(frame, lower)
    hi = float_column(frame, upper)
    check_rows(lo > hi, upper, f"is below {lower}", hi)
    usable = ~(np.isnan(v) | np.isnan(lo) | np.isnan(hi)) & (hi > lo)
    panel = series_panel(frame, series=series, period=period)
    n_series = panel.shape[0]
    packed = pack(panel.dense(np.where(usable, v, np.nan)))
    enough = packed.counts >= POINTS
    rows = packed.group_series[enough]

    slope = np.full(n_series, np.nan)
    chi2 = np.full(n_series, np.nan)
    significant = np.zeros(n_series, dtype=np.bool_)
    if rows.size:
        values = _last(packed.values[enough], packed.counts[enough])
        widths = _last(packed.take(panel.dense(hi - lo))[enough], packed.counts[enough])
        slope[rows], chi2[rows], significant[rows] = trend_of_points(values, widths)

    trend = np.full(n_series, Trend.CANNOT_BE_CALCULATED.value, dtype="<U20")
    trend[rows] = Trend.NO_CHANGE.value
    trend[significant & (slope > 0)] = Trend.INCREASING.value
    trend[significant & (slope <= 0)] = Trend.DECREASING.value
    return pl.DataFrame(
        {
            series: panel.keys,
            "trend": pl.Series(trend).cast(pl.String),
            "chi2": pl.Series(chi2).fill_nan(None),
            "slope": pl.Series(slope).fill_nan(None),
        }
    )


def read_trend(trend: npt.ArrayLike, *, polarity: Polarity | str) -> npt.NDArray[np.str_]:
    """Read increasing/decreasing through polarity as improving/worsening.

    Neutral polarity keeps increasing and decreasing; no change and cannot be calculated stay.

    >>> read_trend(["increasing", "decreasing", "no_change"], polarity="lower").tolist()
    ['worsening', 'improving', 'no_change']
    """
    chosen = Polarity(polarity)
    labels = np.atleast_1d(np.asarray(trend, dtype="<U20"))
    if chosen is Polarity.NEUTRAL:
        return labels
    up, down = (
        (Trend.IMPROVING, Trend.WORSENING)
        if chosen is Polarity.HIGHER
        else (Trend.WORSENING, Trend.IMPROVING)
    )
    out = labels.copy()
    out[labels == Trend.INCREASING.value] = up.value
    out[labels == Trend.DECREASING.value] = down.value
    return out

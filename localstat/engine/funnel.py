"""Funnel-plot limits and significance (METHODS.md, "Peer comparison: funnel plots").

Unadjusted limits are PHEindicatormethods' (``calculate_funnel_limits`` and
``assign_funnel_significance``):

- proportions: limits around the pooled proportion p̄ = Σx/Σn at each unit's n, the inverse of the
  Wilson interval (PHE's ``sigma_adjustment``), clipped to [0, 1]; a unit is significant when its
  value lies strictly beyond a limit;
- ratios (observed / expected, e.g. indirectly standardised ratios): limits around 1 from the exact
  Poisson distribution at each unit's expected count (PHE's ``poisson_funnel``); significance
  compares 1 with the ratio's own interval, exact below 10 observed events and Byar's from 10
  (PHE's ``funnel_ratio_significance``).

With ``overdispersion="spiegelhalter"`` the limits are widened as FunnelPlotR does: z-scores on a
transformed scale (proportion: asin √p, s = 1/(2√n), Winsorised at the 10th/90th percentiles;
ratio: ln(O/E), s = 1/√E, truncated at 10% each end as FunnelPlotR's default SHMI method does),
φ = mean(z²), τ² by DerSimonian–Laird, limits target ± z·√(s² + τ²) transformed back. When φ ≤ 1
(no overdispersion) the unadjusted limits are used.

>>> funnel = funnel_limits([10, 20, 30], [100, 100, 100], statistic="proportion")
>>> funnel["significance"].to_list()
['low_95', 'none', 'high_95']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.special import ndtri, pdtrik

from localstat.engine.intervals import CONFIDENCE_LEVELS, count_interval, z_value
from localstat.engine.schemas import check_rows

__all__ = [
    "SIGNIFICANCE",
    "FunnelStatistic",
    "Overdispersion",
    "adjusted_funnel_limits",
    "funnel_limits",
    "funnel_significance",
    "overdispersion",
    "proportion_funnel_limits",
    "ratio_funnel_limits",
    "ratio_significance",
]

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.str_]
FunnelStatistic = Literal["proportion", "ratio"]

#: Significance labels, from significantly low to significantly high.
SIGNIFICANCE = ("low_998", "low_95", "none", "high_95", "high_998")


@dataclass(frozen=True)
class Overdispersion:
    """The overdispersion estimate: ratio ``phi``, between-unit variance ``tau2`` and ``units`` used."""

    phi: float
    tau2: float
    units: int

    @property
    def adjusts(self) -> bool:
        """Whether limits are widened: only when φ > 1 and τ² > 0.

        >>> Overdispersion(phi=0.8, tau2=0.0, units=10).adjusts
        False
        """
        return self.phi > 1.0 and self.tau2 > 0.0


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def proportion_funnel_limits(
    denominator: npt.ArrayLike, average: float, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Unadjusted funnel limits for proportions at sample sizes n around the pooled ``average``.

    PHEindicatormethods' ``sigma_adjustment`` (METHODS.md's expression, the inverse of the Wilson
    interval): with q = c + (1 − c)/2 and z = Φ⁻¹(q),
    limit = [p̄(n/z² + 1) ∓ √((−8p̄(n/z² + 1))² − 64(1/z² + 1/n)·p̄·(n(p̄(n/z² + 2) − 1) +
    z²(p̄ − 1)))/8] / (1/z² + 1/n) / n. Algebraically that is exactly p̄ ∓ z·√(p̄(1 − p̄)/n)
    (the centre term divides down to p̄, the discriminant to 64·p̄(1 − p̄)·(n + z²)²/(n·z²)), which
    is what is computed here: the same numbers (PHE's table to 1e-14) without the cancellation the
    long form suffers near p̄ = 0 or 1. Clipped to [0, 1] as PHEindicatormethods clips them.

    >>> lower, upper = proportion_funnel_limits([1008], 0.80642448, 0.95)
    >>> round(float(lower[0]) * 100, 6), round(float(upper[0]) * 100, 6)
    (78.203374, 83.081522)
    """
    n = _floats(denominator)
    p = float(average)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"the pooled proportion must be between 0 and 1, not {p}")
    spread = z_value(confidence) * np.sqrt(p * (1.0 - p) / n)
    return np.clip(p - spread, 0.0, 1.0), np.clip(p + spread, 0.0, 1.0)


def ratio_funnel_limits(
    expected: npt.ArrayLike, confidence: float, target: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """Unadjusted funnel limits for ratios O/E at expected counts E, around ``target`` (1).

    The exact Poisson funnel of PHEindicatormethods: with μ = target·E, the lower limit is the
    count k (continuous) with P(X ≤ k | μ) = (1 − c)/2, the upper limit 1 + the count with
    P(X ≤ k | μ) = c + (1 − c)/2, each divided by E; so an observed count is beyond a limit exactly
    when its exact interval excludes μ.

    >>> lower, upper = ratio_funnel_limits([5.571644585, 0.025317898], 0.95)
    >>> round(float(lower[0]), 6), round(float(upper[1]), 3)
    (0.17948, 39.498)
    """
    e = _floats(expected)
    z_value(confidence)  # validates the level
    alpha = 1.0 - confidence
    mu = target * e
    lower = pdtrik(alpha / 2.0, mu) / e
    upper = (pdtrik(1.0 - alpha / 2.0, mu) + 1.0) / e
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def funnel_significance(
    value: npt.ArrayLike,
    lower_95: npt.ArrayLike,
    upper_95: npt.ArrayLike,
    lower_998: npt.ArrayLike,
    upper_998: npt.ArrayLike,
) -> Labels:
    """Label each value by the funnel limits it lies strictly beyond (a value on a limit is inside).

    >>> funnel_significance([0.1, 0.5, 0.95, 0.6], [0.2] * 4, [0.8] * 4, [0.15] * 4, [0.9] * 4).tolist()
    ['low_998', 'none', 'high_998', 'none']
    """
    v = _floats(value)
    lo95, hi95, lo998, hi998 = (
        np.broadcast_to(_floats(a), v.shape) for a in (lower_95, upper_95, lower_998, upper_998)
    )
    labels: Labels = np.full(v.shape, "none", dtype="<U8")
    labels[v > hi95] = "high_95"
    labels[v > hi998] = "high_998"
    labels[v < lo95] = "low_95"
    labels[v < lo998] = "low_998"
    return labels


def ratio_significance(observed: npt.ArrayLike, expected: npt.ArrayLike) -> Labels:
    """PHE's significance for ratios: is 1 outside the ratio's 95% or 99.8% interval?

    The interval of O/E is exact below 10 observed events and Byar's from 10; the unit is high when
    1 is strictly below the lower limit, low when strictly above the upper.

    >>> ratio_significance([151, 0, 8], [106.4429719, 240.6273499, 6.239860227]).tolist()
    ['high_998', 'low_998', 'none']
    """
    o, e = np.broadcast_arrays(_floats(observed), _floats(expected))
    labels: Labels = np.full(o.shape, "none", dtype="<U8")
    (lo95, hi95, _), (lo998, hi998, _) = (count_interval(o, c) for c, _ in CONFIDENCE_LEVELS)
    # A zero count's lower limit is zero: 1 can never lie below it.
    lo95, lo998 = np.nan_to_num(lo95), np.nan_to_num(lo998)
    labels[lo95 / e > 1.0] = "high_95"
    labels[lo998 / e > 1.0] = "high_998"
    labels[hi95 / e < 1.0] = "low_95"
    labels[hi998 / e < 1.0] = "low_998"
    return labels


def _average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties sharing their average rank (R's ``rank(ties.method = "average")``)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(ordered.shape, dtype=np.bool_)
    new[:1] = True
    new[1:] = ordered[1:] != ordered[:-1]
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], ordered.size)
    ranks = np.empty(values.shape, dtype=np.float64)
    ranks[order] = ((starts + ends - 1) / 2.0 + 1.0)[group]
    return ranks


def _z_scores(
    x: FloatArray, n: FloatArray, statistic: FunnelStatistic
) -> tuple[FloatArray, FloatArray, float]:
    """Unadjusted z-scores, their standard errors and the transformed target (FunnelPlotR)."""
    if statistic == "proportion":
        target = float(np.arcsin(np.sqrt(x.sum() / n.sum())))
        s = 1.0 / (2.0 * np.sqrt(n))
        return (np.arcsin(np.sqrt(x / n)) - target) / s, s, target
    # SHMI form: z = √E·ln(O/E) about ln(1) = 0. A zero count has no logarithm.
    with np.errstate(divide="ignore"):
        z = np.sqrt(n) * np.log(x / n)
    return z, 1.0 / np.sqrt(n), 0.0


def overdispersion(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    statistic: FunnelStatistic,
    trim: float = 0.1,
) -> Overdispersion:
    """Spiegelhalter's overdispersion ratio φ and DerSimonian–Laird τ², as FunnelPlotR computes them.

    Proportions: z = (asin √(x/n) − asin √p̄)·2√n, Winsorised to the ``trim`` and 1 − ``trim``
    quantiles (type 7, R's default). Ratios: z = √E·ln(O/E), keeping only the units whose rank
    lies inside the middle 1 − 2·``trim`` (FunnelPlotR's ``truncation``: group
    ⌊rank·k/(N+1)⌋ with k = 1/trim, groups 0 and k − 1 dropped); units with no events have no
    log-ratio and are left out. Then φ = Σz²/I over the I z-scores used and
    τ² = max(0, (Iφ − (I − 1)) / (Σw − Σw²/Σw)) with w = 1/s², 0 when Iφ < I − 1.
    Rows with a missing numerator or denominator are ignored.

    >>> result = overdispersion([10, 20, 30, 40], [100, 100, 100, 100], statistic="proportion")
    >>> round(result.phi, 4), round(result.tau2, 6), result.units
    (4.89, 0.0138, 4)
    """
    if not 0.0 < trim < 0.5:
        raise ValueError(f"trim must be between 0 and 0.5, not {trim}")
    x, n = np.broadcast_arrays(_floats(numerator), _floats(denominator))
    keep = ~(np.isnan(x) | np.isnan(n))
    x, n = x[keep], n[keep]
    if x.size == 0:
        return Overdispersion(phi=float("nan"), tau2=0.0, units=0)
    z, s, _ = _z_scores(x, n, statistic)
    if statistic == "proportion":
        low, high = np.quantile(z, [trim, 1.0 - trim])
        used, weights_s = np.clip(z, low, high), s
    else:
        finite = np.isfinite(z)
        z, s = z[finite], s[finite]
        groups = round(1.0 / trim)
        band = np.floor(_average_ranks(z) * groups / (z.size + 1))
        inside = (band > 0) & (band < groups - 1)
        used, weights_s = z[inside], s[inside]
    units = int(used.size)
    if units == 0:
        return Overdispersion(phi=float("nan"), tau2=0.0, units=0)
    phi = float(np.sum(used**2) / units)
    w = 1.0 / weights_s**2
    spread = float(w.sum() - (w**2).sum() / w.sum())
    # No excess over the Poisson/binomial variance (or no spread of weights): no τ².
    no_excess = units * phi < units - 1 or spread <= 0.0
    tau2 = 0.0 if no_excess else max(0.0, (units * phi - (units - 1)) / spread)
    return Overdispersion(phi=phi, tau2=tau2, units=units)


def adjusted_funnel_limits(
    denominator: npt.ArrayLike,
    *,
    statistic: FunnelStatistic,
    target: float,
    tau2: float,
    confidence: float,
) -> tuple[FloatArray, FloatArray]:
    """Overdispersed limits: target ± z·√(s² + τ²) on the transformed scale, transformed back.

    Proportions: sin²(asin √p̄ ∓ z·√(1/(4n) + τ²)), the angle kept within [0, π/2] (FunnelPlotR
    squares a negative angle instead, folding the limit back up); ratios: target·exp(∓ z·√(1/E + τ²)).

    >>> lower, upper = adjusted_funnel_limits([100.0], statistic="ratio", target=1.0, tau2=0.01,
    ...                                       confidence=0.95)
    >>> round(float(lower[0]), 6), round(float(upper[0]), 6)
    (0.757917, 1.319405)
    """
    n = _floats(denominator)
    z = float(ndtri(confidence + (1.0 - confidence) / 2.0))
    if statistic == "proportion":
        centre = float(np.arcsin(np.sqrt(target)))
        spread = z * np.sqrt(1.0 / (4.0 * n) + tau2)
        lower = np.sin(np.clip(centre - spread, 0.0, np.pi / 2.0)) ** 2
        upper = np.sin(np.clip(centre + spread, 0.0, np.pi / 2.0)) ** 2
        return lower, upper
    spread = z * np.sqrt(1.0 / n + tau2)
    return target * np.exp(-spread), target * np.exp(spread)


def _check_inputs(x: FloatArray, n: FloatArray, statistic: FunnelStatistic) -> None:
    present = ~(np.isnan(x) | np.isnan(n))
    check_rows(present & (x < 0), "numerator", "must be zero or more", x)
    check_rows(present & (n <= 0), "denominator", "must be greater than zero", n)
    if statistic == "proportion":
        check_rows(
            present & (x > n), "numerator", "must not be greater than the denominator for a proportion", x
        )


def funnel_limits(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    statistic: FunnelStatistic,
    overdispersion_method: Literal["none", "spiegelhalter"] = "none",
    trim: float = 0.1,
) -> pl.DataFrame:
    """Every unit's value, its funnel limits at its own denominator, and its significance.

    ``statistic`` is ``proportion`` (x/n around the pooled Σx/Σn) or ``ratio`` (O/E around 1).
    ``overdispersion_method="spiegelhalter"`` widens the limits for overdispersion (see
    :func:`overdispersion`) and adds the columns ``phi`` and ``tau2`` (the τ² applied: 0 when φ ≤ 1
    and the unadjusted limits are kept). Rows with a missing numerator or denominator get nulls and
    take no part in the pooled value or φ. Returns ``value, lower_95, upper_95, lower_998,
    upper_998, significance`` in input order.

    >>> table = funnel_limits([151, 0, 8], [106.4429719, 240.6273499, 6.239860227], statistic="ratio")
    >>> table["significance"].to_list(), round(table["upper_95"][2], 4)
    (['high_998', 'low_998', 'none'], 1.9319)
    """
    if statistic not in ("proportion", "ratio"):
        raise ValueError(f"statistic must be proportion or ratio, not {statistic!r}")
    if overdispersion_method not in ("none", "spiegelhalter"):
        raise ValueError(f"overdispersion must be none or spiegelhalter, not {overdispersion_method!r}")
    x, n = _floats(numerator), _floats(denominator)
    if x.shape != n.shape:
        raise ValueError(f"numerator has {x.size} values but denominator has {n.size}")
    _check_inputs(x, n, statistic)
    present = ~(np.isnan(x) | np.isnan(n))
    columns: dict[str, FloatArray] = {}
    with np.errstate(invalid="ignore"):
        columns["value"] = np.where(present, x / np.where(present, n, 1.0), np.nan)
    target = (
        float(x[present].sum() / n[present].sum()) if statistic == "proportion" and present.any() else 1.0
    )
    estimate = Overdispersion(phi=float("nan"), tau2=0.0, units=0)
    if overdispersion_method == "spiegelhalter":
        estimate = overdispersion(x, n, statistic=statistic, trim=trim)
    safe_n = np.where(present, n, 1.0)
    for confidence, suffix in CONFIDENCE_LEVELS:
        if estimate.adjusts:
            lower, upper = adjusted_funnel_limits(
                safe_n, statistic=statistic, target=target, tau2=estimate.tau2, confidence=confidence
            )
        elif statistic == "proportion":
            lower, upper = proportion_funnel_limits(safe_n, target, confidence)
        else:
            lower, upper = ratio_funnel_limits(safe_n, confidence, target)
        columns[f"lower_{suffix}"] = np.where(present, lower, np.nan)
        columns[f"upper_{suffix}"] = np.where(present, upper, np.nan)
    if statistic == "ratio" and not estimate.adjusts:
        significance = ratio_significance(np.where(present, x, 0.0), safe_n)
    else:
        significance = funnel_significance(
            columns["value"],
            columns["lower_95"],
            columns["upper_95"],
            columns["lower_998"],
            columns["upper_998"],
        )
    frame = pl.DataFrame({name: pl.Series(name, values).fill_nan(None) for name, values in columns.items()})
    frame = frame.with_columns(
        significance=pl.when(pl.Series(present)).then(pl.Series("significance", significance).cast(pl.String))
    )
    if overdispersion_method == "spiegelhalter":
        frame = frame.with_columns(
            phi=pl.lit(estimate.phi, dtype=pl.Float64).fill_nan(None),
            tau2=pl.lit(estimate.tau2 if estimate.adjusts else 0.0, dtype=pl.Float64),
        )
    return frame

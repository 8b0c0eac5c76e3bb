"""Process limits for XmR charts and for Laney's p′ and u′ charts, over many groups at once.

Every function takes left-packed arrays (``groups × slots``, NaN after each group's points; see
``localstat.engine.panels.pack``) and returns one set of limits per group, computed from the
group's baseline: all its points, or its first ``baseline`` points when the baseline is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from localstat.engine.spc.profiles import MR_SCREEN, Profile, profile_named

__all__ = ["MIN_BASELINE", "ProcessLimits", "check_baseline", "prime_limits", "xmr_limits"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: A fixed baseline shorter than this is refused (METHODS.md: N ≥ 12).
MIN_BASELINE = 12

#: d2 for moving ranges of two: σ = AMR / 1.128 (Laney 2002 uses it for σ_z).
D2 = 1.128


@dataclass(frozen=True)
class ProcessLimits:
    """Limits per group, shaped to broadcast against the packed ``groups × slots`` values.

    ``mean``, ``lpl``, ``upl`` and the 2σ "near" limits ``lnl``/``unl`` are ``(groups, 1)`` for an
    XmR chart and ``(groups, slots)`` for p′/u′, whose limits vary with each point's denominator.
    ``amr`` is the average moving range the limits rest on (of the z-scores for p′/u′);
    ``baseline_points`` counts the points the limits came from.
    """

    mean: FloatArray
    lpl: FloatArray
    upl: FloatArray
    lnl: FloatArray
    unl: FloatArray
    amr: FloatArray
    baseline_points: IntArray


def check_baseline(baseline: int | None) -> None:
    """Refuse a fixed baseline that is not a whole number of at least 12 points.

    >>> check_baseline(None), check_baseline(12)
    (None, None)
    >>> check_baseline(8)
    Traceback (most recent call last):
    ...
    ValueError: baseline must be at least 12 points (got 8)
    """
    if baseline is None:
        return
    if isinstance(baseline, bool) or not isinstance(baseline, int | np.integer):
        raise ValueError(f"baseline must be a whole number of points (got {baseline!r})")
    if baseline < MIN_BASELINE:
        raise ValueError(f"baseline must be at least {MIN_BASELINE} points (got {baseline})")


def _as_groups(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    return array[None, :] if array.ndim == 1 else array


def _baseline_mask(columns: FloatArray, baseline: int | None) -> BoolArray:
    """Which slots are in the baseline, for series laid out in columns (``slots × groups``)."""
    present = ~np.isnan(columns)
    if baseline is None:
        return present
    # Points are left-packed, so the first N slots are the first N points.
    return present & (np.arange(columns.shape[0]) < baseline)[:, None]


def _columns(values: FloatArray) -> FloatArray:
    """Series in columns (``slots × groups``), contiguous: the layout the sums below want."""
    return np.ascontiguousarray(values.T)


def _column_sum(values: FloatArray, mask: BoolArray) -> FloatArray:
    """First-to-last sum of the masked values of each column (series laid out in columns).

    A sequential sum is the same whatever padding follows a group's points (adding 0.0 is exact),
    so a series gets the same limits alone or beside longer series; numpy's pairwise ``sum``
    along a row would round differently with the array's width. Summing down the rows of a
    C-ordered array adds one row of every column at a time, in order: sequential, and vectorised
    across the columns (``cumsum`` along each row gives the same numbers several times slower).
    """
    return _down_columns(np.where(mask, values, 0.0))


def _down_columns(summed: FloatArray) -> FloatArray:
    """Each column's first-to-last total. NumPy reduces a single column (a 1-D array in effect)
    pairwise, so that case goes through a cumulative sum, which is sequential too."""
    if summed.shape[1] == 1:
        return np.asarray(np.cumsum(summed[:, 0])[-1:], dtype=np.float64) if summed.shape[0] else np.zeros(1)
    return np.asarray(np.add.reduce(summed, axis=0), dtype=np.float64)


def _masked_mean(values: FloatArray, mask: BoolArray) -> tuple[FloatArray, IntArray]:
    count = np.count_nonzero(mask, axis=0)
    mean = np.divide(_column_sum(values, mask), count, out=np.full(count.shape, np.nan), where=count > 0)
    # A second pass over the residuals, as R's mean() does, keeps large values to the last digit.
    residual = np.subtract(values, mean[None, :])
    np.copyto(residual, 0.0, where=~mask)
    total = _down_columns(residual)
    mean += np.divide(total, count, out=np.zeros(count.shape), where=count > 0)
    return mean, count.astype(np.int64)


def _average_moving_range(points: FloatArray, screen: bool) -> FloatArray:
    """AMR of consecutive baseline points (series in columns); screened, it drops ranges
    ≥ 3.267 × AMR and re-averages."""
    ranges = np.diff(points, axis=0)
    np.abs(ranges, out=ranges)
    present = ~np.isnan(ranges)
    amr, _ = _masked_mean(ranges, present)
    if screen:
        # An AMR of 0 would screen every range out; PowerBI-SPC's averageMovingRange keeps them all,
        # so a flat baseline gives flat limits rather than none.
        keep = present & ((ranges < MR_SCREEN * amr[None, :]) | ~(amr > 0)[None, :])
        amr, _ = _masked_mean(ranges, keep)
    return amr


def _resolve(profile: str | Profile, screen: bool | None) -> tuple[Profile, bool]:
    chosen = profile if isinstance(profile, Profile) else profile_named(profile)
    return chosen, chosen.screen if screen is None else bool(screen)


def xmr_limits(
    values: npt.ArrayLike,
    *,
    profile: str | Profile = "nhsr",
    screen: bool | None = None,
    baseline: int | None = None,
) -> ProcessLimits:
    """XmR (individuals) limits per group: mean ± k·AMR, with moving-range screening.

    ``k`` is 2.66 for ``nhsr`` and ``mdc2023`` and 3/1.128 for ``powerbi``; the 2σ near limits are
    two thirds of the way out. ``screen=None`` takes the profile's default. A 1-D input is one
    group. A group with a single baseline point has a mean but no limits (NaN).

    >>> limits = xmr_limits([1.0, 2.0, 1.0, 3.0])
    >>> limits.mean.tolist(), limits.amr.tolist()
    ([[1.75]], [1.3333333333333333])
    >>> round(float(limits.lpl[0, 0]), 4), round(float(limits.upl[0, 0]), 4)
    (-1.7967, 5.2967)
    >>> xmr_limits([[5.0, 5.0, 5.0]]).upl.tolist()
    [[5.0]]
    """
    chosen, do_screen = _resolve(profile, screen)
    check_baseline(baseline)
    columns = _columns(_as_groups(values))
    in_baseline = _baseline_mask(columns, baseline)
    mean, count = _masked_mean(columns, in_baseline)
    # Without a fixed baseline every point is in it: no need to blank the others.
    amr = _average_moving_range(
        columns if baseline is None else np.where(in_baseline, columns, np.nan), do_screen
    )
    half = chosen.limit_multiplier * amr
    near = half * (2.0 / 3.0)
    centre = mean[:, None]
    return ProcessLimits(
        mean=centre,
        lpl=centre - half[:, None],
        upl=centre + half[:, None],
        lnl=centre - near[:, None],
        unl=centre + near[:, None],
        amr=amr,
        baseline_points=count,
    )


def prime_limits(
    numerators: npt.ArrayLike,
    denominators: npt.ArrayLike,
    *,
    chart: Literal["p_prime", "u_prime"],
    profile: str | Profile = "nhsr",
    screen: bool | None = None,
    baseline: int | None = None,
) -> ProcessLimits:
    """Laney's p′ or u′ limits per group, for proportions or rates with varying denominators.

    Laney (2002), "Improved control charts for attributes", Quality Engineering 14(4) 531–537:
    the centre is p̄ = Σx/Σn (ū for rates); each point's within-sample σᵢ is √(p̄(1 − p̄)/nᵢ)
    (√(ū/nᵢ) for u′); the points become z-scores zᵢ = (pᵢ − p̄)/σᵢ, whose moving ranges give
    σ_z = AMR_z/1.128 (screened as for XmR); the limits are p̄ ± 3·σᵢ·σ_z. The profile's multiplier
    replaces 3/1.128 (2.66 for ``nhsr`` and ``mdc2023``). Limits are clipped to [0, 1] for p′ and
    at 0 below for u′, as PowerBI-SPC does. Inputs are packed counts: NaN marks padding.

    >>> limits = prime_limits([[10, 12, 9, 14]], [[100, 110, 95, 120]], chart="p_prime")
    >>> round(float(limits.mean[0, 0]), 6)
    0.105882
    >>> limits.lpl.shape
    (1, 4)
    """
    if chart not in ("p_prime", "u_prime"):
        raise ValueError(f"chart must be p_prime or u_prime (got {chart!r})")
    chosen, do_screen = _resolve(profile, screen)
    check_baseline(baseline)
    x = _as_groups(numerators)
    n = _as_groups(denominators)
    rate = x / np.where(n > 0, n, np.nan)
    in_baseline = _baseline_mask(_columns(rate), baseline).T
    total_x = _column_sum(_columns(x), in_baseline.T)
    total_n = _column_sum(_columns(n), in_baseline.T)
    count = in_baseline.sum(axis=1).astype(np.int64)
    centre = np.divide(total_x, total_n, out=np.full(total_x.shape, np.nan), where=total_n > 0)[:, None]
    spread = centre * (1.0 - centre) if chart == "p_prime" else centre
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma_within = np.sqrt(np.where(spread >= 0, spread, np.nan) / n)
        # A centre of 0 (or 1 for p′) leaves no within-sample spread: every point sits on it.
        z = np.where(sigma_within > 0, (rate - centre) / sigma_within, 0.0)
    z = np.where(in_baseline, z, np.nan)
    amr = _average_moving_range(_columns(z), do_screen)
    half = chosen.limit_multiplier * amr[:, None] * sigma_within
    near = half * (2.0 / 3.0)
    upper_cap = 1.0 if chart == "p_prime" else np.inf
    return ProcessLimits(
        mean=centre,
        lpl=np.maximum(centre - half, 0.0),
        upl=np.minimum(centre + half, upper_cap),
        lnl=np.maximum(centre - near, 0.0),
        unl=np.minimum(centre + near, upper_cap),
        amr=amr,
        baseline_points=count,
    )
